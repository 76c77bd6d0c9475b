import { taskDefinitionSchema, type Reading } from '@headstream/core';
import { describe, expect, it } from 'vitest';
import {
  buildWindows,
  calendarFeatures,
  featureCount,
  featureNames,
  featureSpecFor,
  readFeatureSpec,
  fillGaps,
  fitScalers,
  frameChannels,
  readingsToFrame,
  resample,
  servingWindow,
  SiteWindowBuffer,
  StandardScaler,
  type FeatureSpec,
} from '../src/index.js';

// Task definitions as the registry (packages/tasks) holds them; features sits below it and takes any definition.
const TASKS = {
  traffic: taskDefinitionSchema.parse({ name: 'traffic', domain: 'city', kind: 'regression', description: 'flow', target: 'flow', unit: 'veh/5min', intervalMs: 300_000, lookback: 12, horizons: [1, 2, 3, 6, 12], quantiles: [0.1, 0.5, 0.9] }),
  air_quality: taskDefinitionSchema.parse({ name: 'air_quality', domain: 'city', kind: 'regression', description: 'PM2.5', target: 'pm25', unit: 'µg/m³', intervalMs: 3_600_000, lookback: 24, horizons: [1, 2, 3, 4, 5, 6], quantiles: [0.1, 0.5, 0.9] }),
  fault: taskDefinitionSchema.parse({ name: 'fault', domain: 'factory', kind: 'classification', description: 'state', intervalMs: 1000, lookback: 64, classes: ['normal', 'valve1', 'valve2', 'other'], anomalyScore: true }),
};

const MIN = 60_000;
const HOUR = 60 * MIN;
const T0 = Date.UTC(2024, 0, 1); // a Monday, 00:00 UTC

describe('resample and gaps', () => {
  it('averages points per bucket and leaves empty buckets NaN', () => {
    const out = resample(
      [
        { time: T0 + 1000, value: 2 },
        { time: T0 + 2000, value: 4 },
        { time: T0 + 2 * MIN + 5, value: 10 },
        { time: T0 - 1, value: 99 },
      ],
      T0,
      MIN,
      3,
    );
    expect(out[0]).toBe(3);
    expect(Number.isNaN(out[1])).toBe(true);
    expect(out[2]).toBe(10);
  });

  it('forward-fills gaps causally, up to a limit, and marks only observed buckets', () => {
    const { filled, mask } = fillGaps(Float64Array.from([NaN, 1, NaN, NaN, 5, NaN]));
    // A leading gap stays a gap: filling it from a later reading would leak the future into training.
    expect([...filled]).toEqual([NaN, 1, 1, 1, 5, 5]);
    expect([...mask]).toEqual([0, 1, 0, 0, 1, 0]);
    expect([...fillGaps(Float64Array.from([NaN, 1, NaN, NaN, 5, NaN]), 1).filled]).toEqual([NaN, 1, 1, NaN, 5, 5]);
    expect([...fillGaps(Float64Array.from([NaN, NaN])).filled]).toEqual([NaN, NaN]);
  });

  it('builds a frame from unordered readings of several metrics', () => {
    const readings: Reading[] = [
      { domain: 'city', site: 's', time: T0 + 6 * MIN, values: { flow: 6, pm25: 1 } },
      { domain: 'city', site: 's', time: T0, values: { flow: 2 } },
    ];
    const frame = readingsToFrame(readings, ['flow', 'pm25'], { start: T0 + 30_000, end: T0 + 10 * MIN }, 5 * MIN);
    expect(frame.start).toBe(T0);
    expect(frame.length).toBe(2);
    expect([...(frame.values[0] ?? [])]).toEqual([2, 6]);
    expect(Number.isNaN(frame.values[1]?.[0])).toBe(true);
  });
});

describe('calendar and scaler', () => {
  it('encodes hour of day and day of week cyclically in UTC', () => {
    const [hs, hc, ds, dc] = calendarFeatures(T0);
    expect(hs).toBeCloseTo(0);
    expect(hc).toBeCloseTo(1);
    expect(ds).toBeCloseTo(0); // Monday 00:00 is phase 0
    expect(dc).toBeCloseTo(1);
    expect(calendarFeatures(T0 + 6 * HOUR)[0]).toBeCloseTo(1);
  });

  it("reads hours in the sites' local zone, so a local hour keeps its features across a daylight-saving change", () => {
    const zone = 'America/Los_Angeles';
    // 08:00 local on 2016-03-11 (PST, UTC−8) and on 2016-03-14 (PDT, UTC−7): one hour apart in UTC.
    const beforeDst = Date.UTC(2016, 2, 11, 16);
    const afterDst = Date.UTC(2016, 2, 14, 15);
    const hour = (t: number, z?: string) => calendarFeatures(t, z).slice(0, 2);
    expect(hour(afterDst, zone)[0]).toBeCloseTo(hour(beforeDst, zone)[0] ?? NaN, 12);
    expect(hour(afterDst, zone)[1]).toBeCloseTo(hour(beforeDst, zone)[1] ?? NaN, 12);
    // In UTC the same local hour moves by an hour: the features differ.
    expect(Math.abs((hour(afterDst)[0] ?? 0) - (hour(beforeDst)[0] ?? 0))).toBeGreaterThan(0.1);
    // 08:00 local is 8/24 of the day: sin(2π·8/24).
    expect(hour(beforeDst, zone)[0]).toBeCloseTo(Math.sin((2 * Math.PI * 8) / 24), 12);
    // A fixed offset, and the weekday turning over at local midnight: Monday 00:30 at +08:00 is Sunday 16:30 UTC.
    const mondayBeijing = Date.UTC(2016, 2, 13, 16, 30);
    expect(calendarFeatures(mondayBeijing, '+08:00')[2]).toBeCloseTo(Math.sin((2 * Math.PI * 0.5) / 24 / 7), 12);
  });

  it('fits on the given range only and round-trips through JSON', () => {
    const s = StandardScaler.fit([1, 2, 3, NaN, 1000], 0, 4);
    expect(s.mean).toBe(2);
    expect(s.std).toBeCloseTo(1);
    const back = StandardScaler.fromJSON(JSON.parse(JSON.stringify(s)) as ReturnType<StandardScaler['toJSON']>);
    expect(back.inverse(back.transform(7.5))).toBeCloseTo(7.5);
    expect(StandardScaler.fit([4, 4, 4]).std).toBe(1);
  });
});

/** A city site: flow with a daily cycle every 5 min, pm25 hourly with one missing hour. */
function citySite(hours: number): Reading[] {
  const out: Reading[] = [];
  for (let t = T0; t < T0 + hours * HOUR; t += 5 * MIN) {
    const values: Record<string, number> = { flow: 100 + 50 * Math.sin((2 * Math.PI * (t - T0)) / (24 * HOUR)) + ((t - T0) / HOUR) };
    if ((t - T0) % HOUR === 0 && t !== T0 + 30 * HOUR) values.pm25 = (t - T0) / HOUR;
    out.push({ domain: 'city', site: 's1', time: t, values });
  }
  return out;
}

describe('saved specs', () => {
  it('a spec saved before the rename names its input `domain`: it reads as `input`, the rest unchanged', () => {
    const spec = featureSpecFor('traffic', [TASKS.traffic], { channels: ['flow'] });
    const { input, ...rest } = spec;
    expect(readFeatureSpec({ ...rest, domain: input })).toEqual(spec);
    expect(readFeatureSpec(spec)).toBe(spec);
    expect(() => readFeatureSpec(rest as never)).toThrow(/names no input/);
  });
});

describe('windows', () => {
  const tasks = [TASKS.traffic, TASKS.air_quality];
  const spec: FeatureSpec = featureSpecFor('city', tasks, { channels: ['flow', 'pm25'] });
  const frame = readingsToFrame(citySite(72), frameChannels(spec), { start: T0, end: T0 + 72 * HOUR }, spec.intervalMs);
  const trainEnd = T0 + 48 * HOUR;
  const scalers = fitScalers(frame, spec, trainEnd);

  it('derives the domain spec from the core tasks', () => {
    expect(spec.intervalMs).toBe(5 * MIN);
    expect(spec.lookback).toBe(24);
    expect(featureCount(spec)).toBe(2 + 2 + 4);
    expect(featureNames(spec)).toEqual(['flow', 'pm25', 'flow__observed', 'pm25__observed', 'hour_sin', 'hour_cos', 'dow_sin', 'dow_cos']);
  });

  it('fits scalers on the training split only', () => {
    // pm25 = hour index, so its train-only mean is about 23.5, not the 35.5 of all 72 hours.
    expect(scalers.channels.pm25?.mean).toBeGreaterThan(23);
    expect(scalers.channels.pm25?.mean).toBeLessThan(24.5);
    expect(scalers.targets.air_quality?.mean).toBeLessThan(24.5);
  });

  it('builds scaled windows with masks, calendar channels and per-task labels', () => {
    const w = buildWindows(frame, spec, scalers, { to: trainEnd });
    const f = featureCount(spec);
    // Issue times are bucket ends: the last training window is issued just before trainEnd.
    expect(w.n).toBe(48 * 12 - 24);
    expect(w.x.length).toBe(w.n * 24 * f);
    expect(w.issueTimes.every((t) => t < trainEnd)).toBe(true);
    // pm25 is only observed on the hour: its observed-mask channel is mostly 0.
    let observed = 0;
    for (let s = 0; s < 24; s++) observed += w.x[s * f + 3] ?? 0;
    expect(observed).toBe(2);
    const air = w.targets.air_quality;
    const traffic = w.targets.traffic;
    if (air?.kind !== 'regression' || traffic?.kind !== 'regression') throw new Error('regression targets expected');
    // Air quality is hourly: only windows issued on the hour carry its labels.
    const labelled = w.issueTimes.filter((_, i) => air.mask[i * 6] === 1).length;
    expect(labelled).toBeGreaterThan(20);
    expect(labelled).toBeLessThan(48);
    // Traffic labels exist for every window whose +1 step lies in the frame.
    expect(traffic.mask[0]).toBe(1);
    // Issue at hour k: the +1h target is pm25 of hour k, persistence is hour k-1, seasonal is k-24 (or persistence).
    const i = w.issueTimes.findIndex((t) => t === T0 + 40 * HOUR);
    expect(air.raw[i * 6]).toBe(40);
    expect(air.persistence[i * 6]).toBe(39);
    expect(air.seasonal[i * 6]).toBe(16);
    expect(air.y[i * 6]).toBeCloseTo(StandardScaler.fromJSON(scalers.targets.air_quality as never).transform(40), 5);
    // The missing hour 30 is masked, never a fabricated label.
    const j = w.issueTimes.findIndex((t) => t === T0 + 30 * HOUR);
    expect(air.mask[j * 6]).toBe(0);
    expect(Number.isNaN(air.raw[j * 6])).toBe(true);
  });

  it('serving builds exactly the training window for the same issue time', () => {
    const w = buildWindows(frame, spec, scalers, { from: T0 + 60 * HOUR, to: T0 + 60 * HOUR + 1 });
    const served = servingWindow(frame, spec, scalers, T0 + 60 * HOUR);
    expect(w.n).toBe(1);
    expect([...served.x]).toEqual([...w.x]);
    const air = w.targets.air_quality;
    if (air?.kind !== 'regression') throw new Error('regression expected');
    expect(served.baselines.air_quality?.persistence).toBe(air.persistence[0]);
    expect(() => servingWindow(frame, spec, scalers, T0 + HOUR)).toThrow(/does not cover/);
  });

  it('a serving buffer equals training, also when the last target value lies beyond the short frame it reads first', () => {
    // flow stops for 8 hours (longer than lookback + fill, within the day persistence searches back) and
    // pm25 for 5: persistence must come from before the gap, as training finds it.
    const gapped = citySite(72).map((r) => {
      const h = (r.time - T0) / HOUR;
      const values = { ...r.values };
      if (h >= 40 && h < 48) delete values.flow;
      if (h >= 50 && h < 55) delete values.pm25;
      return { ...r, values };
    });
    const limited: FeatureSpec = { ...spec, fillLimit: 24 };
    const fr = readingsToFrame(gapped, frameChannels(limited), { start: T0, end: T0 + 72 * HOUR }, limited.intervalMs);
    const w = buildWindows(fr, limited, scalers);
    const buffer = new SiteWindowBuffer(limited);
    for (const r of gapped) buffer.add(r.time, r.values);
    const per = limited.lookback * featureCount(limited);
    let farPersistence = 0;
    w.issueTimes.forEach((issue, i) => {
      const served = buffer.window(issue, scalers);
      expect(Buffer.from(served.x.buffer).equals(Buffer.from(w.x.slice(i * per, (i + 1) * per).buffer))).toBe(true);
      for (const task of ['traffic', 'air_quality'] as const) {
        const t = w.targets[task];
        if (t?.kind !== 'regression') continue;
        // Off the task's grid (air quality at 10:05) neither carries a baseline: both NaN.
        expect(served.baselines[task]?.persistence).toBe(t.persistence[i * t.horizons]);
        if (task === 'traffic' && issue > T0 + 43 * HOUR && issue <= T0 + 48 * HOUR) farPersistence += Number.isFinite(t.persistence[i * t.horizons]) ? 1 : 0;
      }
    });
    expect(farPersistence).toBeGreaterThan(50);
  });

  it('labels a classification task from its label metric and masks unknown classes', () => {
    const fspec = featureSpecFor('factory', [TASKS.fault], { channels: ['temp'], lookback: 3, calendar: false, gapMask: false });
    const readings: Reading[] = [0, 1, 2, 3, 4, 5].map((s) => ({ domain: 'factory', site: 'l1', time: T0 + s * 1000, values: { temp: s, state: s === 4 ? 9 : s % 2 } }));
    const fr = readingsToFrame(readings, frameChannels(fspec), { start: T0, end: T0 + 6000 }, 1000);
    const w = buildWindows(fr, fspec, fitScalers(fr, fspec, T0 + 6000));
    const fault = w.targets.fault;
    if (fault?.kind !== 'classification') throw new Error('classification expected');
    expect([...fault.y]).toEqual([0, 1, -1, 1]);
    expect([...fault.mask]).toEqual([1, 1, 0, 1]);
  });
});
