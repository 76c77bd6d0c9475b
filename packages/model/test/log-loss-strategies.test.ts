import { taskDefinitionSchema, type TaskDefinition } from '@headstream/core';
import { TASKS } from '@headstream/tasks';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  Adam,
  combinePerTask,
  computeGradients,
  createStrategy,
  disposeBatch,
  MultiTaskModel,
  paramLayout,
  syntheticData,
  taskLoss,
  tf,
  toBatch,
  train,
  trainStep,
  type ModelConfig,
  type StrategyName,
} from '../src/index.js';

const L = 8;
const city = (name: 'traffic' | 'air_quality'): TaskDefinition => taskDefinitionSchema.parse({ ...TASKS[name], horizons: [1, 2], quantiles: [0.1, 0.5, 0.9], lookback: L });
const config: ModelConfig = {
  tasks: [city('traffic'), city('air_quality'), { ...TASKS.fault, lookback: L }],
  inputs: { city: { features: 3 }, factory: { features: 2 } },
  lookback: L,
  encoder: { kind: 'mixer', dModel: 8, layers: 1, patch: 4, hidden: 16, heads: 2 },
  headHidden: 8,
  seed: 6,
};

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** ∇ Σ_t log l_t over every parameter, by autodiff of the log losses themselves (flat, in layout order). */
function logLossGradient(model: MultiTaskModel, batch: ReturnType<typeof toBatch>): Float32Array {
  const layout = paramLayout(model);
  const r = tf.variableGrads(() => {
    const { rep, rows } = model.forwardShared(batch.inputs);
    const parts = model.tasks.map((t) => {
      const input = model.inputOf(t);
      const at = rows[input];
      const labels = batch.labels[t.name];
      if (!at || !labels) throw new Error(`no rows for ${t.name}`);
      const [, p, d] = rep.shape as [number, number, number];
      const mine = tf.slice(rep, [at.start, 0, 0], [at.size, p, d]);
      return tf.log(taskLoss(t, model.forwardHead(t, mine, batch.inputs[input]), labels));
    });
    return tf.addN(parts) as tf.Scalar;
  }, model.params.variables(''));
  const out = new Float32Array(layout.total);
  layout.names.forEach((name, i) => {
    const g = r.grads[model.params.get(name).name];
    if (g) out.set(g.dataSync(), layout.offsets[i] ?? 0);
  });
  r.value.dispose();
  tf.dispose(Object.values(r.grads));
  return out;
}

function maxRelativeDiff(a: Float32Array, b: Float32Array): number {
  let scale = 0;
  let diff = 0;
  for (let i = 0; i < a.length; i++) {
    scale = Math.max(scale, Math.abs(b[i] ?? 0));
    diff = Math.max(diff, Math.abs((a[i] ?? 0) - (b[i] ?? 0)));
  }
  return diff / scale;
}

describe('log-loss strategies on a tiny model', () => {
  it('SI: one pass gives ∇ Σ log l_t (= Σ ∇l_t/l_t) on the trunk and every head, in both gradient modes', () => {
    const data = syntheticData(config, 24, 2);
    const model = MultiTaskModel.create(config);
    const names = model.tasks.map((t) => t.name);
    const rows = { city: Array.from({ length: 24 }, (_, i) => i), factory: Array.from({ length: 24 }, (_, i) => i) };
    const batch = toBatch(data, rows, names);
    const expected = logLossGradient(model, batch);

    const si = createStrategy('si', 3);
    const rep = computeGradients(model, batch, model.tasks, { gradientsOn: 'representation', needGram: false, lambda: 'alpha', exchange: (l, g) => si.combine(l, g) });
    expect(rep.losses.every((l) => l > 0)).toBe(true);
    expect(rep.alpha?.[0]).toBeCloseTo(1 / (rep.losses[0] ?? NaN), 4);
    expect(maxRelativeDiff(rep.grads as Float32Array, expected)).toBeLessThan(1e-4);

    const par = computeGradients(model, batch, model.tasks, { gradientsOn: 'parameters', needGram: false, lambda: 'alpha', exchange: (l, g) => si.combine(l, g) });
    const combined = combinePerTask(paramLayout(model), model.tasks, par.perTask as Float32Array, par.losses, 'alpha', true, (l, g) => si.combine(l, g));
    expect(maxRelativeDiff(combined.grads, expected)).toBeLessThan(1e-4);

    // Equal weights would give a different update (the check can fail).
    const eq = computeGradients(model, batch, model.tasks, { gradientsOn: 'representation', needGram: false, lambda: [1, 1, 1], exchange: () => [1, 1, 1] });
    expect(maxRelativeDiff(eq.grads as Float32Array, expected)).toBeGreaterThan(0.01);
    disposeBatch(batch);
    model.dispose();
  });

  it('trainStep reports the loss-dependent weights it used (λ = α)', () => {
    const data = syntheticData(config, 16, 4);
    const model = MultiTaskModel.create(config);
    const batch = toBatch(data, { city: [...Array(16).keys()], factory: [...Array(16).keys()] }, model.tasks.map((t) => t.name));
    const r = trainStep(model, batch, model.tasks, createStrategy('famo', 3), new Adam(), { gradientsOn: 'representation', wantGram: true });
    expect(r.weights).toEqual(r.coefficients);
    // z uniform on the first step: λ_t ∝ 1/l_t, summing to T.
    expect(r.weights.reduce((a, b) => a + b, 0)).toBeCloseTo(3, 5);
    expect((r.weights[0] ?? 0) * (r.losses[0] ?? 0)).toBeCloseTo((r.weights[1] ?? 0) * (r.losses[1] ?? 0), 4);
    disposeBatch(batch);
    model.dispose();
  });

  it.each<StrategyName>(['famo', 'si'])('a short training run with %s stays finite and learns', (strategy) => {
    const data = syntheticData(config, 64, 5);
    const model = MultiTaskModel.create(config);
    const instance = createStrategy(strategy, 3);
    const r = train(model, data, { epochs: 4, batchSize: 16, strategy: instance, telemetryEvery: 3, gradientsOn: 'parameters', seed: 2 });
    const first = r.history[0]?.losses ?? {};
    const last = r.history.at(-1)?.losses ?? {};
    for (const h of r.history) for (const v of Object.values(h.losses)) expect(Number.isFinite(v)).toBe(true);
    const state = instance.state();
    for (const v of Object.values(state).flat()) expect(Number.isFinite(v)).toBe(true);
    if (strategy === 'famo') {
      const z = state.z as number[];
      expect(z.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
      expect(Math.max(...z) - Math.min(...z)).toBeGreaterThan(0);
    }
    const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + Math.log(b), 0);
    expect(sum(last)).toBeLessThan(sum(first));
    model.dispose();
  });
});
