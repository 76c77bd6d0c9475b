import { TASKS } from '@headstream/tasks';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Adam,
  batches,
  latentConfig,
  latentData,
  latentTask,
  LATENT_LOOKBACK,
  conflictFromGram,
  createStrategy,
  disposeBatch,
  loadModel,
  MultiTaskModel,
  Rng,
  saveModel,
  singleTaskConfig,
  syntheticData,
  tf,
  train,
  trainStep,
  type ModelConfig,
  type MultiTaskData,
  type TrainingEvent,
  type TrainOptions,
} from '../src/index.js';

const L = LATENT_LOOKBACK;
const reg = latentTask;
const base = latentConfig;

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
    // Equal weighting updates the same way whichever site measures the conflict, so both runs follow one
    // trajectory: identical losses at every step. On the bottleneck tasks (which compete) both sites must
    // see the same conflict: a clearly negative cosine late in training, agreeing step by step.
    const data = bottleneckData(128, 31);
    const tasks = [reg('traffic'), reg('air_quality')];
    const run = (gradientsOn: 'representation' | 'parameters') => {
      const model = MultiTaskModel.create({ ...base(tasks, { kind: 'transformer', dModel: 1, layers: 1, patch: 4, hidden: 4, heads: 1 }), seed: 3 });
      const strat = createStrategy('equal', 2, 1);
      const optimizer = new Adam({ learningRate: 1e-2 });
      const rng = new Rng(3);
      const losses: number[] = [];
      const cos: number[] = [];
      for (let epoch = 0; epoch < 30; epoch++) {
        for (const batch of batches(data, 64, rng, ['traffic', 'air_quality'])) {
          const r = trainStep(model, batch, model.tasks, strat, optimizer, { gradientsOn, wantGram: true });
          disposeBatch(batch);
          losses.push(...r.losses);
          cos.push(conflictFromGram(r.gram ?? []).cosine[0]?.[1] ?? NaN);
        }
      }
      model.dispose();
      return { losses, late: cos.slice(-20) };
    };
    const rep = run('representation');
    const par = run('parameters');
    expect(par.losses.length).toBe(rep.losses.length);
    par.losses.forEach((l, i) => expect(l).toBeCloseTo(rep.losses[i] ?? NaN, 4));
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    // Measured: representation −0.27, parameters −0.48, the same sign on 19 of the last 20 steps.
    expect(mean(rep.late)).toBeLessThan(-0.2);
    expect(mean(par.late)).toBeLessThan(-0.2);
    const sameSign = rep.late.filter((c, i) => Math.sign(c) === Math.sign(par.late[i] ?? NaN)).length;
    expect(sameSign).toBeGreaterThanOrEqual(16);
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

/** Windows of 4 channels; z = a fixed random unit-norm mix of channels 0–1 over the last 4 steps (8 coefficients). */
const SHARED_W = (() => {
  const rng = new Rng(777);
  const w = Float64Array.from({ length: L * 4 }, (_, k) => (Math.floor(k / 4) >= L - 4 && k % 4 < 2 ? rng.normal() : 0));
  const norm = Math.hypot(...w);
  return w.map((v) => v / norm);
})();
function sharedLatentData(n: number, labelled: 'all' | 'halves', seed: number): MultiTaskData {
  const rng = new Rng(seed);
  const x = new Float32Array(n * L * 4);
  const y = [new Float32Array(n), new Float32Array(n)];
  const m = [new Float32Array(n), new Float32Array(n)];
  for (let i = 0; i < n; i++) {
    let z = 0;
    for (let k = 0; k < L * 4; k++) {
      const v = rng.normal();
      x[i * L * 4 + k] = v;
      z += (SHARED_W[k] ?? 0) * v;
    }
    // Different heads (scale, sign, offset), one latent.
    (y[0] as Float32Array)[i] = 2 * z + 0.1 * rng.normal();
    (y[1] as Float32Array)[i] = -1.5 * z + 0.5 + 0.1 * rng.normal();
    (m[0] as Float32Array)[i] = labelled === 'all' || i % 2 === 0 ? 1 : 0;
    (m[1] as Float32Array)[i] = labelled === 'all' || i % 2 === 1 ? 1 : 0;
  }
  return {
    lookback: L,
    inputs: { city: { n, features: 4, x } },
    labels: {
      traffic: { kind: 'regression', input: 'city', width: 1, y: y[0] as Float32Array, mask: m[0] as Float32Array },
      air_quality: { kind: 'regression', input: 'city', width: 1, y: y[1] as Float32Array, mask: m[1] as Float32Array },
    },
  };
}

/**
 * Two tasks that need different mixtures of two factors (4·(z + 2w) and z − 2w) through a one-number
 * bottleneck (transformer, d_model 1, one token per 4-step patch): the representation cannot serve
 * both, so once the heads have learnt to read it, their gradients on it point in opposite directions.
 */
function bottleneckData(n: number, seed: number): MultiTaskData {
  const rng = new Rng(seed);
  const x = new Float32Array(n * L * 2);
  const y1 = new Float32Array(n);
  const y2 = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let z = 0;
    let w = 0;
    for (let s = 0; s < L; s++) {
      const a = rng.normal();
      const b = rng.normal();
      x[(i * L + s) * 2] = a;
      x[(i * L + s) * 2 + 1] = b;
      if (s >= L - 4) {
        z += a / 4;
        w += b / 4;
      }
    }
    y1[i] = 4 * (z + 2 * w);
    y2[i] = z - 2 * w;
  }
  const mask = () => new Float32Array(n).fill(1);
  return {
    lookback: L,
    inputs: { city: { n, features: 2, x } },
    labels: { traffic: { kind: 'regression', input: 'city', width: 1, y: y1, mask: mask() }, air_quality: { kind: 'regression', input: 'city', width: 1, y: y2, mask: mask() } },
  };
}

describe('synthetic tasks with known structure', () => {
  it('two tasks sharing a latent factor, each labelled on half the windows: the joint model is clearly better', () => {
    // Jointly the encoder learns z from every window; alone, each task has half the labels.
    const trainData = sharedLatentData(128, 'halves', 22);
    const test = sharedLatentData(256, 'all', 99);
    const opts = { epochs: 40, batchSize: 48, learningRate: 1e-2, seed: 5 } as const;
    const config = { ...base([reg('traffic'), reg('air_quality')]), inputs: { city: { features: 4 } } };
    const joint = MultiTaskModel.create(config);
    train(joint, trainData, opts);
    const mtl = { traffic: testMae(joint, test, 'traffic'), air_quality: testMae(joint, test, 'air_quality') };
    const stl: Record<string, number> = {};
    for (const t of ['traffic', 'air_quality'] as const) {
      const m = MultiTaskModel.create(singleTaskConfig(joint.config, t));
      train(m, trainData, opts);
      stl[t] = testMae(m, test, t);
      m.dispose();
    }
    joint.dispose();
    expect(mtl.traffic).toBeLessThan((stl.traffic ?? 0) * 0.9);
    expect(mtl.air_quality).toBeLessThan((stl.air_quality ?? 0) * 0.9);
    expect((mtl.traffic + mtl.air_quality) / ((stl.traffic ?? 0) + (stl.air_quality ?? 0))).toBeLessThan(0.8);
  });

  it('two tasks competing for a bottleneck representation: negative cosine for independently initialised heads; PCGrad never lets the update conflict', () => {
    const data = bottleneckData(128, 31);
    const tasks = [reg('traffic'), reg('air_quality')];
    const run = (seed: number, strategy: 'equal' | 'pcgrad') => {
      const model = MultiTaskModel.create({ ...base(tasks, { kind: 'transformer', dModel: 1, layers: 1, patch: 4, hidden: 4, heads: 1 }), seed });
      const strat = createStrategy(strategy, 2, 1);
      const optimizer = new Adam({ learningRate: 1e-2 });
      const rng = new Rng(3);
      const cos: number[] = [];
      let updateConflicts = 0;
      for (let epoch = 0; epoch < 30; epoch++) {
        for (const batch of batches(data, 64, rng, ['traffic', 'air_quality'])) {
          const r = trainStep(model, batch, model.tasks, strat, optimizer, { gradientsOn: 'representation', wantGram: true });
          disposeBatch(batch);
          const g = r.gram ?? [];
          cos.push(conflictFromGram(g).cosine[0]?.[1] ?? NaN);
          // d·g_t = Σ_s α_s G_st: the applied update works against task t when negative.
          for (let t = 0; t < 2; t++) if (r.coefficients.reduce((a, c, s) => a + c * (g[s]?.[t] ?? 0), 0) < -1e-9) updateConflicts++;
        }
      }
      model.dispose();
      const late = cos.slice(-20);
      return { late: late.reduce((a, b) => a + b, 0) / late.length, updateConflicts };
    };
    for (const seed of [3, 5]) {
      const eq = run(seed, 'equal');
      const pc = run(seed, 'pcgrad');
      expect(eq.late).toBeLessThan(-0.25);
      expect(eq.updateConflicts).toBeGreaterThan(5);
      expect(pc.updateConflicts).toBe(0);
    }
  });

  it('learning-rate schedule: cosine decays from the rate to its floor over each phase; constant stays put', () => {
    const data = latentData(128, [1, -1], 'all', 31, 6);
    const rates = (options: Partial<TrainOptions>) => {
      const model = MultiTaskModel.create(base([reg('traffic'), reg('air_quality')]));
      const seen: number[] = [];
      train(model, data, { epochs: 3, batchSize: 64, telemetryEvery: 1, learningRate: 1e-2, ...options, onEvent: (e) => void (e.type === 'step' && seen.push(e.learningRate)) });
      model.dispose();
      return seen;
    };
    const cosine = rates({});
    expect(cosine.length).toBe(3 * 2);
    expect(cosine[0]).toBeCloseTo(1e-2, 9);
    expect(cosine.at(-1)).toBeCloseTo(1e-2 * 0.05, 9);
    for (let i = 1; i < cosine.length; i++) expect(cosine[i]).toBeLessThan(cosine[i - 1] ?? 0);
    expect(rates({ minLearningRateFactor: 0.5 }).at(-1)).toBeCloseTo(5e-3, 9);
    expect(new Set(rates({ schedule: 'constant' }))).toEqual(new Set([1e-2]));
    // Sequential regime: the schedule restarts with each task's phase.
    const seq = rates({ regime: 'sequential' });
    expect(seq.length).toBe(2 * 3 * 2);
    expect(seq[5]).toBeCloseTo(5e-4, 9);
    expect(seq[6]).toBeCloseTo(1e-2, 9);
  });

  // Whether PCGrad raises the cosine and lowers the joint loss on opposite-sign tasks is a quality claim:
  // it is measured over seeds by `npm run results` (packages/experiments/src/claims.ts), not asserted here.
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
});
