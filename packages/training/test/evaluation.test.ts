import { describe, expect, it } from 'vitest';
import { regressionJSON } from '../src/index.js';

describe('regressionJSON', () => {
  it('headline MAE, RMSE, MAPE are the means over the horizons', () => {
    // Two windows × horizons [1, 2]: errors 1 and 3 on horizon 1, 2 and 2 on horizon 2.
    const m = regressionJSON([10, 20, 10, 20], [11, 22, 7, 22], [1, 2]);
    expect(m.by_horizon.map((h) => h.mae)).toEqual([2, 2]);
    expect(m.mae).toBe(2);
    expect(m.rmse).toBeCloseTo((Math.sqrt(5) + 2) / 2, 12);
    expect(m.mape).toBeCloseTo((((1 / 10 + 3 / 10) / 2) * 100 + ((2 / 20 + 2 / 20) / 2) * 100) / 2, 12);
  });

  it('no windows to score give NaN, never a perfect 0', () => {
    const m = regressionJSON([], [], [1, 2]);
    expect(m.mae).toBeNaN();
    expect(m.rmse).toBeNaN();
    expect(m.mape).toBeNaN();
  });

  it('no horizons is a bug of the caller (a regression task has at least one): it throws', () => {
    expect(() => regressionJSON([1], [1], [])).toThrow('regressionJSON: no horizons to score');
  });
});
