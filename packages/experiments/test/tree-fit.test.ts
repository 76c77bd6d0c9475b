import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fitTrees, readOutput, treePython, writeTable, type TreeJob } from '../src/tree-fit.js';

// The bench's contract with infra/tree/lgbm.py, with the real LightGBM (infra/tree/setup.sh makes its
// environment on first use, about a minute; cached after).
const dir = mkdtempSync(join(tmpdir(), 'hs-tree-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A deterministic pseudo-random stream (no test depends on Math.random). */
function stream(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('the tree reference fit (LightGBM through infra/tree/lgbm.py)', () => {
  it('learns a change per horizon and a class from the tables, and reports its rounds', () => {
    const next = stream(7);
    const cols = 3;
    const make = (n: number) => {
      const x = Float32Array.from({ length: n * cols }, () => next() * 2 - 1);
      // Horizon 1: 3·x0; horizon 2: −2·x1 (+ a little noise); every 10th label unknown. Class: x2 > 0.3 → 2, x2 < −0.3 → 1, else 0.
      const y = new Float64Array(n * 2);
      const cls = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        y[i * 2] = i % 10 === 3 ? NaN : 3 * (x[i * cols] ?? 0) + 0.05 * (next() - 0.5);
        y[i * 2 + 1] = -2 * (x[i * cols + 1] ?? 0) + 0.05 * (next() - 0.5);
        const v = x[i * cols + 2] ?? 0;
        cls[i] = v > 0.3 ? 2 : v < -0.3 ? 1 : 0;
      }
      return { x, y, cls, order: Float64Array.from({ length: n }, (_, i) => i) };
    };
    const train = make(3000);
    const validation = make(500);
    writeTable(dir, 'train.x', train.x);
    writeTable(dir, 'train.order', train.order);
    writeTable(dir, 'train.y', train.y);
    writeTable(dir, 'train.class', train.cls);
    writeTable(dir, 'validation.x', validation.x);
    const base = { columns: cols, names: ['a', 'b', 'c'], validation: { n: 500, x: 'validation.x' } };
    const jobs: TreeJob[] = [
      { ...base, name: 'change', kind: 'regression', horizons: 2, train: { n: 3000, x: 'train.x', order: 'train.order', labels: 'train.y' }, out: 'change.out' },
      { ...base, name: 'class', kind: 'classification', classes: 3, train: { n: 3000, x: 'train.x', order: 'train.order', labels: 'train.class' }, out: 'class.out' },
    ];
    const report = fitTrees(treePython(), dir, jobs, 1, { threads: 1, maxRounds: 400 });
    expect(report.lightgbm).toBe('4.7.0');
    expect(report.jobs.map((j) => j.rounds.length)).toEqual([2, 1]);
    expect(Math.max(...report.jobs.flatMap((j) => j.rounds))).toBeLessThanOrEqual(400);
    expect(report.jobs[0]?.top_gain.map((g) => g.column).slice(0, 2).sort()).toEqual(['a', 'b']);

    const change = readOutput(dir, 'change.out');
    expect(change.length).toBe(500 * 2);
    for (const k of [0, 1]) {
      let err = 0;
      let spread = 0;
      for (let i = 0; i < 500; i++) {
        const truth = validation.y[i * 2 + k] ?? NaN;
        if (!Number.isFinite(truth)) continue;
        err += Math.abs((change[i * 2 + k] ?? NaN) - truth);
        spread += Math.abs(truth);
      }
      // Far better than no change (the labels' own size).
      expect(err).toBeLessThan(0.15 * spread);
    }
    const p = readOutput(dir, 'class.out');
    expect(p.length).toBe(500 * 3);
    let right = 0;
    for (let i = 0; i < 500; i++) {
      const row = [p[i * 3] ?? 0, p[i * 3 + 1] ?? 0, p[i * 3 + 2] ?? 0];
      expect(row.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      if (row.indexOf(Math.max(...row)) === validation.cls[i]) right++;
    }
    expect(right / 500).toBeGreaterThan(0.9);
  }, 240_000);

  it('says which interpreter could not run', () => {
    expect(() => fitTrees('/nonexistent/python3', dir, [], 1)).toThrow(/could not run \/nonexistent\/python3/);
  });
});
