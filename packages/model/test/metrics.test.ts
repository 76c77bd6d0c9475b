import { describe, expect, it } from 'vitest';
import { classificationMetrics, conflictFromGram, deltaM, regressionMetrics, sharingHolds } from '../src/index.js';

describe('metrics', () => {
  it('MAE/RMSE/MAPE per horizon, skipping missing targets', () => {
    const m = regressionMetrics([1, 2, 2, NaN], [2, 2, 4, 9], [1, 2]);
    expect(m[0]).toMatchObject({ horizon: 1, count: 2, mae: 1.5 });
    expect(m[0]?.rmse).toBeCloseTo(Math.sqrt(2.5));
    expect(m[0]?.mape).toBeCloseTo(100);
    expect(m[1]).toMatchObject({ count: 1, mae: 0, rmse: 0, mape: 0 });
  });

  it('accuracy, macro-F1 and anomaly F1', () => {
    const m = classificationMetrics([0, 0, 1, 2, -1], [0, 1, 1, 2, 0], [0.1, 0.9, 0.8, 0.2, 1], 3);
    expect(m.count).toBe(4);
    expect(m.accuracy).toBe(0.75);
    // F1: class0 = 2/3, class1 = 2/3, class2 = 1
    expect(m.macroF1).toBeCloseTo((2 / 3 + 2 / 3 + 1) / 3);
    // anomalies: truth [0,0,1,1], flagged [0,1,1,0] → tp 1, fp 1, fn 1
    expect(m.anomalyF1).toBeCloseTo(0.5);
  });

  it('Δm% signs so that lower is better, and the grouping guard splits off losing tasks', () => {
    const r = deltaM(
      { a: { value: 9, higherIsBetter: false }, b: { value: 0.5, higherIsBetter: true } },
      { a: { value: 10, higherIsBetter: false }, b: { value: 0.4, higherIsBetter: true } },
    );
    expect(r.perTask.a).toBeCloseTo(-10);
    expect(r.perTask.b).toBeCloseTo(-25);
    expect(r.deltaM).toBeCloseTo(-17.5);
  });

  it('the negative-transfer rule: share only when mean + sd of the losses of sharing is within the tolerance', () => {
    expect(sharingHolds([1.9], 2)).toEqual({ mean: 1.9, sd: 0, bound: 1.9, share: true });
    expect(sharingHolds([2.1], 2).share).toBe(false);
    // Wins on average (−1.3) but loses 3 on two of three folds: sd 7.5, bound 6.2.
    const r = sharingHolds([-10, 3, 3], 2);
    expect(r.mean).toBeCloseTo(-4 / 3, 12);
    expect(r.sd).toBeCloseTo(Math.sqrt(169 / 3), 12);
    expect(r.share).toBe(false);
    expect(sharingHolds([-5, -2, 1], 2).share).toBe(true); // mean −2, sd 3
  });

  it('conflict telemetry: cosine and norm ratios from a Gram matrix', () => {
    const c = conflictFromGram([[4, -2], [-2, 1]]);
    expect(c.cosine[0]?.[1]).toBeCloseTo(-1);
    expect(c.norms).toEqual([2, 1]);
    expect(c.normRatio[0]).toBeCloseTo(4 / 3);
    expect(Number.isNaN(conflictFromGram([[1, 0], [0, 0]]).cosine[0]?.[1])).toBe(true);
  });
});
