import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { datasetFolder, datasetsDirCandidates, DATASETS_DIR_ENV, defaultDatasetsCacheDir, fetchTargetDir, listDatasets, resolveDatasetsDir } from '../src/index.js';

describe('the datasets cache folder in the search order', () => {
  const root = mkdtempSync(join(tmpdir(), 'hs-locate-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('default cache folder: $XDG_CACHE_HOME/headstream/datasets, else ~/.cache/headstream/datasets', () => {
    const xdg = join(root, 'xdg');
    const home = join(root, 'home');
    expect(defaultDatasetsCacheDir({ XDG_CACHE_HOME: xdg, HOME: home })).toBe(join(xdg, 'headstream', 'datasets'));
    expect(defaultDatasetsCacheDir({ XDG_CACHE_HOME: 'relative', HOME: home })).toBe(join(home, '.cache', 'headstream', 'datasets'));
    expect(defaultDatasetsCacheDir({ HOME: home })).toBe(join(home, '.cache', 'headstream', 'datasets'));
  });

  test('explicit → HS_DATASETS_DIR → shared/datasets upward → the cache folder', () => {
    const cacheHome = join(root, 'cache');
    const cache = join(cacheHome, 'headstream', 'datasets');
    const work = join(root, 'work', 'repo');
    mkdirSync(work, { recursive: true });
    const env = { XDG_CACHE_HOME: cacheHome };
    // Nothing yet: a clear error that says how to get the data.
    expect(() => resolveDatasetsDir({ cwd: work, env })).toThrow(/^cannot find the datasets directory: run `headstream datasets fetch` \(fills .*cache[/\\]headstream[/\\]datasets\), set HS_DATASETS_DIR/);
    expect(fetchTargetDir({ cwd: work, env })).toBe(cache);
    mkdirSync(join(cache, 'skab'), { recursive: true });
    expect(resolveDatasetsDir({ cwd: work, env })).toBe(cache);
    const shared = join(root, 'work', 'shared', 'datasets');
    mkdirSync(join(shared, 'pems-detector-5min-flow'), { recursive: true });
    expect(datasetsDirCandidates({ cwd: work, env })).toEqual([shared, cache]);
    expect(resolveDatasetsDir({ cwd: work, env })).toBe(shared);
    // A set the shared folder lacks is found in the cache; fetch still writes to the cache, never to shared.
    expect(datasetFolder('pems-detector-5min-flow', { cwd: work, env })).toBe(join(shared, 'pems-detector-5min-flow'));
    expect(datasetFolder('skab', { cwd: work, env })).toBe(join(cache, 'skab'));
    expect(() => datasetFolder('air-quality-uci-italy', { cwd: work, env })).toThrow(/lacks "air-quality-uci-italy" \(get it with `headstream datasets fetch air-quality-uci-italy`\)$/);
    expect(fetchTargetDir({ cwd: work, env })).toBe(cache);
    // HS_DATASETS_DIR and the explicit option are the only place searched when given.
    const other = join(root, 'other');
    mkdirSync(other);
    expect(datasetsDirCandidates({ cwd: work, env: { ...env, [DATASETS_DIR_ENV]: other } })).toEqual([other]);
    expect(fetchTargetDir({ cwd: work, env: { ...env, [DATASETS_DIR_ENV]: other } })).toBe(other);
    expect(fetchTargetDir({ datasetsDir: join(root, 'new'), env: { ...env, [DATASETS_DIR_ENV]: other } })).toBe(join(root, 'new'));
  });

  test('list reports where each set is: found folders where they are, missing ones where fetch would put them', async () => {
    const cacheHome = join(root, 'cache2');
    const work = join(root, 'w2', 'repo');
    const shared = join(root, 'w2', 'shared', 'datasets');
    mkdirSync(work, { recursive: true });
    mkdirSync(join(shared, 'skab'), { recursive: true });
    const listed = await listDatasets({ cwd: work, env: { XDG_CACHE_HOME: cacheHome } });
    const where = Object.fromEntries(listed.map((c) => [c.dataset.folder, [c.state, c.dir]]));
    expect(where.skab).toEqual(['missing', join(shared, 'skab')]);
    expect(where['air-quality-uci-italy']).toEqual(['missing', join(cacheHome, 'headstream', 'datasets', 'air-quality-uci-italy')]);
    // A named directory that does not exist yet lists everything missing there (fetch creates it).
    const named = await listDatasets({ datasetsDir: join(root, 'not-yet') });
    expect(named.every((c) => c.state === 'missing' && c.dir.startsWith(join(root, 'not-yet')))).toBe(true);
  });
});
