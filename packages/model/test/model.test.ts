import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TASKS, taskDefinitionSchema, type TaskDefinition } from '@headstream/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  loadModel,
  MultiTaskModel,
  Rng,
  saveModel,
  selectBackend,
  singleTaskConfig,
  syntheticData,
  tf,
  train,
  trainingProbe,
  type ModelConfig,
  type MultiTaskData,
  type TrainingEvent,
} from '../src/index.js';

const L = 16;
const reg = (name: 'traffic' | 'air_quality'): TaskDefinition =>
  taskDefinitionSchema.parse({ ...TASKS[name], domain: 'city', horizons: [1], quantiles: [0.5], lookback: L });

const base = (tasks: TaskDefinition[], encoder: Partial<ModelConfig['encoder']> = {}): ModelConfig => ({
  tasks,
  inputs: { city: { features: 2 } },
  lookback: L,
  encoder: { kind: 'mixer', dModel: 8, layers: 1, patch: 4, hidden: 16, heads: 2, ...encoder },
  headHidden: 8,
  seed: 3,
});

/** Windows whose targets depend on one latent factor z = mean of channel 0 over the last 4 steps. */
function latentData(n: number, signs: [number, number], labelled: 'all' | 'halves', seed = 11, scale = 2): MultiTaskData {
  const rng = new Rng(seed);
  const x = new Float32Array(n * L * 2);
  const y1 = new Float32Array(n);
  const y2 = new Float32Array(n);
  const m1 = new Float32Array(n);
  const m2 = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let z = 0;
    for (let s = 0; s < L; s++) {
      const v = rng.normal();
      x[(i * L + s) * 2] = v;
      x[(i * L + s) * 2 + 1] = rng.normal();
      if (s >= L - 4) z += v / 4;
    }
    y1[i] = signs[0] * scale * z + 0.05 * rng.normal();
    y2[i] = signs[1] * scale * z + 0.05 * rng.normal();
    m1[i] = labelled === 'all' || i % 2 === 0 ? 1 : 0;
    m2[i] = labelled === 'all' || i % 2 === 1 ? 1 : 0;
  }
  return {
    lookback: L,
    inputs: { city: { n, features: 2, x } },
    labels: {
      traffic: { kind: 'regression', input: 'city', width: 1, y: y1, mask: m1 },
      air_quality: { kind: 'regression', input: 'city', width: 1, y: y2, mask: m2 },
    },
  };
}

function testMae(model: MultiTaskModel, data: MultiTaskData, task: string): number {
  const p = model.predict({ city: data.inputs.city?.x ?? new Float32Array() }, { tasks: [task] })[task];
  if (p?.kind !== 'regression') throw new Error('regression expected');
  const y = data.labels[task]?.y ?? new Float32Array();
  return p.point.reduce((a, v, i) => a + Math.abs(v - (y[i] ?? 0)), 0) / y.length;
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('architecture and training', () => {
  it('runs every encoder kind forward and backward with finite, decreasing loss', () => {
    for (const kind of ['mixer', 'conv', 'transformer'] as const) {
      const model = MultiTaskModel.create(base([reg('traffic')], { kind, patch: kind === 'conv' ? 1 : 4, layers: 2 }));
      const r = train(model, latentData(64, [1, 1], 'all'), { epochs: 6, batchSize: 32, tasks: ['traffic'] });
      const first = r.history[0]?.losses.traffic ?? NaN;
      const last = r.history.at(-1)?.losses.traffic ?? NaN;
      expect(Number.isFinite(last)).toBe(true);
      expect(last).toBeLessThan(first);
      model.dispose();
    }
  });

  it('masks losses per task: a task without labels in the data gets no gradient', () => {
    const data = latentData(32, [1, 1], 'all');
    (data.labels.air_quality as { mask: Float32Array }).mask.fill(0);
    const model = MultiTaskModel.create(base([reg('traffic'), reg('air_quality')]));
    const before = model.headVariables('air_quality').map((v) => [...v.dataSync()]);
    const r = train(model, data, { epochs: 1, batchSize: 32 });
    expect(r.history[0]?.losses.air_quality).toBe(0);
    model.headVariables('air_quality').forEach((v, i) => expect([...v.dataSync()]).toEqual(before[i]));
    model.dispose();
  });

  it('emits typed step and epoch telemetry with the gradient cosine matrix', () => {
    const events: TrainingEvent[] = [];
    const model = MultiTaskModel.create(base([reg('traffic'), reg('air_quality')]));
    train(model, latentData(64, [1, 1], 'all'), { epochs: 2, batchSize: 32, telemetryEvery: 1, onEvent: (e) => events.push(e) });
    const steps = events.filter((e) => e.type === 'step');
    const epochs = events.filter((e) => e.type === 'epoch');
    expect(steps).toHaveLength(4);
    expect(epochs).toHaveLength(2);
    const c = steps[0]?.conflict;
    expect(c?.site).toBe('representation');
    expect(c?.cosine[0]?.[0]).toBeCloseTo(1, 5);
    expect(Math.abs(c?.cosine[0]?.[1] ?? 9)).toBeLessThanOrEqual(1 + 1e-6);
    expect(epochs[1]?.conflict?.sampledSteps).toBe(2);
    model.dispose();
  });

  it('per-parameter gradients give the same losses and a comparable conflict picture', () => {
    const data = latentData(32, [1, -1], 'all');
    const cos: number[] = [];
    for (const gradientsOn of ['representation', 'parameters'] as const) {
      const model = MultiTaskModel.create(base([reg('traffic'), reg('air_quality')]));
      const ev: TrainingEvent[] = [];
      train(model, data, { epochs: 1, batchSize: 32, strategy: 'pcgrad', gradientsOn, telemetryEvery: 1, onEvent: (e) => ev.push(e) });
      const s = ev.find((e) => e.type === 'step');
      cos.push(s?.type === 'step' ? (s.conflict?.cosine[0]?.[1] ?? NaN) : NaN);
      model.dispose();
    }
    expect(cos.every(Number.isFinite)).toBe(true);
  });

  it('sequential and single-task regimes train the tasks one after another / alone', () => {
    const data = latentData(64, [1, 1], 'all');
    const model = MultiTaskModel.create(base([reg('traffic'), reg('air_quality')]));
    const r = train(model, data, { epochs: 1, batchSize: 32, regime: 'sequential' });
    expect(r.history.map((h) => h.phase)).toEqual([['traffic'], ['air_quality']]);
    const single = MultiTaskModel.create(singleTaskConfig(model.config, 'air_quality'));
    expect(single.tasks.map((t) => t.name)).toEqual(['air_quality']);
    expect(single.parameterCounts().shared).toBe(model.parameterCounts().shared);
    model.dispose();
    single.dispose();
  });
});

describe('synthetic tasks with known structure', () => {
  it('two tasks sharing a latent factor: the joint model is at least as good as single-task models', () => {
    // Each task is labelled on half the windows: jointly, the encoder learns z from twice the labels.
    const trainData = latentData(96, [1, 1], 'halves', 21);
    const test = latentData(256, [1, 1], 'all', 99);
    const opts = { epochs: 40, batchSize: 48, learningRate: 1e-2, seed: 5 } as const;
    const joint = MultiTaskModel.create(base([reg('traffic'), reg('air_quality')]));
    train(joint, trainData, opts);
    const mtl = (testMae(joint, test, 'traffic') + testMae(joint, test, 'air_quality')) / 2;
    let stl = 0;
    for (const t of ['traffic', 'air_quality']) {
      const m = MultiTaskModel.create(singleTaskConfig(joint.config, t));
      train(m, trainData, opts);
      stl += testMae(m, test, t) / 2;
      m.dispose();
    }
    joint.dispose();
    expect(mtl).toBeLessThanOrEqual(stl * 1.02);
  });

  it('two tasks pulling the representation apart: negative cosine detected; PCGrad lowers conflict and joint loss', () => {
    // Same latent, opposite signs, and identical heads: at the start each task wants the shared
    // representation to move the opposite way.
    const data = latentData(128, [1, -1], 'all', 31, 6);
    const run = (strategy: 'equal' | 'pcgrad') => {
      const model = MultiTaskModel.create(base([reg('traffic'), reg('air_quality')]));
      for (const n of model.params.names('head/traffic/')) model.params.get(n.replace('traffic', 'air_quality')).assign(model.params.get(n));
      const events: TrainingEvent[] = [];
      const r = train(model, data, { epochs: 6, batchSize: 64, strategy, telemetryEvery: 1, learningRate: 5e-3, onEvent: (e) => events.push(e) });
      model.dispose();
      const first = events.find((e) => e.type === 'step');
      const epochs = events.filter((e): e is Extract<TrainingEvent, { type: 'epoch' }> => e.type === 'epoch');
      const cos = epochs.map((e) => e.conflict?.cosine[0]?.[1] ?? NaN);
      return { firstCos: first?.type === 'step' ? (first.conflict?.cosine[0]?.[1] ?? NaN) : NaN, meanCos: cos.reduce((a, b) => a + b, 0) / cos.length, loss: r.history.at(-1)?.jointLoss ?? NaN };
    };
    const eq = run('equal');
    const pc = run('pcgrad');
    expect(eq.firstCos).toBeLessThan(-0.5);
    expect(pc.meanCos).toBeGreaterThan(eq.meanCos);
    expect(pc.loss).toBeLessThan(eq.loss);
  });
});

describe('save/load and backends', () => {
  it('save → load gives identical predictions and keeps the metadata', async () => {
    const config: ModelConfig = { ...base([reg('traffic'), TASKS.fault]), inputs: { city: { features: 2 }, factory: { features: 3 } } };
    const model = MultiTaskModel.create(config);
    const data = syntheticData(config, 16);
    train(model, data, { epochs: 1, batchSize: 16 });
    const inputs = { city: data.inputs.city?.x ?? new Float32Array(), factory: data.inputs.factory?.x ?? new Float32Array() };
    const before = model.predict(inputs);
    const dir = await mkdtemp(join(tmpdir(), 'hs-model-'));
    try {
      await saveModel(model, dir, { version: 'v1', features: {}, strategy: { name: 'equal' }, regime: 'joint', metrics: { deltaM: -1 } });
      const { model: loaded, metadata } = await loadModel(dir);
      expect(metadata.version).toBe('v1');
      expect(metadata.backend).toBe('cpu');
      const after = loaded.predict(inputs);
      for (const t of ['traffic', 'fault']) {
        const a = before[t];
        const b = after[t];
        if (a?.kind === 'regression' && b?.kind === 'regression') expect([...b.values]).toEqual([...a.values]);
        else if (a?.kind === 'classification' && b?.kind === 'classification') expect([...b.probabilities]).toEqual([...a.probabilities]);
        else throw new Error(`missing prediction for ${t}`);
      }
      loaded.dispose();
    } finally {
      model.dispose();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('selects the first backend whose real training step works and logs why others were rejected', async () => {
    const lines: string[] = [];
    const choice = await selectBackend(trainingProbe(base([reg('traffic')])), { env: '', order: ['tensorflow', 'cpu'], log: (l) => lines.push(l) });
    expect(choice.backend).toBe('cpu');
    expect(choice.attempts[0]).toMatchObject({ candidate: 'tensorflow', ok: false });
    expect(lines.join('\n')).toMatch(/tensorflow: rejected/);
    const forced = await selectBackend(trainingProbe(base([reg('traffic')])), { env: 'cpu', log: () => undefined });
    expect(forced.attempts).toHaveLength(1);
  });
});
