import { describe, expect, it } from 'vitest';
import type { FeatureSpec, WindowSet } from '@headstream/features';
import type { RegressionJSON } from '../src/scoring.js';
import { noChange, scoreTree, TREE_LAGS, treeLabels, treeTable } from '../src/tree.js';

const regressionScore = (...args: Parameters<typeof scoreTree>) => scoreTree(...args) as RegressionJSON;

const LOOKBACK = 24;
const FEATURES = 8; // channels a, b; their observed masks; four calendar channels

function spec(task: 'throughput' | 'fault', history: number): FeatureSpec {
  return {
    version: 2,
    input: 'turbine',
    intervalMs: 3_600_000,
    lookback: LOOKBACK,
    history,
    fillLimit: 24,
    sources: ['a', 'b'],
    derived: [],
    channels: ['a', 'b'],
    gapMask: true,
    calendar: true,
    targets: task === 'fault' ? [{ task, kind: 'classification', target: 'state', classes: 4 }] : [{ task, kind: 'regression', target: 'a', intervalMs: 3_600_000, horizons: [1], seasonSteps: 24, transform: { kind: 'change', scale: 1, shrink: 1 } }],
  };
}

/** x[i, s, f] = 1000 i + 10 s + f + 1: every value says where it came from; masks and calendar alike. */
function windows(n: number, targets: WindowSet['targets']): WindowSet {
  const x = Float32Array.from({ length: n * LOOKBACK * FEATURES }, (_, j) => {
    const i = Math.floor(j / (LOOKBACK * FEATURES));
    const s = Math.floor(j / FEATURES) % LOOKBACK;
    return 1000 * i + 10 * s + (j % FEATURES) + 1;
  });
  return { input: 'turbine', n, lookback: LOOKBACK, features: FEATURES, x, issueTimes: Float64Array.from({ length: n }, (_, i) => i), targets };
}

const regression = (raw: number[], persistence: number[]) => ({
  kind: 'regression' as const,
  horizons: 1,
  y: new Float32Array(raw.length),
  mask: new Float32Array(raw.length).fill(1),
  raw: Float64Array.from(raw),
  persistence: Float64Array.from(persistence),
  seasonal: new Float64Array(raw.length),
  spread: new Float64Array(raw.length).fill(NaN),
});

describe('the tree reference table', () => {
  it('has each channel at the lags inside the visible history and its mean there, then the masks and calendar at the issue time', () => {
    const set = windows(2, { throughput: regression([1, 2], [1, 1]) });
    const table = treeTable(set, spec('throughput', 12));
    const lags = TREE_LAGS.filter((l) => l < 12);
    expect(lags).toEqual([0, 1, 2, 3, 6]);
    expect(table.columns).toEqual(['a@-0', 'a@-1', 'a@-2', 'a@-3', 'a@-6', 'a@mean', 'b@-0', 'b@-1', 'b@-2', 'b@-3', 'b@-6', 'b@mean', 'a__observed', 'b__observed', 'hour_sin', 'hour_cos', 'dow_sin', 'dow_cos']);
    const width = table.columns.length;
    const row1 = Array.from(table.x.subarray(width, 2 * width));
    // Window 1, step 23 − lag, channel a (feature 0): 1000 + 10 (23 − lag) + 1; the mean of steps 12…23: 1000 + 175 + 1.
    expect(row1.slice(0, 6)).toEqual([1231, 1221, 1211, 1201, 1171, 1176]);
    expect(row1.slice(6, 12)).toEqual([1232, 1222, 1212, 1202, 1172, 1177]);
    expect(row1.slice(12)).toEqual([1233, 1234, 1235, 1236, 1237, 1238]);
    // A window the network sees whole (history = lookback) adds lags 12 and 23.
    expect(treeTable(set, spec('throughput', 24)).columns.slice(0, 8)).toEqual(['a@-0', 'a@-1', 'a@-2', 'a@-3', 'a@-6', 'a@-12', 'a@-23', 'a@mean']);
  });

  it('labels a regression task by its change from persistence (NaN where either is unknown), fault by its class', () => {
    const set = windows(3, { throughput: regression([5, NaN, 7], [4, 4, NaN]), fault: { kind: 'classification', classes: 4, y: Int32Array.from([0, 2, -1]), mask: Float32Array.from([1, 1, 0]) } });
    expect(Array.from(treeLabels(set, 'throughput'))).toEqual([1, NaN, NaN]);
    expect(Array.from(treeLabels(set, 'fault'))).toEqual([0, 2, -1]);
  });

  it('scores persistence plus the predicted change, without the windows serving would not predict from', () => {
    const set = windows(3, { throughput: regression([5, 9, 7], [4, 4, 6]) });
    const s = spec('throughput', 24);
    expect(regressionScore(set, s, 'throughput', noChange(set, 'throughput')).mae).toBeCloseTo((1 + 5 + 1) / 3, 12);
    expect(regressionScore(set, s, 'throughput', Float64Array.from([1, 5, 0])).mae).toBeCloseTo(1 / 3, 12);
    // Window 1 observed nothing (its masks are 0): unservable, so it counts for no model and no baseline.
    for (let step = 0; step < LOOKBACK; step++) set.x.fill(0, (LOOKBACK + step) * FEATURES + 2, (LOOKBACK + step) * FEATURES + 4);
    const m = regressionScore(set, s, 'throughput', noChange(set, 'throughput'));
    expect(m.by_horizon[0]?.count).toBe(2);
    expect(m.mae).toBeCloseTo(1, 12);
    expect(() => scoreTree(set, s, 'throughput', new Float64Array(2))).toThrow(/expected 3 × 1/);
  });

  it('labels fault by the most probable class and flags an anomaly when p(normal) is under a half', () => {
    const set = windows(3, { fault: { kind: 'classification', classes: 4, y: Int32Array.from([0, 2, 1]), mask: new Float32Array(3).fill(1) } });
    const probabilities = Float64Array.from([0.7, 0.1, 0.1, 0.1, 0.2, 0.1, 0.6, 0.1, 0.4, 0.3, 0.05, 0.25]);
    const m = scoreTree(set, spec('fault', 24), 'fault', probabilities);
    expect(m).toMatchObject({ count: 3, accuracy: 2 / 3, anomaly_f1: 1 });
    const normal = scoreTree(set, spec('fault', 24), 'fault', noChange(set, 'fault'));
    expect(normal).toMatchObject({ accuracy: 1 / 3, anomaly_f1: 0 });
  });
});
