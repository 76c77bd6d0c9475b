import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, test } from 'vitest';
import { DATASET_MANIFEST, listDatasets, loaders, resolveDatasetsDir, SOURCE_NOTES } from '../src/index.js';

function filesUnder(root: string, dir = root): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(root, path) : [relative(root, path).split('\\').join('/')];
  });
}

/** The rows of SOURCE.md's "Files in this folder" table: name → [bytes, sha256]. */
function sourceTable(text: string): Map<string, [number, string]> {
  const rows = new Map<string, [number, string]>();
  for (const m of text.matchAll(/^\| `([^`]+)` \| ([\d,]+) \| `([0-9a-f]{64})` \|$/gm)) rows.set(m[1] ?? '', [Number((m[2] ?? '').replace(/,/g, '')), m[3] ?? '']);
  return rows;
}

describe('the data set manifest matches the shared data sets', () => {
  const shared = resolveDatasetsDir();

  test('every shared folder and every file in it is in the manifest, and nothing else', () => {
    expect(DATASET_MANIFEST.map((d) => d.folder).sort()).toEqual(readdirSync(shared).filter((f) => statSync(join(shared, f)).isDirectory()).sort());
    for (const dataset of DATASET_MANIFEST) {
      expect(dataset.files.map((f) => f.path).sort(), dataset.folder).toEqual(filesUnder(join(shared, dataset.folder)).sort());
    }
  });

  test('every shared file has the manifest size and sha256 (list says verified)', async () => {
    const checks = await listDatasets({ datasetsDir: shared });
    const problems = checks.flatMap((c) => c.files.filter((f) => f.state !== 'verified').map((f) => `${c.dataset.folder}/${f.file.path}: ${f.state} ${f.actualSize ?? ''} ${f.actualSha256 ?? ''}`));
    expect(problems).toEqual([]);
    expect(checks.every((c) => c.state === 'verified')).toBe(true);
  });

  test('the bundled SOURCE.md texts are the shared ones, and their tables agree with the manifest', () => {
    for (const dataset of DATASET_MANIFEST) {
      const text = readFileSync(join(shared, dataset.folder, 'SOURCE.md'), 'utf8');
      expect(SOURCE_NOTES[dataset.folder], dataset.folder).toBe(text);
      const table = sourceTable(text);
      const downloaded = dataset.files.filter((f) => !f.bundled);
      expect([...table.keys()].sort(), dataset.folder).toEqual(downloaded.map((f) => f.path).sort());
      for (const file of downloaded) expect(table.get(file.path), `${dataset.folder}/${file.path}`).toEqual([file.size, file.sha256]);
      // Only SOURCE.md is bundled; the rest comes from the snapshot SOURCE.md names (repository and commit).
      expect(dataset.files.filter((f) => f.bundled).map((f) => f.path)).toEqual(['SOURCE.md']);
      const repo = dataset.snapshot.repository.replace('https://github.com/', '');
      expect(text).toContain(`\`${repo}\``);
      expect(text).toContain(dataset.snapshot.commit);
      for (const file of downloaded) expect(file.url, file.path).toMatch(new RegExp(`^https://raw\\.githubusercontent\\.com/${repo}/${dataset.snapshot.commit}/[^?#]+$`));
    }
  });

  test('every loader reads a folder the manifest can fetch', () => {
    const folders = new Set(DATASET_MANIFEST.map((d) => d.folder));
    for (const loader of Object.values(loaders)) expect(folders.has(loader.folder), loader.name).toBe(true);
  });
});
