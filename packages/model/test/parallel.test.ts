import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { taskDefinitionSchema, type TaskDefinition } from '@headstream/core';
import { TASKS } from '@headstream/tasks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  Adam,
  createStrategy,
  DataParallel,
  defaultWorkerUrl,
  disposeBatch,
  MultiTaskModel,
  paramLayout,
  readWeights,
  Rng,
  syntheticData,
  tf,
  toBatch,
  train,
  trainStep,
  type GradientSite,
  type ModelConfig,
  type MultiTaskData,
  type StrategyName,
  type TrainingEvent,
} from '../src/index.js';

/*
 * Workers run the compiled package (Node 20 cannot load .ts in a worker thread). So that these tests
 * always exercise the current source, the package is rebuilt first when dist/ is missing or older
 * than any source file (tsc, ~3 s).
 */
const pkg = fileURLToPath(new URL('..', import.meta.url));
function newestSource(dir: string): number {
  return Math.max(...readdirSync(dir, { withFileTypes: true }).map((e) => (e.isDirectory() ? newestSource(join(dir, e.name)) : statSync(join(dir, e.name)).mtimeMs)));
}
function ensureBuilt(): void {
  const worker = fileURLToPath(defaultWorkerUrl());
  if (existsSync(worker) && statSync(worker).mtimeMs >= newestSource(join(pkg, 'src'))) return;
  const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(pkg, 'tsconfig.build.json')], { stdio: 'pipe' });
}

const L = 16;
const city = (name: 'traffic' | 'air_quality'): TaskDefinition => taskDefinitionSchema.parse({ ...TASKS[name], horizons: [1, 2], quantiles: [0.1, 0.5, 0.9], lookback: L });
const config: ModelConfig = {
  tasks: [city('traffic'), city('air_quality'), { ...TASKS.fault, lookback: L }],
  inputs: { city: { features: 3 }, factory: { features: 2 } },
  lookback: L,
  encoder: { kind: 'mixer', dModel: 8, layers: 2, patch: 4, hidden: 16, heads: 2 },
  headHidden: 8,
  seed: 4,
};

/** Random data with labels missing at random (so shard label counts differ from the batch's). */
function maskedData(n: number, seed: number): MultiTaskData {
  const data = syntheticData(config, n, seed);
  const rng = new Rng(seed + 1);
  for (const l of Object.values(data.labels)) for (let i = 0; i < l.mask.length; i++) if (rng.next() < 0.3) l.mask[i] = 0;
  return data;
}

let pool: DataParallel;

beforeAll(async () => {
  await tf.setBackend('cpu');
  ensureBuilt();
  pool = await DataParallel.create({ workers: 2 });
}, 60_000);

afterAll(async () => {
  await pool.close();
});

function weightsOf(model: MultiTaskModel): Float32Array {
  const layout = paramLayout(model);
  return readWeights(model, layout, new Float32Array(layout.total));
}

describe('data-parallel training (worker threads)', () => {
  const cases: [StrategyName, GradientSite][] = [
    ['equal', 'representation'],
    ['uncertainty', 'representation'],
    ['pcgrad', 'representation'],
    ['gradnorm', 'representation'],
    ['cagrad', 'representation'],
    // Weights from the step's own losses (log-loss scalarisations): the heads are scaled mid-step.
    ['famo', 'representation'],
    ['si', 'representation'],
    ['si', 'parameters'],
    ['pcgrad', 'parameters'],
  ];

  it.each(cases)('one step with %s (%s gradients) on 3 replicas equals the single-threaded step', (name, gradientsOn) => {
    const data = maskedData(40, 3);
    const rows = { city: Array.from({ length: 40 }, (_, i) => i), factory: Array.from({ length: 31 }, (_, i) => 2 * i + 1).filter((i) => i < 40) };
    const single = MultiTaskModel.create(config);
    const parallel = MultiTaskModel.create(config);
    const s1 = createStrategy(name, 3, 9);
    const s2 = createStrategy(name, 3, 9);
    // ε = 1: Adam's first step is then ≈ lr·g, so weight differences show gradient differences
    // (with a tiny ε, the first step is lr·sign(g) and float noise in near-zero gradients flips signs).
    const o1 = new Adam({ learningRate: 0.05, epsilon: 1 });
    const o2 = new Adam({ learningRate: 0.05, epsilon: 1 });
    const before = weightsOf(single);
    const options = { gradientsOn, wantGram: true } as const;
    for (let step = 0; step < 2; step++) {
      const batch = toBatch(data, rows, single.tasks.map((t) => t.name));
      const a = trainStep(single, batch, single.tasks, s1, o1, options);
      disposeBatch(batch);
      const b = pool.step(parallel, data, rows, parallel.tasks, s2, o2, options);
      b.losses.forEach((l, t) => expect(l).toBeCloseTo(a.losses[t] ?? NaN, 5));
      b.coefficients.forEach((c, t) => expect(c).toBeCloseTo(a.coefficients[t] ?? NaN, 4));
      b.weights.forEach((w, t) => expect(w).toBeCloseTo(a.weights[t] ?? NaN, 5));
      a.gram?.forEach((row, i) => row.forEach((v, j) => expect(b.gram?.[i]?.[j]).toBeCloseTo(v, 5)));
    }
    const wa = weightsOf(single);
    const wb = weightsOf(parallel);
    let maxDiff = 0;
    let moved = 0;
    for (let i = 0; i < wa.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs((wa[i] ?? 0) - (wb[i] ?? 0)));
      moved = Math.max(moved, Math.abs((wa[i] ?? 0) - (before[i] ?? 0)));
    }
    expect(moved).toBeGreaterThan(1e-3);
    expect(maxDiff).toBeLessThan(1e-6);
    single.dispose();
    parallel.dispose();
  });

  it('train() with workers follows the single-threaded run (losses, telemetry, final predictions)', () => {
    const data = maskedData(96, 8);
    const run = (parallel?: DataParallel) => {
      const model = MultiTaskModel.create(config);
      const events: TrainingEvent[] = [];
      const r = train(model, data, { epochs: 3, batchSize: 64, strategy: 'pcgrad', telemetryEvery: 2, seed: 3, onEvent: (e) => events.push(e), ...(parallel ? { parallel } : {}) });
      const pred = model.predict({ city: data.inputs.city?.x ?? new Float32Array(), factory: data.inputs.factory?.x ?? new Float32Array() });
      model.dispose();
      return { r, events, pred };
    };
    const a = run();
    const b = run(pool);
    expect(b.r.steps).toBe(a.r.steps);
    b.r.history.forEach((h, e) => {
      for (const [task, loss] of Object.entries(h.losses)) expect(loss).toBeCloseTo(a.r.history[e]?.losses[task] ?? NaN, 3);
    });
    expect(b.events.map((e) => e.type)).toEqual(a.events.map((e) => e.type));
    const cosA = a.events.flatMap((e) => (e.type === 'step' ? [e.conflict?.cosine[0]?.[1] ?? NaN] : []));
    const cosB = b.events.flatMap((e) => (e.type === 'step' ? [e.conflict?.cosine[0]?.[1] ?? NaN] : []));
    cosB.forEach((c, i) => expect(c).toBeCloseTo(cosA[i] ?? NaN, 2));
    const pa = a.pred.traffic;
    const pb = b.pred.traffic;
    if (pa?.kind !== 'regression' || pb?.kind !== 'regression') throw new Error('regression expected');
    pb.point.forEach((v, i) => expect(v).toBeCloseTo(pa.point[i] ?? NaN, 3));
  });

  it('reports a worker failure instead of hanging, and refuses further steps', async () => {
    const broken = await DataParallel.create({ workers: 1 });
    try {
      const model = MultiTaskModel.create(config);
      const data = maskedData(8, 1);
      // Factory windows with 5 channels for a 2-channel stem: the forward pass throws. One row: this
      // thread's shard is empty, so the failure happens in the worker while this thread waits for it.
      data.inputs.factory = { n: 8, features: 5, x: new Float32Array(8 * L * 5) };
      const rows = { factory: [0] };
      const step = () => broken.step(model, data, rows, model.tasks, createStrategy('equal', 3), new Adam(), { gradientsOn: 'representation', wantGram: false });
      expect(step).toThrow(/worker/);
      expect(step).toThrow(/worker/);
      model.dispose();
    } finally {
      await broken.close();
    }
  }, 30_000);
});
