import { describe, expect, it } from 'vitest';
import type { WindowSet } from '@headstream/features';
import { barPlot, forecastFromOutput, limitHistory, linePlot, residualTargets, runTypes, thin, toFrame, withChanges, withDeviations, withNextChanges, concatSets, deriveChannels, TASK_SOURCES } from '../src/index.js';

function regressionSet(n: number): WindowSet {
  const x = Float32Array.from({ length: n * 24 * 2 }, (_, i) => i + 1);
  const raw = Float64Array.from({ length: n }, (_, i) => 10 + i);
  return {
    domain: 'throughput',
    n,
    lookback: 24,
    features: 2,
    x,
    issueTimes: Float64Array.from({ length: n }, (_, i) => i),
    targets: {
      throughput: { kind: 'regression', horizons: 1, y: new Float32Array(n), mask: new Float32Array(n).fill(1), raw, persistence: Float64Array.from(raw, (v, i) => (i === 0 ? NaN : v - 2)), seasonal: new Float64Array(n) },
    },
  };
}

describe('protocol helpers', () => {
  it('limitHistory zeroes exactly the steps older than the protocol allows', () => {
    const set = limitHistory(regressionSet(2), 12);
    const per = 24 * 2;
    for (let w = 0; w < 2; w++) {
      expect(Array.from(set.x.subarray(w * per, w * per + 12 * 2)).every((v) => v === 0)).toBe(true);
      expect(Array.from(set.x.subarray(w * per + 12 * 2, (w + 1) * per)).every((v) => v !== 0)).toBe(true);
    }
  });

  it('residual targets round-trip through forecastFromOutput (change scaled, then shrunk); no persistence → unlabelled', () => {
    const { changeScale, changeShrink } = TASK_SOURCES.throughput;
    const set = residualTargets(regressionSet(4), { channels: {}, targets: { throughput: { kind: 'standard', mean: 100, std: 4, count: 1 } } });
    const t = set.targets.throughput;
    if (t?.kind !== 'regression') throw new Error('kind');
    expect(Array.from(t.mask)).toEqual([0, 1, 1, 1]);
    expect(t.y[1]).toBeCloseTo(0.5 * changeScale);
    const back = forecastFromOutput('throughput', t.y, t.persistence, { channels: {}, targets: { throughput: { kind: 'standard', mean: 100, std: 4, count: 1 } } });
    const p = t.persistence[2] ?? NaN;
    expect(back[2]).toBeCloseTo(p + changeShrink * ((t.raw[2] ?? NaN) - p));
  });

  it('deviation channels use only the run start seen so far (causal baseline)', () => {
    const frame = toFrame([0, 1, 2, 3, 4].map((i) => ({ time: i * 1000, values: { a: [2, 4, 6, 100, 8][i] ?? 0 } })), ['a'], 1000);
    const dev = withDeviations(frame, ['a'], 3);
    expect(dev.channels).toEqual(['a', 'a_dev']);
    expect(Array.from(dev.values[1] ?? [])).toEqual([0, 1, 2, 96, 4]);
  });

  it('change channels: step-to-step differences, NaN across a gap', () => {
    const frame = toFrame([0, 1, 3, 4].map((i) => ({ time: i * 1000, values: { a: [1, 4, 0, 10, 7][i] ?? 0 } })), ['a'], 1000);
    const c = withChanges(frame, ['a']);
    expect(c.channels).toEqual(['a', 'a_change']);
    expect(Array.from(c.values[1] ?? [])).toEqual([NaN, 3, NaN, NaN, -3]);
  });

  it('next-change channels read only the past: what followed this step d seasons ago, and the mean over days', () => {
    // Season of 3 steps; the series is known up to i, so the feature at i may use steps ≤ i only.
    const v = [0, 1, 3, 6, 10, 15, 21, 28, 36, 45];
    const frame = toFrame(v.map((a, i) => ({ time: i * 1000, values: { a } })), ['a'], 1000);
    const c = withNextChanges(frame, 'a', [1, 2], 3);
    expect(c.channels).toEqual(['a', 'a_next_change_1d', 'a_next_change_2d']);
    const one = Array.from(c.values[1] ?? []);
    // At i the change from i−3 to i−2 (= i − 2, since v[k+1] − v[k] = k + 1).
    expect(one).toEqual([NaN, NaN, NaN, 1, 2, 3, 4, 5, 6, 7]);
    const two = Array.from(c.values[2] ?? []);
    // Mean of the changes after i−3 and i−6 (only the first where i−6 < 0).
    expect(two.slice(3, 6)).toEqual([1, 2, 3]);
    expect(two[6]).toBe((4 + 1) / 2);
    expect(two[9]).toBe((7 + 4) / 2);
    // Causality: changing the future (steps > i) leaves the feature at i unchanged.
    const cut = toFrame(v.map((a, i) => ({ time: i * 1000, values: { a: i > 6 ? -999 : a } })), ['a'], 1000);
    expect(Array.from(withNextChanges(cut, 'a', [1, 2], 3).values[2] ?? []).slice(0, 7)).toEqual(two.slice(0, 7));
  });

  it('the throughput protocol derives exactly the channels its spec reads', () => {
    const src = TASK_SOURCES.throughput;
    const frame = toFrame([0, 1].map((i) => ({ time: i * 3_600_000, values: Object.fromEntries(src.raw.map((c) => [c, i])) })), src.raw, 3_600_000);
    const derived = deriveChannels(src, frame);
    for (const c of src.channels) expect(derived.channels).toContain(c);
    // Levels of the drifting sensors are not inputs; their changes are.
    expect(src.channels).not.toContain('nox');
    expect(src.channels).toContain('nox_change');
  });

  it('toFrame averages a bucket and leaves empty buckets NaN', () => {
    const f = toFrame([{ time: 0, values: { a: 1 } }, { time: 10, values: { a: 3 } }, { time: 3000, values: { a: 5 } }], ['a'], 1000);
    expect(f.length).toBe(4);
    expect(Array.from(f.values[0] ?? [])).toEqual([2, NaN, NaN, 5]);
  });

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
