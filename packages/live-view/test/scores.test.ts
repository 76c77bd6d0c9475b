import { describe, expect, it } from 'vitest';
import { bandwidth, classificationScores, Confusion, maeDifference, maeVerdict, MIN_CLUSTERS, regressionScores, type RegressionPair } from '../src/scores.js';

describe('regressionScores', () => {
  it('rolls MAE over the pairs of the preceding window at each distinct time', () => {
    const pairs: RegressionPair[] = [
      { time: 1, value: 10, actual: 12, persistence: 11 },
      { time: 1, value: 5, actual: 5, persistence: 9 },
      { time: 2, value: 0, actual: 6, persistence: 6 },
      { time: 4, value: 1, actual: 2, persistence: 4 },
    ];
    const scores = regressionScores(pairs, 2);
    expect(scores.points.time).toEqual([1, 2, 4]);
    // t=1: {|10-12|, 0} → 1; t=2: window (0, 2] → all three; t=4: window (2, 4] → the last one only.
    expect(scores.points.model).toEqual([1, 8 / 3, 1]);
    expect(scores.points.persistence).toEqual([(1 + 4) / 2, (1 + 4 + 0) / 3, 2]);
    expect(scores.summary).toMatchObject({ n: 4, model: (2 + 0 + 6 + 1) / 4, persistence: (1 + 4 + 0 + 2) / 4 });
    // Paired differences |model error| − |persistence error|: 1, −4 (both at t=1), 6, −1; mean 0.5. Clustered by
    // target time, the deviations sum to −4 (t=1), 5.5 and −1.5: se = √((16 + 30.25 + 2.25) · 3/2) / 4.
    expect(scores.summary.difference?.mean).toBeCloseTo(0.5, 12);
    expect(scores.summary.difference?.se).toBeCloseTo(Math.sqrt(48.5 * 1.5) / 4, 12);
    expect(scores.summary.difference?.clusters).toBe(3);
    expect(scores.summary.verdict).toBe('too few target times');
    // The summary's difference is exactly model MAE − persistence MAE.
    expect(scores.summary.difference?.mean).toBeCloseTo((scores.summary.model ?? 0) - (scores.summary.persistence ?? 0), 12);
  });

  it('has no score without pairs', () => {
    expect(regressionScores([], 10)).toEqual({ metric: 'mae', points: { time: [], model: [], persistence: [] }, summary: { n: 0, model: null, persistence: null, difference: null, verdict: 'too few target times' } });
  });
});

describe('maeDifference and maeVerdict', () => {
  /** `times` target times, each with `sites` pairs whose paired difference is `d(t)` (every site alike: one shock per target time). */
  const clustered = (times: number, sites: number, d: (t: number) => number): RegressionPair[] =>
    Array.from({ length: times * sites }, (_, i) => {
      const t = Math.floor(i / sites);
      // |value − actual| − |persistence − actual| = d(t): persistence errs by 20, the model by 20 + d(t).
      return { time: t, actual: 100, persistence: 120, value: 120 + d(t) };
    });

  it('counts the sites and horizons of one target time as one draw: six sites that move together are not six times the evidence', () => {
    const d = (t: number) => (t % 2 === 0 ? -1.5 : 0.5);
    const one = maeDifference(clustered(10, 1, d));
    const six = maeDifference(clustered(10, 6, d));
    expect(one?.mean).toBeCloseTo(-0.5, 12);
    expect(six?.mean).toBeCloseTo(-0.5, 12);
    // Deviations ±1 at 10 times: se = √(10 · 10/9) / 10 either way; treating the 60 pairs as independent would give √(60/59)/√60.
    expect(one?.se).toBeCloseTo(Math.sqrt(10 * (10 / 9)) / 10, 12);
    expect(six?.se).toBeCloseTo(one?.se ?? NaN, 12);
    expect(six?.clusters).toBe(10);
  });

  it('allows for serial correlation: nearby target times (one step apart, up to the bandwidth) add their cross products with Bartlett weights', () => {
    // One pair per target time 0, 1, 2 (1 ms steps), differences 1, 1, −2: mean 0, sums S = 1, 1, −2.
    const d = [1, 1, -2];
    const pairs = d.map((x, t) => ({ time: t, actual: 100, persistence: 120, value: 120 + x }));
    // Horizons up to 2 steps: bandwidth max(2 − 1, ⌊4 · 0.03^(2/9)⌋ = 1) = 1, weight 1 − 1/2.
    expect(bandwidth(3, 2)).toBe(1);
    const serial = maeDifference(pairs, { intervalMs: 1, maxHorizon: 2 });
    // Σ S² = 6; lag-1 products 1·1 + 1·(−2) = −1, weighted ½ and counted twice: 6 − 1 = 5; se = √(5 · 3/2) / 3.
    expect(serial).toMatchObject({ clusters: 3, lags: 1 });
    expect(serial?.mean).toBeCloseTo(0, 12);
    expect(serial?.se).toBeCloseTo(Math.sqrt(7.5) / 3, 12);
    // Independent target times: √(6 · 3/2) / 3.
    expect(maeDifference(pairs)?.se).toBeCloseTo(1, 12);
    // A regime that lasts (the model wins for ten steps, then loses for ten): wider than as independent steps.
    const runs = clustered(40, 3, (t) => (Math.floor(t / 10) % 2 === 0 ? -1 : 0.5)).map((p) => ({ ...p, time: p.time * 300_000 }));
    const independent = maeDifference(runs);
    const correlated = maeDifference(runs, { intervalMs: 300_000, maxHorizon: 6 });
    expect(correlated?.lags).toBe(5);
    expect(correlated?.se ?? 0).toBeGreaterThan(1.5 * (independent?.se ?? Infinity));
    // Long series take the usual rule where it exceeds the forecasts' overlap.
    expect(bandwidth(1000, 1)).toBe(Math.floor(4 * 10 ** (2 / 9)));
  });

  it('tells better, worse, within noise and too few target times apart', () => {
    // Mean −0.5 with se 0.33: within 2 standard errors.
    expect(maeVerdict(maeDifference(clustered(10, 6, (t) => (t % 2 === 0 ? -1.5 : 0.5))))).toBe('within noise');
    // Steady gains of 1 ± 0.1: better; steady losses: worse.
    expect(maeVerdict(maeDifference(clustered(12, 3, (t) => -1 + (t % 2 === 0 ? 0.1 : -0.1))))).toBe('better');
    expect(maeVerdict(maeDifference(clustered(12, 3, (t) => 1 + (t % 2 === 0 ? 0.1 : -0.1))))).toBe('worse');
    // However large the gain, fewer than MIN_CLUSTERS target times tell nothing (the demo's hourly tasks over two hours).
    expect(maeVerdict(maeDifference(clustered(MIN_CLUSTERS - 1, 6, (t) => -10 - t)))).toBe('too few target times');
    expect(maeVerdict(maeDifference(clustered(MIN_CLUSTERS, 6, (t) => -10 - t)))).toBe('better');
    // One target time has no standard error at all; no pairs, no difference.
    expect(maeDifference(clustered(1, 6, () => -3))).toEqual({ mean: -3, se: null, clusters: 1, lags: 0 });
    expect(maeDifference([])).toBeNull();
    expect(maeVerdict(null)).toBe('too few target times');
  });
});

describe('Confusion', () => {
  it('computes error rate and macro-F1 over the classes present', () => {
    const c = new Confusion(4);
    // truth → predicted: 0→0, 0→0, 1→1, 1→0, 2→1. Classes present: 0, 1, 2 (3 never occurs).
    for (const [y, p] of [
      [0, 0],
      [0, 0],
      [1, 1],
      [1, 0],
      [2, 1],
    ] as const)
      c.add(y, p);
    expect(c.errorRate).toBeCloseTo(2 / 5, 12);
    // F1: class 0: tp 2, fp 1, fn 0 → 0.8; class 1: tp 1, fp 1, fn 1 → 0.5; class 2: tp 0 → 0.
    expect(c.macroF1).toBeCloseTo((0.8 + 0.5 + 0) / 3, 12);
  });

  it('removing a pair undoes adding it', () => {
    const c = new Confusion(3);
    c.add(0, 0);
    c.add(1, 1);
    const before = [c.errorRate, c.macroF1];
    c.add(2, 1);
    c.add(2, 1, -1);
    expect([c.errorRate, c.macroF1]).toEqual(before);
    // Class 2 no longer counts as present.
    expect(c.macroF1).toBe(1);
  });
});

describe('classificationScores', () => {
  it('scores the model next to always-normal on the same pairs', () => {
    const pairs = [
      { time: 1, actual: 0, predicted: 0 },
      { time: 2, actual: 1, predicted: 1 },
      { time: 3, actual: 1, predicted: 0 },
      { time: 4, actual: 0, predicted: 1 },
    ];
    const scores = classificationScores(pairs, 2, 2);
    expect(scores.summary.n).toBe(4);
    expect(scores.summary.model.error_rate).toBe(0.5);
    expect(scores.summary.baseline.error_rate).toBe(0.5);
    // Always-normal: class 0 F1 = 2·2/(2·2+2) = 2/3, class 1 F1 = 0.
    expect(scores.summary.baseline.macro_f1).toBeCloseTo(1 / 3, 12);
    // Window (t-2, t]: at t=3 the pairs at 2 and 3.
    expect(scores.points.model_error).toEqual([0, 0, 0.5, 1]);
    expect(scores.points.baseline_error).toEqual([0, 0.5, 1, 0.5]);
  });
});
