import { describe, expect, it } from 'vitest';
import { decide, relativeWorse, weighBlend, weighServing, weighSharing, type GuardInput, type MetricsJSON } from '../src/index.js';

const mae = (v: number): MetricsJSON => ({ mae: v, rmse: v, mape: 1, by_horizon: [] });
const f1 = (v: number): MetricsJSON => ({ count: 100, accuracy: 0.9, macro_f1: v, anomaly_f1: v });
const task = (t: GuardInput['task'], shared: MetricsJSON, single: MetricsJSON, persistence: MetricsJSON, active: GuardInput['active'] = null): GuardInput => ({ task: t, shared, single, persistence, active });

describe('negative-transfer guard', () => {
  it('measures "worse" in the metric’s own direction', () => {
    expect(relativeWorse('traffic', mae(11), mae(10))).toBeCloseTo(0.1);
    expect(relativeWorse('traffic', mae(9), mae(10))).toBeCloseTo(-0.1);
    expect(relativeWorse('fault', f1(0.45), f1(0.5))).toBeCloseTo(0.1);
    expect(relativeWorse('fault', f1(0.55), f1(0.5))).toBeCloseTo(-0.1);
  });

  it('promotes a version whose every task beats persistence, with no active version to compare', () => {
    const d = decide([task('traffic', mae(7), mae(7.1), mae(8)), task('fault', f1(0.7), f1(0.69), f1(0.2))]);
    expect(d.promote).toBe(true);
    expect(d.serving).toEqual({ traffic: 'shared', fault: 'shared' });
    expect(d.compared_with).toBeNull();
    expect(d.reasons.join('\n')).toMatch(/traffic: served MAE 7.000 beats persistence 8.000 by 12.5 %/);
  });

  it('says by how much a served model beats a persistence of 0 without a meaningless percentage', () => {
    const d = decide([task('fault', f1(0.656), f1(0.6), f1(0))]);
    expect(d.reasons.join('\n')).toMatch(/fault: served macro-F1 0.656 beats persistence 0.000 by 0.656$/m);
  });

  it('serves a task by its single-task model when the shared one is worse beyond the tolerance, and says so', () => {
    const d = decide([task('traffic', mae(8.08), mae(7.49), mae(8.36)), task('throughput', mae(4.02), mae(4.0), mae(4.12))], { tolerance: 0.02 });
    expect(d.serving).toEqual({ traffic: 'single', throughput: 'shared' });
    expect(d.reasons[0]).toBe("traffic: the shared model's MAE 8.080 is 7.9 % worse than the single-task model's 7.490 (tolerance 2.0 %): sharing hurts");
    expect(d.reasons[1]).toBe('traffic: served by its single-task model');
    // Served models (single 7.49 and shared 4.02) both beat persistence.
    expect(d.promote).toBe(true);
  });

  it('refuses when a served model does not beat persistence, or is worse than the active version beyond the tolerance', () => {
    const noBetter = decide([task('traffic', mae(9), mae(9), mae(8))]);
    expect(noBetter.promote).toBe(false);
    expect(noBetter.reasons.join('\n')).toMatch(/traffic: REFUSED: served MAE 9.000 does not beat persistence 8.000/);
    const active = { version: 'v1', served_by: 'shared' as const, metrics: mae(7) };
    const worse = decide([task('traffic', mae(7.2), mae(7.3), mae(8), active)], { activeVersion: 'v1', activeTasks: ['traffic'] });
    expect(worse.promote).toBe(false);
    expect(worse.compared_with).toBe('v1');
    expect(worse.reasons.join('\n')).toMatch(/REFUSED: served MAE 7.200 is 2.9 % worse than active version v1/);
    const within = decide([task('traffic', mae(7.1), mae(7.3), mae(8), active)], { activeVersion: 'v1', activeTasks: ['traffic'] });
    expect(within.promote).toBe(true);
    expect(within.reasons.join('\n')).toMatch(/within the tolerance of active version v1/);
  });

  it('refuses a version that drops a task the active version serves', () => {
    const d = decide([task('traffic', mae(7), mae(7), mae(8))], { activeVersion: 'v1', activeTasks: ['traffic', 'fault'] });
    expect(d.promote).toBe(false);
    expect(d.reasons.join('\n')).toMatch(/fault: REFUSED: active version v1 serves fault, which this version does not/);
  });

  describe('served-by from k paired scores (weighSharing)', () => {
    const pair = (shared: number, single: number) => ({ shared: mae(shared), single: mae(single) });

    it('with one pair behaves as the single-split rule: shared unless worse than single-task by more than the tolerance', () => {
      expect(weighSharing('traffic', [pair(10.1, 10)]).servedBy).toBe('shared');
      expect(weighSharing('traffic', [pair(10.3, 10)]).servedBy).toBe('single');
      expect(weighSharing('traffic', [pair(10.3, 10)]).sd).toBe(0);
      expect(weighSharing('traffic', [pair(10.3, 10)], 0.05).servedBy).toBe('shared');
      // The same pair passed explicitly or read off the report decides alike.
      const one = task('traffic', mae(10.3), mae(10), mae(12));
      expect(decide([{ ...one, pairs: [pair(10.3, 10)] }]).serving).toEqual(decide([one]).serving);
    });

    it('does not share a task that wins on average but loses on two of three folds', () => {
      // Δ −10 %, +3 %, +3 %: mean −1.3 %, sd 7.5 %.
      const e = weighSharing('traffic', [pair(9, 10), pair(10.3, 10), pair(10.3, 10)]);
      expect(e.mean).toBeLessThan(0);
      expect(e.bound).toBeGreaterThan(0.02);
      expect(e.servedBy).toBe('single');
    });

    it('shares a task whose every fold shows sharing within the tolerance, and weighs the folds in the decision', () => {
      const e = weighSharing('traffic', [pair(9.5, 10), pair(9.8, 10), pair(10.1, 10)]);
      expect(e.mean).toBeCloseTo(-0.02, 5);
      expect(e.sd).toBeCloseTo(0.03, 5);
      expect(e.servedBy).toBe('shared');
      // The validation split alone (+4 %) would refuse sharing; the folds the caller passes decide.
      const d = decide([{ ...task('traffic', mae(10.4), mae(10), mae(12)), pairs: [pair(9.4, 10), pair(9.5, 10), pair(9.6, 10)] }]);
      expect(d.serving).toEqual({ traffic: 'shared' });
      expect(d.reasons[0]).toBe("traffic: over 3 paired scores the shared model's MAE is −5.0 % ± 1.0 % vs the single-task model's (bound −4.0 %, tolerance 2.0 %): sharing holds");
      expect(d.reasons[1]).toBe('traffic: served by its shared model');
      // One fold where sharing hurt by more than the tolerance, with the others close: the spread keeps it single-task.
      expect(decide([{ ...task('traffic', mae(9.5), mae(10), mae(12)), pairs: [pair(9.5, 10), pair(9.9, 10), pair(10.5, 10)] }]).serving).toEqual({ traffic: 'single' });
    });

    it('reads "worse" in each metric\'s direction and needs at least one pair', () => {
      expect(weighSharing('fault', [{ shared: f1(0.45), single: f1(0.6) }]).servedBy).toBe('single');
      expect(weighSharing('fault', [{ shared: f1(0.62), single: f1(0.6) }]).servedBy).toBe('shared');
      expect(() => weighSharing('traffic', [])).toThrow(/at least one paired score/);
    });
  });

  describe('the blend of the shared and single-task models (weighBlend)', () => {
    const pair = (shared: number, single: number, blend: number) => ({ shared: mae(shared), single: mae(single), blend: mae(blend) });

    it('serves the blend when it beats the sharing rule\'s choice beyond its spread, and names the evidence', () => {
      // Sharing holds on every pair (the shared model within 1 % of single-task); the blend is 1.0 %, 1.2 %, 0.8 % better than shared.
      const pairs = [pair(10, 10.1, 9.9), pair(20, 20, 19.76), pair(5, 5.02, 4.96)];
      const e = weighServing('air_quality', pairs);
      expect(e.sharing.servedBy).toBe('shared');
      expect(e.blend?.worse.map((w) => Number(w.toFixed(4)))).toEqual([-0.01, -0.012, -0.008]);
      expect(e.blend?.mean).toBeCloseTo(-0.01, 6);
      expect(e.blend?.sd).toBeCloseTo(0.002, 6);
      expect(e.blend?.bound).toBeCloseTo(-0.008, 6);
      expect(e.servedBy).toBe('blend');
      const d = decide([{ ...task('air_quality', mae(5), mae(5.02), mae(6)), blend: mae(4.96), pairs }]);
      expect(d.serving).toEqual({ air_quality: 'blend' });
      expect(d.evidence?.air_quality?.blend?.bound).toBeCloseTo(-0.008, 6);
      expect(d.reasons[1]).toBe('air_quality: over 3 scores the blend is −1.0 % ± 0.2 % vs the shared model (bound −0.8 %): served by its blend of shared and single-task models');
      // The served model the guard holds against persistence is the blend.
      expect(d.reasons[2]).toBe('air_quality: served MAE 4.960 beats persistence 6.000 by 17.3 %');
    });

    it('keeps the sharing rule\'s choice when the blend\'s gain does not exceed its spread, or the blend is worse', () => {
      // Better on two pairs, worse on one: mean −0.3 %, sd 0.9 %.
      expect(weighServing('traffic', [pair(10, 10.2, 9.9), pair(10, 10.2, 9.94), pair(10, 10.2, 10.07)]).servedBy).toBe('shared');
      expect(weighBlend('traffic', [pair(10, 10.2, 10.01)], 'shared')?.serve).toBe(false);
      // Against the single-task model when sharing hurts: the blend must beat that one.
      expect(weighServing('fault', [{ shared: f1(0.4), single: f1(0.6), blend: f1(0.58) }]).servedBy).toBe('single');
      expect(weighServing('fault', [{ shared: f1(0.4), single: f1(0.6), blend: f1(0.63) }]).servedBy).toBe('blend');
    });

    it('with one pair, serves the blend when it is better at all; without a scored blend, never', () => {
      expect(weighBlend('traffic', [pair(10, 10.2, 9.99)], 'shared')?.serve).toBe(true);
      expect(weighBlend('traffic', [{ shared: mae(10), single: mae(10.2) }], 'shared')).toBeUndefined();
      // A report without the blend (a version trained before it) is decided by the sharing rule alone, whatever the pairs say.
      expect(decide([{ ...task('traffic', mae(10), mae(10.2), mae(12)), pairs: [pair(10, 10.2, 9), pair(10, 10.2, 9)] }]).serving).toEqual({ traffic: 'shared' });
    });
  });
});
