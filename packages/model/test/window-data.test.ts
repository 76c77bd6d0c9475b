import { taskDefinitionSchema, type TaskDefinition } from '@headstream/core';
import { TASKS } from '@headstream/tasks';
import { buildWindows, featureSpecFor, fitScalers, type FeatureScalers, type SeriesFrame, type WindowSet } from '@headstream/features';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  batchRows,
  stepsPerEpoch,
  fromWindowSets,
  Rng,
  tf,
} from '../src/index.js';

const MIN = 60_000;
const T0 = Date.UTC(2024, 0, 1);
const LOOKBACK = 16;
const tasks: TaskDefinition[] = [
  taskDefinitionSchema.parse({ ...TASKS.traffic, horizons: [1, 3], lookback: LOOKBACK }),
  taskDefinitionSchema.parse({ ...TASKS.air_quality, intervalMs: 15 * MIN, horizons: [1, 2], lookback: LOOKBACK }),
  taskDefinitionSchema.parse({ ...TASKS.fault, intervalMs: 5 * MIN, lookback: LOOKBACK }),
  taskDefinitionSchema.parse({ ...TASKS.throughput, intervalMs: 5 * MIN, lookback: LOOKBACK }),
];

/** Two days at 5 min: daily flow cycle, pm25 following flow, a machine with rare faults and a throughput series. */
function frames(): { city: SeriesFrame; factory: SeriesFrame } {
  const rng = new Rng(5);
  const n = 2 * 288;
  const flow = new Float64Array(n);
  const pm25 = new Float64Array(n);
  const temp = new Float64Array(n);
  const vib = new Float64Array(n);
  const state = new Float64Array(n);
  const throughput = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    flow[i] = 100 + 60 * Math.sin((2 * Math.PI * i) / 288) + 5 * rng.normal();
    pm25[i] = 20 + 0.1 * (flow[Math.max(0, i - 3)] ?? 0) + rng.normal();
    temp[i] = 10 + rng.normal();
    state[i] = i % 50 < 5 ? 1 + (i % 3) : 0;
    vib[i] = (state[i] ?? 0) > 0 ? 3 + rng.normal() : rng.normal();
    throughput[i] = 50 - 10 * ((state[i] ?? 0) > 0 ? 1 : 0) + rng.normal();
  }
  if (Number.isFinite(flow[40])) flow[40] = NaN; // a gap
  return {
    city: { start: T0, intervalMs: 5 * MIN, length: n, channels: ['flow', 'pm25', 'temp'], values: [flow, pm25, temp] },
    factory: { start: T0, intervalMs: 5 * MIN, length: n, channels: ['vibration', 'throughput', 'state'], values: [vib, throughput, state] },
  };
}

function windowSets(): { train: WindowSet[]; test: WindowSet[]; scalers: { city: FeatureScalers; factory: FeatureScalers } } {
  const f = frames();
  const split = T0 + 36 * 60 * MIN;
  const city = featureSpecFor('city', tasks.filter((t) => t.domain === 'city'), { channels: ['flow', 'pm25', 'temp'], lookback: LOOKBACK, calendar: false });
  const factory = featureSpecFor('factory', tasks.filter((t) => t.domain === 'factory'), { channels: ['vibration', 'throughput'], lookback: LOOKBACK, calendar: false });
  const scalers = { city: fitScalers(f.city, city, split), factory: fitScalers(f.factory, factory, split) };
  return {
    train: [buildWindows(f.city, city, scalers.city, { to: split, labelsBefore: split }), buildWindows(f.factory, factory, scalers.factory, { to: split, labelsBefore: split })],
    test: [buildWindows(f.city, city, scalers.city, { from: split }), buildWindows(f.factory, factory, scalers.factory, { from: split })],
    scalers,
  };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('fromWindowSets', () => {
  it('joins window sets into model data: inputs by domain, labels by task with input, width and masks', () => {
    const { train: sets } = windowSets();
    const data = fromWindowSets(sets);
    const [city, factory] = sets as [WindowSet, WindowSet];
    expect(data.lookback).toBe(LOOKBACK);
    expect(data.inputs.city).toEqual({ n: city.n, features: city.features, x: city.x });
    expect(data.inputs.factory?.n).toBe(factory.n);
    const traffic = city.targets.traffic;
    const fault = factory.targets.fault;
    if (traffic?.kind !== 'regression' || fault?.kind !== 'classification') throw new Error('targets missing');
    expect(data.labels.traffic).toMatchObject({ kind: 'regression', input: 'city', width: 2 });
    expect(data.labels.traffic?.y).toBe(traffic.y);
    expect(data.labels.air_quality?.input).toBe('city');
    expect(data.labels.throughput?.input).toBe('factory');
    // Classification: class indices as floats (-1 = unlabelled stays -1, masked out).
    expect(data.labels.fault).toMatchObject({ kind: 'classification', input: 'factory', width: 1 });
    expect([...(data.labels.fault?.y ?? [])]).toEqual([...fault.y]);
    expect(data.labels.fault?.mask).toBe(fault.mask);
    // Air quality is labelled only on its 15-minute grid: a third of the windows.
    const airMask = data.labels.air_quality?.mask ?? new Float32Array();
    expect(airMask.reduce((a, b) => a + b, 0)).toBeLessThan(airMask.length / 2);
    expect(() => fromWindowSets([city, { ...factory, lookback: 8 }])).toThrow(/lookback/);
  });
});

describe('batchRows', () => {
  it('windowsPerEpoch: a capped input gives a fresh draw of that many distinct windows each epoch; others give all', () => {
    const { train: sets } = windowSets();
    const data = fromWindowSets(sets);
    const [city, factory] = sets as [WindowSet, WindowSet];
    const tasks = ['traffic', 'air_quality', 'fault', 'throughput'];
    const cap = Math.floor(factory.n / 3);
    const rng = new Rng(3);
    const epoch = () => {
      const seen = { city: [] as number[], factory: [] as number[] };
      for (const rows of batchRows(data, 32, rng, tasks, { factory: cap })) {
        seen.city.push(...(rows.city ?? []));
        seen.factory.push(...(rows.factory ?? []));
      }
      return seen;
    };
    expect(stepsPerEpoch(data, 32, tasks, { factory: cap })).toBe(Math.ceil((city.n + cap) / 32));
    expect(stepsPerEpoch(data, 32, tasks)).toBe(Math.ceil((city.n + factory.n) / 32));
    const a = epoch();
    const b = epoch();
    expect(new Set(a.city).size).toBe(city.n);
    expect(a.factory.length).toBe(cap);
    expect(new Set(a.factory).size).toBe(cap);
    expect(a.factory.every((i) => i >= 0 && i < factory.n)).toBe(true);
    // Another epoch, another draw: over epochs the cap reaches windows the first draw left out.
    expect(new Set([...a.factory, ...b.factory]).size).toBeGreaterThan(cap);
  });

  it("batchPer 'input': every step holds a batch of each input; the largest input sets the steps", () => {
    const { train: sets } = windowSets();
    const data = fromWindowSets(sets);
    const [city, factory] = sets as [WindowSet, WindowSet];
    const tasks = ['traffic', 'air_quality', 'fault', 'throughput'];
    const steps = stepsPerEpoch(data, 16, tasks, {}, 'input');
    expect(steps).toBe(Math.ceil(Math.max(city.n, factory.n) / 16));
    const seen = { city: [] as number[], factory: [] as number[] };
    let count = 0;
    for (const rows of batchRows(data, 16, new Rng(1), tasks, {}, 'input')) {
      count++;
      expect(rows.city?.length).toBeGreaterThan(0);
      expect(rows.factory?.length).toBeGreaterThan(0);
      expect(Math.max(rows.city?.length ?? 0, rows.factory?.length ?? 0)).toBeLessThanOrEqual(16);
      seen.city.push(...(rows.city ?? []));
      seen.factory.push(...(rows.factory ?? []));
    }
    expect(count).toBe(steps);
    expect(new Set(seen.city).size).toBe(city.n);
    expect(new Set(seen.factory).size).toBe(factory.n);
  });
});
