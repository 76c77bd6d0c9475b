import { mkdtempSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { resolveDatasetsDir } from '@headstream/datasets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

interface ListEntry {
  folder: string;
  state: string;
  dir: string;
  verifiedFiles: number;
  files: number;
}

/** A plain HTTP mirror of the shared data sets: GET /<folder>/<path>. */
async function serveMirror(root: string): Promise<{ url: string; paths: string[]; server: Server }> {
  const paths: string[] = [];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    paths.push(path);
    readFile(join(root, ...path.split('/').filter((s) => s !== '' && s !== '..'))).then(
      (body) => res.writeHead(200, { 'content-length': String(body.length) }).end(body),
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, paths, server };
}

describe('headstream datasets list | fetch (the built binary)', () => {
  const temp = mkdtempSync(join(tmpdir(), 'hs-cli-datasets-'));
  // The child's default cache folder is a fresh one; HS_* are set per call (runCli drops the caller's).
  const isolated = { XDG_CACHE_HOME: join(temp, 'cache') };
  let mirror: Awaited<ReturnType<typeof serveMirror>>;
  beforeAll(async () => {
    mirror = await serveMirror(resolveDatasetsDir());
  });
  afterAll(async () => {
    mirror.server.closeAllConnections();
    await new Promise((resolve) => mirror.server.close(resolve));
    rmSync(temp, { recursive: true, force: true });
  });

  it('list: the shared data sets found beside the repository are all verified', async () => {
    const run = await runCli(['datasets', 'list', '--json'], isolated, 60_000);
    expect(run.code, run.stderr).toBe(0);
    const entries = JSON.parse(run.stdout) as ListEntry[];
    expect(entries).toHaveLength(8);
    for (const e of entries) {
      expect([e.folder, e.state, e.verifiedFiles]).toEqual([e.folder, 'verified', e.files]);
      expect(e.dir).toBe(join(resolveDatasetsDir({ env: isolated }), e.folder)); // found as the child finds it: HS_* unset
    }
  }, 90_000);

  it('fetch --mirror into HS_DATASETS_DIR: a line per file, verified, then list says so', async () => {
    const dir = join(temp, 'fetched');
    const env = { ...isolated, HS_DATASETS_DIR: dir };
    const run = await runCli(['datasets', 'fetch', 'pems-detector', '--mirror', mirror.url], env, 60_000);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toContain(`fetching 3 files (203.6 kB) into ${dir}; 0 already verified\n`);
    expect(run.stderr).toMatch(/^fetched pems-detector-5min-flow\/train\.csv \(199,681 bytes\) in [\d.]+ s$/m);
    expect(run.stderr.match(/^fetched /gm)).toHaveLength(3);
    expect(run.stdout).toBe(`verified  pems-detector-5min-flow  3 files, 3 fetched now  ${join(dir, 'pems-detector-5min-flow')}\n`);
    expect(mirror.paths.sort()).toEqual(['/pems-detector-5min-flow/LICENSE-xiaochus-TrafficFlowPrediction-MIT.txt', '/pems-detector-5min-flow/train.csv']);

    const list = await runCli(['datasets', 'list'], env, 60_000);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`^pems-detector-5min-flow \\(pems-detector\\) +verified +3/3 +203\\.6 kB +${join(dir, 'pems-detector-5min-flow').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`, 'm'));
    expect(list.stdout).toMatch(/^skab +missing +0\/36 /m);
    expect(list.stdout).toContain('get them with `headstream datasets fetch italy-air beijing-air gas-turbine hydraulic los-loop metro-traffic skab`');
  }, 150_000);

  it('fetch from a mirror without the files: one line per file naming it and its URL, exit code 1', async () => {
    const run = await runCli(['datasets', 'fetch', 'pems-detector', '--dir', join(temp, 'nowhere'), '--mirror', `${mirror.url}/missing`], isolated, 60_000);
    expect(run.code).toBe(1);
    const errors = run.stderr.split('\n').filter((l) => l.startsWith('headstream:')).sort();
    expect(errors).toEqual([
      `headstream: pems-detector-5min-flow/LICENSE-xiaochus-TrafficFlowPrediction-MIT.txt: HTTP 404 Not Found (${mirror.url}/missing/pems-detector-5min-flow/LICENSE-xiaochus-TrafficFlowPrediction-MIT.txt)`,
      `headstream: pems-detector-5min-flow/train.csv: HTTP 404 Not Found (${mirror.url}/missing/pems-detector-5min-flow/train.csv)`,
    ]);
    expect(run.stdout).toContain('FAILED    pems-detector-5min-flow');
  }, 90_000);

  it('bad usage: one line naming it, exit code 2', async () => {
    const unknown = await runCli(['datasets', 'fetch', 'nope'], isolated, 60_000);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^headstream: unknown data set "nope"; valid names: air-quality-uci-italy \(italy-air\), .*, skab\n$/);
    const mirrorEnv = await runCli(['datasets', 'fetch', 'skab'], { ...isolated, HS_DATASETS_MIRROR: 'not a url' }, 60_000);
    expect(mirrorEnv.code).toBe(2);
    expect(mirrorEnv.stderr).toBe('headstream: HS_DATASETS_MIRROR: expected an http:// or https:// URL; got "not a url"\n');
  }, 150_000);
});
