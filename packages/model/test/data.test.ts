import { describe, expect, it } from 'vitest';
import type { WindowSet } from '@headstream/features';
import { fromWindowSets } from '../src/index.js';

/** n windows of one input (lookback 2, 1 feature) with one regression task's labels. */
function set(task: string, n: number, offset = 0): WindowSet {
  const f = (len: number, v: (i: number) => number) => Float32Array.from({ length: len }, (_, i) => v(i));
  const g = (len: number, v: (i: number) => number) => Float64Array.from({ length: len }, (_, i) => v(i));
  return {
    input: 'turbine',
    n,
    lookback: 2,
    features: 1,
    x: f(n * 2, (i) => i + offset),
    issueTimes: g(n, (i) => i + offset),
    targets: { [task]: { kind: 'regression', horizons: 1, y: f(n, (i) => i), mask: f(n, () => 1), raw: g(n, (i) => i), persistence: g(n, () => 0), seasonal: g(n, () => 0), spread: g(n, () => NaN) } },
  };
}

describe('fromWindowSets: window sets of one input', () => {
  it('sets holding the same windows are one: each task labels the same rows through the one input', () => {
    const data = fromWindowSets([set('throughput', 3), set('emissions', 3)]);
    expect(Object.keys(data.inputs)).toEqual(['turbine']);
    expect(data.inputs.turbine?.n).toBe(3);
    expect([data.labels.throughput?.input, data.labels.emissions?.input]).toEqual(['turbine', 'turbine']);
    const same = set('throughput', 3);
    expect(fromWindowSets([same, same]).inputs.turbine?.n).toBe(3);
  });

  it('sets holding other windows stack: each task is labelled on its own set’s rows and masked on the others', () => {
    const data = fromWindowSets([set('throughput', 2), set('emissions', 3, 100)]);
    expect(data.inputs.turbine?.n).toBe(5);
    expect(Array.from(data.inputs.turbine?.x ?? [])).toEqual([0, 1, 2, 3, 100, 101, 102, 103, 104, 105]);
    expect(Array.from(data.labels.throughput?.mask ?? [])).toEqual([1, 1, 0, 0, 0]);
    expect(Array.from(data.labels.emissions?.mask ?? [])).toEqual([0, 0, 1, 1, 1]);
    expect(Array.from(data.labels.emissions?.y ?? [])).toEqual([0, 0, 0, 1, 2]);
    expect(() => fromWindowSets([set('throughput', 2), set('throughput', 3, 100)])).toThrow(/task throughput has labels in two window sets/);
  });
});
