import { describe, expect, it } from 'vitest';
import { buildWindows, decodeForecast, deriveChannels, deviationBaseline, fitScalers, servingWindow, SPREAD_FLOOR, type FeatureSpec, type SeriesFrame, type SiteFrame, type TargetSpec } from '../src/index.js';

const frameOf = (values: readonly number[], intervalMs = 1000, start = 0): SeriesFrame => ({ start, intervalMs, length: values.length, channels: ['a'], values: [Float64Array.from(values)] });

describe('derived channels', () => {
  it('deviation uses only the start of the site seen so far (causal baseline)', () => {
    const dev = deriveChannels(frameOf([2, 4, 6, 100, 8]), [{ name: 'a_dev', kind: 'deviation', of: 'a', baselineSteps: 3 }]);
    expect(dev.channels).toEqual(['a', 'a_dev']);
    expect(Array.from(dev.values[1] ?? [])).toEqual([0, 1, 2, 96, 4]);
  });

  it('deviation in a frame that starts after the origin uses the carried baseline, the same bits', () => {
    const values = [2, 4, 6, 100, 8, 9, 7];
    const d = { name: 'a_dev', kind: 'deviation', of: 'a', baselineSteps: 3 } as const;
    const whole = deriveChannels(frameOf(values), [d]);
    const later: SiteFrame = { ...frameOf(values.slice(4), 1000, 4000), origin: 0, baselines: { a_dev: deviationBaseline(values, 3) } };
    expect(Array.from(deriveChannels(later, [d]).values[1] ?? [])).toEqual(Array.from(whole.values[1] ?? []).slice(4));
    expect(() => deriveChannels({ ...frameOf(values.slice(4), 1000, 4000), origin: 0 }, [d])).toThrow(/carries no baseline/);
    expect(() => deriveChannels({ ...frameOf(values.slice(1), 1000, 1000), origin: 0, baselines: { a_dev: 1 } }, [d])).toThrow(/still needs the first 3/);
  });

  it('change: step-to-step differences, NaN across a gap', () => {
    const c = deriveChannels(frameOf([1, 4, NaN, 10, 7]), [{ name: 'a_change', kind: 'change', of: 'a' }]);
    expect(Array.from(c.values[1] ?? [])).toEqual([NaN, 3, NaN, NaN, -3]);
  });

  it('next change reads only the past: what followed this step d seasons ago, and the mean over days', () => {
    // Season of 3 steps; the series is known up to i, so the feature at i may use steps ≤ i only.
    const v = [0, 1, 3, 6, 10, 15, 21, 28, 36, 45];
    const derived = [
      { name: 'a_1d', kind: 'next_change', of: 'a', days: 1, seasonSteps: 3, mean: false },
      { name: 'a_2d', kind: 'next_change', of: 'a', days: 2, seasonSteps: 3, mean: true },
    ] as const;
    const c = deriveChannels(frameOf(v), derived);
    expect(Array.from(c.values[1] ?? [])).toEqual([NaN, NaN, NaN, 1, 2, 3, 4, 5, 6, 7]);
    const two = Array.from(c.values[2] ?? []);
    expect(two.slice(3, 6)).toEqual([1, 2, 3]);
    expect(two[6]).toBe((4 + 1) / 2);
    expect(two[9]).toBe((7 + 4) / 2);
    const cut = deriveChannels(frameOf(v.map((a, i) => (i > 6 ? -999 : a))), derived);
    expect(Array.from(cut.values[2] ?? []).slice(0, 7)).toEqual(two.slice(0, 7));
  });

  it('sin/cos of degrees', () => {
    const c = deriveChannels(frameOf([0, 90, 180]), [{ name: 's', kind: 'sin_deg', of: 'a' }, { name: 'c', kind: 'cos_deg', of: 'a' }]);
    expect(c.values[1]?.[1]).toBeCloseTo(1);
    expect(c.values[2]?.[2]).toBeCloseTo(-1);
  });
});

/** A spec of one hourly series `y` (lookback 8, fill limit 1, gap mask, no calendar) with one target. */
function hourlySpec(input: string, history: number, target: TargetSpec): FeatureSpec {
  return { version: 2, input, intervalMs: 3_600_000, lookback: 8, history, fillLimit: 1, sources: ['y'], derived: [], channels: ['y'], gapMask: true, calendar: false, targets: [target] };
}

describe('history, fill limit and the change transform', () => {
  const HOUR = 3_600_000;
  const values = Array.from({ length: 60 }, (_, i) => (i === 20 || i === 21 || i === 22 ? NaN : 100 + 2 * i));
  const frame: SeriesFrame = { start: 0, intervalMs: HOUR, length: 60, channels: ['y'], values: [Float64Array.from(values)] };
  const spec = hourlySpec('throughput', 4, { task: 'throughput', kind: 'regression', target: 'y', intervalMs: HOUR, horizons: [1], seasonSteps: 24, transform: { kind: 'change', scale: 4, shrink: 0.5 } });
  const scalers = fitScalers(frame, spec, 40 * HOUR);

  it('zeroes the steps older than the history and reads gaps beyond the fill limit as the mean', () => {
    const w = buildWindows(frame, spec, scalers, { from: 24 * HOUR, to: 24 * HOUR + 1 });
    const x = Array.from(w.x);
    // 8 steps × (value, mask); the 4 older steps are zero.
    expect(x.slice(0, 8).every((v) => v === 0)).toBe(true);
    // Issue 24 h: steps 20..23; 20 is filled from 19 (limit 1), 21 and 22 are beyond the limit → 0 with mask 0.
    const s = scalers.channels.y;
    if (!s) throw new Error('scaler');
    expect(x[8]).toBeCloseTo((138 - s.mean) / s.std, 5);
    expect([x[9], x[10], x[11], x[12], x[13]]).toEqual([0, 0, 0, 0, 0]);
    expect(x[15]).toBe(1);
  });

  it('learns the scaled change from persistence and decodes median and bounds through the shrink', () => {
    const w = buildWindows(frame, spec, scalers, { from: 30 * HOUR, to: 31 * HOUR });
    const t = w.targets.throughput;
    if (t?.kind !== 'regression') throw new Error('kind');
    const std = scalers.targets.throughput?.std ?? NaN;
    // Issued at 30 h: the target is bucket 30 (160), persistence bucket 29 (158).
    expect(t.persistence[0]).toBe(158);
    expect(t.y[0]).toBeCloseTo(((160 - 158) / std) * 4, 5);
    const outs = [t.y[0] ?? 0, -1, 1];
    const decoded = decodeForecast(spec, scalers, 'throughput', { point: outs, values: outs, quantiles: [0.5] }, { persistence: [158, 158, 158] });
    expect(decoded.point[0]).toBeCloseTo(158 + 0.5 * 2, 5);
    expect(decoded.point[1]).toBeCloseTo(158 - (std * 0.5) / 4, 5);
    expect(Array.from(decoded.values)).toEqual(Array.from(decoded.point));
    // Serving decodes with the persistence its window carries.
    expect(servingWindow(frame, spec, scalers, 30 * HOUR).baselines.throughput?.persistence).toBe(158);
  });

  it('a fitted weight moves the point by its share of the predicted change; the bounds keep their shrunk distance to it', () => {
    const std = scalers.targets.throughput?.std ?? NaN;
    const unit = std / 4;
    // Two windows, quantiles 0.1 / 0.5 / 0.9 (sorted outputs); the point is the median output.
    const out = { point: [2, -1], values: [1, 2, 4, -3, -1, 0], quantiles: [0.1, 0.5, 0.9] };
    const plain = decodeForecast(spec, scalers, 'throughput', out, { persistence: [100, 50] });
    // Without fitted weights: persistence + shrink × each output, as before.
    const near = (got: Float64Array, want: number[]) => {
      expect(got).toHaveLength(want.length);
      want.forEach((v, i) => expect(got[i]).toBeCloseTo(v, 9));
    };
    near(plain.point, [100 + 0.5 * unit * 2, 50 - 0.5 * unit]);
    near(plain.values, [1, 2, 4].map((d) => 100 + 0.5 * unit * d).concat([-3, -1, 0].map((d) => 50 + 0.5 * unit * d)));
    const fitted = { ...spec, targets: spec.targets.map((x) => (x.kind === 'regression' ? { ...x, transform: { kind: 'change' as const, scale: 4, shrink: 0.5, fitted: true, weights: [0.2] } } : x)) };
    const combined = decodeForecast(fitted, scalers, 'throughput', out, { persistence: [100, 50] });
    expect(combined.point[0]).toBeCloseTo(100 + 0.2 * unit * 2, 9);
    expect(combined.point[1]).toBeCloseTo(50 - 0.2 * unit, 9);
    // Bounds: the point ± shrink × the outputs' distance to the median output.
    expect(combined.values[0]).toBeCloseTo((combined.point[0] ?? NaN) - 0.5 * unit * 1, 9);
    expect(combined.values[1]).toBeCloseTo(combined.point[0] ?? NaN, 9);
    expect(combined.values[2]).toBeCloseTo((combined.point[0] ?? NaN) + 0.5 * unit * 2, 9);
    expect(combined.values[3]).toBeCloseTo((combined.point[1] ?? NaN) - 0.5 * unit * 2, 9);
    // An explicit weight (cross-fitting's per-block weights) overrides the saved one; a wrong count is refused.
    expect(decodeForecast(fitted, scalers, 'throughput', out, { persistence: [100, 50] }, [0]).point[0]).toBe(100);
    expect(() => decodeForecast(fitted, scalers, 'throughput', out, { persistence: [100, 50] }, [0.1, 0.2])).toThrow(/2 fitted weights for 1 horizons/);
  });

  it('a change target without a last value is unlabelled', () => {
    const w = buildWindows(frame, spec, scalers, { from: 8 * HOUR, to: 60 * HOUR });
    const t = w.targets.throughput;
    if (t?.kind !== 'regression') throw new Error('kind');
    const i = Array.from(w.issueTimes).indexOf(24 * HOUR);
    // Issued at 24 h: persistence searches back a season and finds 19 (138); issued at 21 h it finds 19 too.
    expect(t.mask[i]).toBe(1);
    expect(Array.from(t.mask).every((m, k) => m === 0 || Number.isFinite(t.persistence[k]))).toBe(true);
  });
});

describe('a change measured in the series\' recent spread (TargetTransform spread)', () => {
  const HOUR = 3_600_000;
  // Calm, then an episode: steps of ±1 for 30 hours, then of ±10.
  const values = Array.from({ length: 60 }, (_, i) => 50 + (i < 30 ? i % 2 : 10 * (i % 2)) + (i === 40 ? NaN : 0));
  const frame: SeriesFrame = { start: 0, intervalMs: HOUR, length: 60, channels: ['y'], values: [Float64Array.from(values)] };
  const specOf = (spread: number | undefined): FeatureSpec =>
    hourlySpec('x', 8, { task: 'x', kind: 'regression', target: 'y', intervalMs: HOUR, horizons: [1, 2], seasonSteps: 24, transform: { kind: 'change', scale: 2, shrink: 1, fitted: true, weights: [1, 1], ...(spread === undefined ? {} : { spread }) } });
  const spec = specOf(4);
  const scalers = fitScalers(frame, spec, 60 * HOUR);
  const std = scalers.targets.x?.std ?? NaN;

  it('the spread is the mean absolute step change among the last `spread` values; the label is the change in it', () => {
    const w = buildWindows(frame, spec, scalers, { from: 20 * HOUR, to: 60 * HOUR });
    const t = w.targets.x;
    if (t?.kind !== 'regression') throw new Error('kind');
    const at = (hour: number) => Array.from(w.issueTimes).indexOf(hour * HOUR);
    // Issued at 20 h: values 16…19 alternate 50/51: three steps of 1.
    expect(t.spread[at(20) * 2]).toBe(1);
    expect(t.spread[at(20) * 2 + 1]).toBe(1);
    // Issued at 34 h: values 30…33 alternate 50/60.
    expect(t.spread[at(34) * 2]).toBe(10);
    // Issued at 43 h: values 39, 40 (gap), 41, 42: the one step between observed neighbours counts.
    expect(t.spread[at(43) * 2]).toBe(10);
    // The label: (target − persistence) / spread × scale; at 20 h the next value is 50 (from 51): −1 / 1 × 2.
    expect(t.y[at(20) * 2]).toBeCloseTo(-2, 6);
    // In the episode the same label means ten times the change.
    expect(t.y[at(34) * 2]).toBeCloseTo(((50 - 60) / 10) * 2, 6);
    // Serving computes the same spread from its window.
    expect(servingWindow(frame, spec, scalers, 34 * HOUR).baselines.x?.spread).toBe(10);
  });

  it('the spread channel carries the unit the change is measured in: ln(1 + the same spread) at the issue time, in training and serving', () => {
    const withChannel: FeatureSpec = { ...spec, derived: [{ name: 'y_spread', kind: 'spread', of: 'y', steps: 4 }], channels: ['y', 'y_spread'] };
    const derived = deriveChannels(frame, withChannel.derived);
    const channel = derived.values[1] ?? new Float64Array();
    // At step 19 (issued at 20 h: the last value is step 19) the unit is 1; at 33 and at 42 (across the gap at 40) it is 10.
    expect(channel[19]).toBeCloseTo(Math.log1p(1), 12);
    expect(channel[33]).toBeCloseTo(Math.log1p(10), 12);
    expect(channel[42]).toBeCloseTo(Math.log1p(10), 12);
    // Where no two consecutive values are observed there is no spread: NaN, which the fill and the gap mask handle.
    const sparse = deriveChannels(frameOf([1, NaN, 3, NaN, 5]), [{ name: 's', kind: 'spread', of: 'a', steps: 3 }]);
    expect(Array.from(sparse.values[1] ?? [])).toEqual([NaN, NaN, NaN, NaN, NaN]);
    // The channel is the target's spread of every window, one definition (recentSpread) for both.
    const s2 = fitScalers(frame, withChannel, 60 * HOUR);
    const w = buildWindows(frame, withChannel, s2, { from: 20 * HOUR, to: 60 * HOUR });
    const t = w.targets.x;
    if (t?.kind !== 'regression') throw new Error('kind');
    for (let i = 0; i < w.n; i++) {
      const last = Math.round((w.issueTimes[i] ?? NaN) / HOUR) - 1;
      if (Number.isFinite(t.spread[i * 2])) expect(channel[last]).toBeCloseTo(Math.log1p(t.spread[i * 2] ?? NaN), 12);
    }
    // Serving builds the same window, the channel included.
    const served = servingWindow(frame, withChannel, s2, 34 * HOUR);
    const k = Array.from(w.issueTimes).indexOf(34 * HOUR);
    const per = withChannel.lookback * w.features;
    expect(Array.from(served.x)).toEqual(Array.from(w.x.subarray(k * per, (k + 1) * per)));
  });

  it('decodes a head output with the window\'s spread: the label round-trips to the target', () => {
    const w = buildWindows(frame, spec, scalers, { from: 20 * HOUR, to: 60 * HOUR });
    const t = w.targets.x;
    if (t?.kind !== 'regression') throw new Error('kind');
    const decoded = decodeForecast(spec, scalers, 'x', { point: t.y, values: t.y, quantiles: [0.5] }, t);
    for (let i = 0; i < t.raw.length; i++) if (t.mask[i]) expect(decoded.point[i]).toBeCloseTo(t.raw[i] ?? NaN, 4);
  });

  it('a flat series divides by SPREAD_FLOOR of the standard deviation, not by ~0; without `spread` the standard deviation as before', () => {
    const flat: SeriesFrame = { ...frame, values: [Float64Array.from({ length: 60 }, (_, i) => (i < 50 ? 50 : 55))] };
    const s = fitScalers(flat, spec, 60 * HOUR);
    const sd = s.targets.x?.std ?? NaN;
    const w = buildWindows(flat, spec, s, { from: 50 * HOUR, to: 51 * HOUR });
    const t = w.targets.x;
    if (t?.kind !== 'regression') throw new Error('kind');
    expect(t.spread[0]).toBe(0);
    expect(t.y[0]).toBeCloseTo(((55 - 50) / (SPREAD_FLOOR * sd)) * 2, 3);
    const plain = specOf(undefined);
    const u = buildWindows(frame, plain, scalers, { from: 20 * HOUR, to: 21 * HOUR }).targets.x;
    if (u?.kind !== 'regression') throw new Error('kind');
    expect(u.spread[0]).toBeNaN();
    expect(u.y[0]).toBeCloseTo((-1 / std) * 2, 6);
  });
});
