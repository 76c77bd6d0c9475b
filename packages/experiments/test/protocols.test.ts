import { describe, expect, it } from 'vitest';
import type { WindowSet } from '@headstream/features';
import { barPlot, linePlot, runTypes, thin, concatSets } from '../src/index.js';

function regressionSet(n: number): WindowSet {
  const x = Float32Array.from({ length: n * 24 * 2 }, (_, i) => i + 1);
  const raw = Float64Array.from({ length: n }, (_, i) => 10 + i);
  return {
    input: 'throughput',
    n,
    lookback: 24,
    features: 2,
    x,
    issueTimes: Float64Array.from({ length: n }, (_, i) => i),
    targets: {
      throughput: { kind: 'regression', horizons: 1, y: new Float32Array(n), mask: new Float32Array(n).fill(1), raw, persistence: Float64Array.from(raw, (v, i) => (i === 0 ? NaN : v - 2)), seasonal: new Float64Array(n), spread: new Float64Array(n).fill(NaN) },
    },
  };
}

describe('protocol helpers', () => {
  it('runTypes calls a run by its most frequent fault class, or normal under 10% faulty windows', () => {
    const r = runTypes([0, 2, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1], ['a', 'b'], { a: 2, b: 0 }, 4);
    expect(r.runs.map((x) => x.predicted)).toEqual([2, 0]);
    expect(r.accuracy).toBe(1);
  });

  it('thin keeps evenly spaced rows with their labels; concatSets joins sets', () => {
    const joined = concatSets([regressionSet(3), regressionSet(5)]);
    expect(joined.n).toBe(8);
    expect(Array.from(joined.site)).toEqual([0, 0, 0, 1, 1, 1, 1, 1]);
    const thinned = thin(joined, 4);
    expect(thinned.n).toBe(4);
    const t = thinned.targets.throughput;
    expect(t?.kind === 'regression' ? Array.from(t.raw) : []).toEqual([10, 12, 11, 13]);
    expect(Array.from(thinned.site)).toEqual([0, 0, 1, 1]);
  });

  it('plots are SVG with one path per series and one bar per value', () => {
    const svg = linePlot('t', [{ name: 'a', values: [1, 2, NaN, 3] }, { name: 'b', values: [0, 1, 2, 3] }]);
    expect(svg.startsWith('<svg')).toBe(true);
    expect(svg.match(/<path /g)?.length).toBe(2);
    expect(barPlot('b', ['x', 'y'], [{ name: 's', values: [1, -2] }], 'v').match(/<rect x=/g)?.length).toBe(2);
  });
});
