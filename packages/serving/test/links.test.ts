import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * What the predictor links: serving depends on the registry, never on the trainer or the data-set loaders, and
 * the workspace's package graph has no cycle. Read from the package.json files and the predictor's own imports.
 */
const root = fileURLToPath(new URL('../../../', import.meta.url));
const scope = '@headstream/';

function workspaces(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const dir of ['packages', 'apps']) {
    for (const name of readdirSync(join(root, dir))) {
      let pkg: { name: string; dependencies?: Record<string, string> };
      try {
        pkg = JSON.parse(readFileSync(join(root, dir, name, 'package.json'), 'utf8')) as typeof pkg;
      } catch {
        continue;
      }
      graph.set(pkg.name, Object.keys(pkg.dependencies ?? {}).filter((d) => d.startsWith(scope)));
    }
  }
  return graph;
}

function closure(graph: Map<string, string[]>, from: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const stack = [...from];
  while (stack.length) {
    const p = stack.pop() as string;
    if (seen.has(p)) continue;
    seen.add(p);
    stack.push(...(graph.get(p) ?? []));
  }
  return seen;
}

/** The workspace packages a source tree imports (static and dynamic imports, re-exports). */
function importsOf(dir: string, skip: (file: string) => boolean): Set<string> {
  const out = new Set<string>();
  for (const entry of readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.ts')) continue;
    const file = join(entry.parentPath, entry.name);
    if (skip(file)) continue;
    for (const m of readFileSync(file, 'utf8').matchAll(/(?:from|import\()\s*'(@headstream\/[a-z-]+)'/g)) out.add(m[1] as string);
  }
  return out;
}

describe('what serving links', () => {
  const graph = workspaces();

  it('serving reaches the registry but not the trainer or the data-set loaders', () => {
    const reach = closure(graph, ['@headstream/serving']);
    expect(reach.has('@headstream/registry')).toBe(true);
    expect(reach.has('@headstream/training')).toBe(false);
    expect(reach.has('@headstream/datasets')).toBe(false);
  });

  it("the predictor's own code (its bench aside) imports nothing that reaches the trainer or the loaders", () => {
    const direct = importsOf(join(root, 'apps/predictor/src'), (f) => f.includes('/bench/'));
    expect(direct.has('@headstream/serving')).toBe(true);
    const reach = closure(graph, [...direct]);
    expect([...reach].filter((p) => p === '@headstream/training' || p === '@headstream/datasets')).toEqual([]);
  });

  it('the package graph has no cycle', () => {
    const cycles: string[] = [];
    for (const p of graph.keys()) for (const d of graph.get(p) ?? []) if (closure(graph, [d]).has(p)) cycles.push(`${p} → ${d}`);
    expect(cycles).toEqual([]);
  });
});
