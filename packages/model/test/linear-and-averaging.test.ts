import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { taskDefinitionSchema, type TaskDefinition } from '@headstream/core';
import { TASKS } from '@headstream/tasks';
import { beforeAll, describe, expect, it } from 'vitest';
import { Adam, loadModel, MultiTaskModel, Rng, saveModel, tf, train, type ModelConfig, type MultiTaskData, type TrainingEvent } from '../src/index.js';

const L = 8;
const reg: TaskDefinition = taskDefinitionSchema.parse({ ...TASKS.traffic, domain: 'city', horizons: [1], quantiles: [0.1, 0.5, 0.9], lookback: L });
const air: TaskDefinition = taskDefinitionSchema.parse({ ...TASKS.air_quality, domain: 'city', horizons: [1], quantiles: [0.5], lookback: L });

const config = (linear: ModelConfig['linear'], tasks: TaskDefinition[] = [reg]): ModelConfig => ({
  tasks,
  inputs: { city: { features: 2 } },
  lookback: L,
  encoder: { kind: 'mixer', dModel: 8, layers: 1, patch: 4, hidden: 16, heads: 2 },
  headHidden: 8,
  seed: 5,
  ...(linear ? { linear } : {}),
});

/** An AR(2) series on channel 0 (channel 1 noise): y = 0.6·x[t] − 0.3·x[t−1] (+ small noise). */
function arData(n: number, seed = 3): MultiTaskData {
  const rng = new Rng(seed);
  const x = new Float32Array(n * L * 2);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    for (let s = 0; s < L; s++) {
      x[(i * L + s) * 2] = rng.normal();
      x[(i * L + s) * 2 + 1] = rng.normal();
    }
    y[i] = 0.6 * (x[(i * L + L - 1) * 2] ?? 0) - 0.3 * (x[(i * L + L - 2) * 2] ?? 0) + 0.01 * rng.normal();
  }
  const labels: MultiTaskData['labels'] = { traffic: { kind: 'regression', input: 'city', width: 3, y: Float32Array.from({ length: n * 3 }, (_, i) => y[Math.floor(i / 3)] ?? 0), mask: new Float32Array(n * 3).fill(1) } };
  return { lookback: L, inputs: { city: { n, features: 2, x } }, labels };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('the linear autoregressive path', () => {
  it('a linear-only model has no trunk, one weight per window value and output, and recovers AR coefficients', () => {
    const model = MultiTaskModel.create(config('only'));
    expect(model.params.names()).toEqual(['head/traffic/lin_b', 'head/traffic/lin_w']);
    expect(model.sharedVariables()).toHaveLength(0);
    expect(model.params.count()).toBe(L * 2 * 3 + 3);
    const data = arData(512);
    train(model, data, { epochs: 60, batchSize: 64, learningRate: 1e-2, seed: 1 });
    const w = model.params.get('head/traffic/lin_w').arraySync() as number[][];
    // Row (step L−1, channel 0) and (step L−2, channel 0), median column (1 of 3 quantiles).
    expect(w[(L - 1) * 2]?.[1]).toBeCloseTo(0.6, 1);
    expect(w[(L - 2) * 2]?.[1]).toBeCloseTo(-0.3, 1);
    expect(Math.abs(w[(L - 1) * 2 + 1]?.[1] ?? 9)).toBeLessThan(0.05);
    model.dispose();
  });

  it('a highway starts as the plain network (zero linear weights) and adds W·window to regression heads only', () => {
    const tasks = [reg, { ...TASKS.fault, domain: 'city' } as TaskDefinition];
    const plain = MultiTaskModel.create(config('none', tasks));
    const highway = MultiTaskModel.create(config('highway', tasks));
    expect(highway.params.names().filter((n) => n.includes('lin_'))).toEqual(['head/traffic/lin_w']);
    const x = arData(16).inputs.city?.x ?? new Float32Array();
    const a = plain.predict({ city: x });
    const b = highway.predict({ city: x });
    const ra = a.traffic;
    const rb = b.traffic;
    if (ra?.kind !== 'regression' || rb?.kind !== 'regression') throw new Error('regression expected');
    expect([...rb.values]).toEqual([...ra.values]);
    // A non-zero linear weight on the last value of channel 0 shifts every quantile by w · x[t].
    const w = highway.params.get('head/traffic/lin_w');
    const bumped = tf.tidy(() => tf.scatterND([[(L - 1) * 2, 0], [(L - 1) * 2, 1], [(L - 1) * 2, 2]], [1, 1, 1], w.shape as [number, number]));
    w.assign(bumped);
    bumped.dispose();
    const c = highway.predict({ city: x }).traffic;
    if (c?.kind !== 'regression') throw new Error('regression expected');
    for (let i = 0; i < 16; i++) expect(c.point[i] ?? NaN).toBeCloseTo((ra.point[i] ?? NaN) + (x[(i * L + L - 1) * 2] ?? NaN), 4);
    plain.dispose();
    highway.dispose();
  });

  it('save → load keeps the linear path', async () => {
    const model = MultiTaskModel.create(config('only'));
    train(model, arData(64), { epochs: 2, batchSize: 32 });
    const x = arData(8, 9).inputs.city?.x ?? new Float32Array();
    const before = model.predict({ city: x }).traffic;
    const dir = await mkdtemp(join(tmpdir(), 'hs-linear-'));
    try {
      await saveModel(model, dir, { version: 'v1', features: {}, strategy: { name: 'equal' }, regime: 'joint', metrics: {} });
      const { model: loaded, metadata } = await loadModel(dir);
      expect(metadata.config.linear).toBe('only');
      const after = loaded.predict({ city: x }).traffic;
      if (before?.kind !== 'regression' || after?.kind !== 'regression') throw new Error('regression expected');
      expect([...after.values]).toEqual([...before.values]);
      loaded.dispose();
    } finally {
      model.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a linear-only model reads exactly one input', () => {
    expect(() => MultiTaskModel.create({ ...config('only'), inputs: { city: { features: 2 }, factory: { features: 2 } } })).toThrow('a linear-only model reads exactly one input');
  });
});

describe('weight averaging and sampled per-task gradients', () => {
  it('Adam keeps the bias-corrected moving average of the iterates', () => {
    const adam = new Adam({ learningRate: 0.1, averageDecay: 0.5 });
    const w = new Float32Array([1]);
    const iterates: number[] = [];
    for (let i = 0; i < 3; i++) {
      adam.update(w, new Float32Array([1]));
      iterates.push(w[0] ?? NaN);
    }
    // EMA with decay 0.5 from 0, divided by 1 − 0.5³.
    const ema = iterates.reduce((a, v) => 0.5 * a + 0.5 * v, 0) / (1 - 0.5 ** 3);
    expect(adam.averageWeights()?.[0]).toBeCloseTo(ema, 6);
    adam.resetAverage();
    expect(adam.averageWeights()).toBeUndefined();
    expect(() => new Adam({ averageDecay: 1 })).toThrow('averageDecay 1 is not in [0, 1)');
    const model = MultiTaskModel.create(config('none'));
    expect(() => train(model, arData(8), { epochs: 1, weightAverage: 2 })).toThrow('weightAverage 2 is not a share of the steps in [0, 1]');
    model.dispose();
  });

  it('training with weightAverage ends on the averaged weights, not the last iterate', () => {
    const data = arData(256);
    const model = MultiTaskModel.create(config('none'));
    // Every iterate of w2, read after each step (the step event follows the update); the averaging
    // does not change the trajectory, only what the model is left with at the end.
    const iterates: Float32Array[] = [];
    const result = train(model, data, {
      epochs: 3,
      batchSize: 32,
      seed: 2,
      weightAverage: 0.5,
      telemetryEvery: 1,
      onEvent: (e) => {
        if (e.type === 'step') iterates.push(Float32Array.from(model.params.get('head/traffic/w2').dataSync()));
      },
    });
    const final = Float32Array.from(model.params.get('head/traffic/w2').dataSync());
    model.dispose();
    // 256 windows in batches of 32 for 3 epochs: 24 steps, one phase.
    expect(result.steps).toBe(24);
    expect(iterates).toHaveLength(24);
    // The average, computed here: an EMA of the iterates with decay 1 − 1/(share × steps), from 0,
    // divided by 1 − decay^steps (bias correction), as TrainOptions.weightAverage documents.
    const decay = 1 - 1 / (0.5 * 24);
    const ema = new Float64Array(final.length);
    for (const w of iterates) w.forEach((v, i) => (ema[i] = decay * (ema[i] ?? 0) + (1 - decay) * v));
    const expected = Float32Array.from(ema, (v) => v / (1 - decay ** iterates.length));
    final.forEach((v, i) => expect(v).toBeCloseTo(expected[i] ?? NaN, 6));
    // …and that average is not the last iterate (the check would be vacuous otherwise).
    const last = iterates.at(-1) ?? new Float32Array();
    expect(final.reduce((s, v, i) => s + Math.abs(v - (last[i] ?? 0)), 0)).toBeGreaterThan(1e-4);
  });

  it('per-task gradients on the parameters only on sampled steps: the same updates as without telemetry, conflict every k-th step', () => {
    const data: MultiTaskData = { ...arData(128), labels: { ...arData(128).labels, air_quality: { kind: 'regression', input: 'city', width: 1, y: new Float32Array(128).map((_, i) => Math.sin(i)), mask: new Float32Array(128).fill(1) } } };
    const run = (telemetryEvery: number) => {
      const model = MultiTaskModel.create(config('none', [reg, air]));
      const events: TrainingEvent[] = [];
      train(model, data, { epochs: 2, batchSize: 32, seed: 4, gradientsOn: 'parameters', telemetryEvery, onEvent: (e) => events.push(e) });
      const w = Float32Array.from(model.params.get('encoder/0/ch_w1').dataSync());
      model.dispose();
      return { w, steps: events.filter((e) => e.type === 'step') };
    };
    const quiet = run(0);
    const sampled = run(3);
    expect(quiet.steps).toHaveLength(0);
    expect(sampled.steps.map((s) => (s.type === 'step' ? s.step : -1))).toEqual([0, 3, 6]);
    for (const s of sampled.steps) if (s.type === 'step') expect(s.conflict?.site).toBe('parameters');
    sampled.w.forEach((v, i) => expect(v).toBeCloseTo(quiet.w[i] ?? NaN, 4));
  });
});
