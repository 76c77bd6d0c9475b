import { taskDefinitionSchema, type TaskDefinition } from '@headstream/core';
import { TASKS } from '@headstream/tasks';
import { buildWindows, featureSpecFor, fitScalers, unscaleTarget, type FeatureScalers, type SeriesFrame, type WindowSet } from '@headstream/features';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  batchRows,
  stepsPerEpoch,
  classificationMetrics,
  evaluate,
  fromWindowSets,
  MultiTaskModel,
  regressionMetrics,
  Rng,
  runExperiment,
  temporalConfig,
  temporalData,
  tf,
  train,
  type ModelConfig,
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

const config = (sets: WindowSet[]): ModelConfig => ({
  tasks,
  inputs: Object.fromEntries(sets.map((s) => [s.input, { features: s.features }])),
  lookback: LOOKBACK,
  encoder: { kind: 'mixer', dModel: 8, layers: 1, patch: 4, hidden: 16, heads: 2 },
  headHidden: 8,
  seed: 2,
});

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

describe('evaluate', () => {
  it('scores every task in the metric’s unit, next to naive baselines computed by the same code', () => {
    const { train: trainSets, test, scalers } = windowSets();
    const model = MultiTaskModel.create(config(trainSets));
    train(model, fromWindowSets(trainSets), { epochs: 3, batchSize: 64 });
    const report = evaluate(model, test, scalers);
    expect(Object.keys(report).sort()).toEqual(['air_quality', 'fault', 'throughput', 'traffic']);
    const [city, factory] = test as [WindowSet, WindowSet];
    const preds = model.predict({ city: city.x, factory: factory.x });

    // Recompute traffic's numbers independently: unscale the median, compare with the raw targets.
    const t = city.targets.traffic;
    const p = preds.traffic;
    const r = report.traffic;
    if (t?.kind !== 'regression' || p?.kind !== 'regression' || r?.kind !== 'regression') throw new Error('traffic report missing');
    const point = unscaleTarget(scalers.city, 'traffic', p.point);
    const expected = regressionMetrics(t.raw, point, [1, 3]);
    r.model.forEach((h, k) => {
      expect(h.count).toBe(expected[k]?.count);
      expect(h.mae).toBeCloseTo(expected[k]?.mae ?? NaN, 9);
    });
    expect(r.score).toEqual({ value: (expected[0]!.mae + expected[1]!.mae) / 2, higherIsBetter: false });
    expect(r.persistence[0]?.mae).toBeCloseTo(regressionMetrics(t.raw, t.persistence, [1, 3])[0]?.mae ?? NaN, 9);
    expect(r.coverage).toBeGreaterThanOrEqual(0);
    expect(r.coverage).toBeLessThanOrEqual(1);
    // Air quality: only windows on its 15-minute grid count.
    const air = report.air_quality;
    if (air?.kind !== 'regression') throw new Error('air report missing');
    expect(air.model[0]?.count).toBeLessThan(city.n / 2);
    expect(air.model[0]?.count).toBeGreaterThan(0);

    // Fault: macro-F1 headline, majority baseline = "always normal".
    const f = factory.targets.fault;
    const fr = report.fault;
    const fp = preds.fault;
    if (f?.kind !== 'classification' || fr?.kind !== 'classification' || fp?.kind !== 'classification') throw new Error('fault report missing');
    expect(fr.model).toEqual(classificationMetrics(f.y, fp.label, fp.anomaly, 4));
    expect(fr.majority.accuracy).toBeCloseTo([...f.y].filter((y) => y === 0).length / [...f.y].filter((y) => y >= 0).length, 9);
    expect(fr.score).toEqual({ value: fr.model.macroF1, higherIsBetter: true });
    model.dispose();
  });
});

describe('runExperiment', () => {
  it('trains shared and single-task models and reports scores, Δm%, inference cost, telemetry and grouping', () => {
    const encoder = { kind: 'mixer', dModel: 8, layers: 1, patch: 8, hidden: 16, heads: 2 } as const;
    const cfg = temporalConfig(encoder, 3);
    const trainSet = temporalData(256, 1).data;
    const val = temporalData(128, 2).data;
    const seen: string[] = [];
    const report = runExperiment(cfg, trainSet, val, { epochs: 2, batchSize: 128, strategy: 'pcgrad', tolerance: 2, inferenceBatch: 64, onEvent: (_e, model) => seen.push(model) });
    const names = ['traffic', 'air_quality', 'fault', 'throughput'];
    expect(Object.keys(report.tasks).sort()).toEqual([...names].sort());
    expect(report.strategy).toBe('pcgrad');
    for (const t of names) {
      const c = report.tasks[t];
      if (!c) throw new Error(`no comparison for ${t}`);
      const sign = c.shared.higherIsBetter ? -1 : 1;
      expect(c.delta).toBeCloseTo((sign * (c.shared.value - c.single.value) * 100) / Math.abs(c.single.value), 9);
      expect(report.single[t]?.training.steps).toBe(4);
    }
    expect(report.tasks.fault?.shared.higherIsBetter).toBe(true);
    expect(report.tasks.traffic?.shared.higherIsBetter).toBe(false);
    expect(report.deltaM).toBeCloseTo(names.reduce((a, t) => a + (report.tasks[t]?.delta ?? NaN), 0) / 4, 9);
    // Grouping: exactly the tasks whose delta exceeds the tolerance get their own encoder.
    expect([...report.grouping.shared, ...report.grouping.own].sort()).toEqual([...names].sort());
    for (const t of names) expect(report.grouping.own.includes(t)).toBe((report.tasks[t]?.delta ?? 0) > 2);
    // One trunk serves four heads: counted FLOPs and parameters well under four single models
    // (this tiny trunk is cheap next to its heads, so the gain is smaller than the default model's 0.27).
    expect(report.inferenceCost.flops).toBeLessThan(0.75);
    expect(report.inferenceCost.parameters).toBeLessThan(0.75);
    expect(report.inferenceCost.time).toBeGreaterThan(0);
    // Telemetry: per-step conflict for the shared run, epochs for every model.
    const sharedSteps = report.events.filter((e) => e.model === 'shared' && e.event.type === 'step');
    expect(sharedSteps).toHaveLength(4);
    expect(sharedSteps[0]?.event.type === 'step' && sharedSteps[0].event.conflict?.cosine.length).toBe(4);
    expect(report.conflict?.cosine[0]?.[0]).toBeCloseTo(1, 5);
    for (const t of names) expect(report.events.some((e) => e.model === t && e.event.type === 'epoch' && e.event.regime === 'single')).toBe(true);
    expect(seen).toEqual(report.events.map((e) => e.model));
    expect(report.models).toBeUndefined();
  });
});
