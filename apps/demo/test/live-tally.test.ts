import { describe, expect, it } from 'vitest';
import { liveTally, type LiveRun } from '../src/bench/tally.js';

const run = (seed: number, tasks: LiveRun['tasks']): LiveRun => ({ seed, clock: '2026-11-29T08:00:00Z', wall_seconds: 90, version: `v${seed}`, backend: 'wasm', tasks });

describe('bench:demo-live tally', () => {
  it('counts runs at or below persistence, the verdicts beyond noise and the ratio per task', () => {
    const tally = liveTally([
      run(1, { air_quality: { metric: 'MAE', n: 306, model: 0.5, persistence: 0.6, verdict: 'better' }, fault: { metric: 'error rate', n: 10, model: 0.2, persistence: 0.1 } }),
      run(2, { air_quality: { metric: 'MAE', n: 306, model: 0.7, persistence: 0.5, verdict: 'worse' }, fault: { metric: 'error rate', n: 10, model: 0.1, persistence: 0.1 } }),
      // A tie counts as "at or below"; within noise is neither better nor worse.
      run(3, { air_quality: { metric: 'MAE', n: 306, model: 0.4, persistence: 0.4, verdict: 'within noise' } }),
    ]);
    expect(tally.air_quality).toEqual({ metric: 'MAE', runs: 3, at_or_below: 2, better: 1, worse: 1, ratio_median: 1, ratio_min: 0.5 / 0.6, ratio_max: 0.7 / 0.5 });
    expect(tally.fault).toMatchObject({ metric: 'error rate', runs: 2, at_or_below: 1, better: 0, worse: 0, ratio_median: 1.5, ratio_min: 1, ratio_max: 2 });
  });

  it('skips a task without both scores, and a zero persistence gives no ratio', () => {
    const tally = liveTally([run(1, { traffic: { metric: 'MAE', n: 0, model: null, persistence: null } }), run(2, { throughput: { metric: 'MAE', n: 11, model: 0, persistence: 0 } })]);
    expect(tally.traffic).toBeUndefined();
    expect(tally.throughput).toEqual({ metric: 'MAE', runs: 1, at_or_below: 1, better: 0, worse: 0, ratio_median: null, ratio_min: null, ratio_max: null });
  });

  it("counts the runs the simulator's own forecast was at or below persistence in, and the model's among them", () => {
    const oracle = (o: number, p: number) => ({ n: 306, oracle: o, persistence: p });
    const tally = liveTally([
      run(1, { air_quality: { metric: 'MAE', n: 306, model: 0.53, persistence: 0.51, oracle: oracle(1.2, 0.5) } }),
      run(2, { air_quality: { metric: 'MAE', n: 306, model: 5.5, persistence: 5.6, oracle: oracle(4, 8) } }),
      run(3, { air_quality: { metric: 'MAE', n: 306, model: 3, persistence: 2.9, oracle: oracle(1, 2) } }),
      run(4, { air_quality: { metric: 'MAE', n: 306, model: 3, persistence: 2.9 } }),
    ]);
    expect(tally.air_quality?.runs).toBe(4);
    expect(tally.air_quality?.oracle).toEqual({ runs: 3, at_or_below: 2, ratio_median: 0.5, model_at_or_below: 1 });
    expect(liveTally([run(1, { traffic: { metric: 'MAE', n: 10, model: 1, persistence: 2 } })]).traffic?.oracle).toBeUndefined();
  });
});
