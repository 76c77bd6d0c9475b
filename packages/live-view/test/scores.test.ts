import { describe, expect, it } from 'vitest';
import { classificationScores, Confusion, regressionScores, type RegressionPair } from '../src/scores.js';

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
    expect(scores.summary).toEqual({ n: 4, model: (2 + 0 + 6 + 1) / 4, persistence: (1 + 4 + 0 + 2) / 4 });
  });

  it('has no score without pairs', () => {
    expect(regressionScores([], 10)).toEqual({ metric: 'mae', points: { time: [], model: [], persistence: [] }, summary: { n: 0, model: null, persistence: null } });
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
