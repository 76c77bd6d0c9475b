import type { TaskDefinition } from '@headstream/core';
import type { MultiTaskModel } from '../architecture/model.js';
import { tf, type Tensor } from '../tf.js';
import type { Gram, WeightingStrategy } from '../weighting/types.js';
import type { Batch } from './data.js';
import { taskLoss } from './losses.js';
import type { GradientSite } from './telemetry.js';

export interface StepOptions {
  gradientsOn: GradientSite;
  /** Compute the Gram matrix this step even if the strategy does not need it (telemetry). */
  wantGram: boolean;
}

export interface StepResult {
  /** Unweighted per-task losses (0 for a task without labels in the batch). */
  losses: number[];
  weights: number[];
  /** α: the shared gradient was Σ α_t g_t. */
  coefficients: number[];
  jointLoss: number;
  gram?: number[][];
}

function gramOf(g: Tensor, tasks: number): number[][] {
  const flat = tf.tidy(() => tf.matMul(g, g, false, true).dataSync());
  return Array.from({ length: tasks }, (_, i) => Array.from({ length: tasks }, (__, j) => flat[i * tasks + j] ?? 0));
}

/**
 * One optimisation step of `tasks` on the model.
 *
 * Representation mode (default): the encoder output is fanned out to T identical copies through a custom
 * gradient, each task's head reads its own copy, and the backward pass therefore delivers every task's
 * gradient g_t on the shared representation separately, in one pass. The strategy turns them (via their
 * Gram matrix) into coefficients α; Σ α_t g_t continues into the encoder. Heads train on λ_t·l_t.
 *
 * Parameter mode: one backward pass per task over the shared parameters (exact, ~T× the cost).
 */
export function trainStep(
  model: MultiTaskModel,
  batch: Batch,
  tasks: readonly TaskDefinition[],
  strategy: WeightingStrategy,
  optimizer: tf.Optimizer,
  options: StepOptions,
): StepResult {
  const lambda = strategy.lossWeights();
  const needGram = (strategy.needsGradients || options.wantGram) && tasks.length > 1;
  const live = tasks.filter((t) => batch.labels[t.name] && batch.inputs[model.inputOf(t)]);
  const inputs = model.inputsFor(tasks);
  const shared = [...inputs.flatMap((i) => model.params.variables(`stem/${i}/`)), ...model.params.variables('encoder/')];
  let losses = new Array<number>(tasks.length).fill(0);
  let gram: number[][] | undefined;
  let alpha: number[] = [];

  const lossFor = (t: TaskDefinition, rep: Tensor, start: number, size: number): Tensor => {
    const labels = batch.labels[t.name];
    if (!labels) return tf.scalar(0);
    const [, p, d] = rep.shape as [number, number, number];
    return taskLoss(t, model.forwardHead(t, tf.slice(rep, [start, 0, 0], [size, p, d])), labels);
  };

  let grads: Record<string, Tensor>;
  if (options.gradientsOn === 'representation') {
    const result = tf.variableGrads(() => {
      const { rep, rows } = model.forwardShared(batch.inputs);
      const shape = rep.shape;
      const fan = tf.customGrad((...args) => ({
        value: tf.tile(tf.expandDims(args[0] as Tensor, 0), [tasks.length, 1, 1, 1]),
        gradFunc: (dy: Tensor) => {
          const g = tf.reshape(dy, [tasks.length, -1]);
          if (needGram) gram = gramOf(g, tasks.length);
          alpha = strategy.combine(losses, gram);
          return tf.reshape(tf.matMul(tf.tensor2d(alpha, [1, tasks.length]), g), shape);
        },
      }));
      const copies = fan(rep);
      const [, b, p, d] = copies.shape as [number, number, number, number];
      const parts = tasks.map((t, i) => {
        const r = rows[model.inputOf(t)];
        if (!r || !live.includes(t)) return tf.scalar(0);
        return lossFor(t, tf.reshape(tf.slice(copies, [i, 0, 0, 0], [1, b, p, d]), [b, p, d]), r.start, r.size);
      });
      losses = parts.map((l) => l.dataSync()[0] ?? 0);
      return tf.addN(parts) as tf.Scalar;
    }, [...shared, ...tasks.flatMap((t) => model.headVariables(t.name))]);
    result.value.dispose();
    grads = result.grads;
    scaleHeads(model, tasks, lambda, grads);
  } else {
    grads = parameterModeGrads(model, batch, tasks, shared, lossFor, strategy, needGram, (l, g, a) => {
      losses = l;
      gram = g;
      alpha = a;
    });
    scaleHeads(model, tasks, lambda, grads);
  }
  optimizer.applyGradients(grads);
  tf.dispose(Object.values(grads));
  strategy.afterStep?.(losses, gram);
  const jointLoss = losses.reduce((a, l, t) => a + (lambda[t] ?? 1) * l, 0) + (strategy.regulariser?.() ?? 0);
  return { losses, weights: lambda, coefficients: alpha, jointLoss, ...(gram ? { gram } : {}) };
}

/** Heads see only their own loss, so scaling their gradient by λ_t is exactly the gradient of λ_t·l_t. */
function scaleHeads(model: MultiTaskModel, tasks: readonly TaskDefinition[], lambda: number[], grads: Record<string, Tensor>): void {
  tasks.forEach((t, i) => {
    const w = lambda[i] ?? 1;
    if (w === 1) return;
    for (const v of model.headVariables(t.name)) {
      const g = grads[v.name];
      if (!g) continue;
      grads[v.name] = tf.mul(g, w);
      g.dispose();
    }
  });
}

function parameterModeGrads(
  model: MultiTaskModel,
  batch: Batch,
  tasks: readonly TaskDefinition[],
  shared: tf.Variable[],
  lossFor: (t: TaskDefinition, rep: Tensor, start: number, size: number) => Tensor,
  strategy: WeightingStrategy,
  needGram: boolean,
  report: (losses: number[], gram: number[][] | undefined, alpha: number[]) => void,
): Record<string, Tensor> {
  const losses: number[] = [];
  const perTask: Record<string, Tensor>[] = [];
  for (const t of tasks) {
    const input = model.inputOf(t);
    if (!batch.labels[t.name] || !batch.inputs[input]) {
      losses.push(0);
      perTask.push({});
      continue;
    }
    // Only this task's input goes through the trunk: other inputs cannot affect l_t.
    const r = tf.variableGrads(() => {
      const { rep } = model.forwardShared({ [input]: batch.inputs[input] as Tensor });
      return lossFor(t, rep, 0, rep.shape[0] ?? 0) as tf.Scalar;
    }, [...shared, ...model.headVariables(t.name)]);
    losses.push(r.value.dataSync()[0] ?? 0);
    r.value.dispose();
    perTask.push(r.grads);
  }
  const out: Record<string, Tensor> = {};
  const flat = tf.tidy(() =>
    tf.stack(perTask.map((g) => tf.concat(shared.map((v) => tf.reshape(g[v.name] ?? tf.zerosLike(v), [-1]))))),
  );
  const gram: Gram | undefined = needGram ? gramOf(flat, tasks.length) : undefined;
  flat.dispose();
  const alpha = strategy.combine(losses, gram);
  for (const v of shared) {
    const parts = perTask.map((g, i) => [g[v.name], alpha[i] ?? 0] as const).filter((p): p is readonly [Tensor, number] => p[0] !== undefined);
    if (parts.length) out[v.name] = tf.tidy(() => tf.addN(parts.map(([g, a]) => tf.mul(g, a))));
  }
  tasks.forEach((t, i) => {
    for (const v of model.headVariables(t.name)) {
      const g = perTask[i]?.[v.name];
      if (g) out[v.name] = tf.clone(g);
    }
  });
  for (const g of perTask) tf.dispose(Object.values(g));
  report(losses, gram ? gram.map((r) => [...r]) : undefined, alpha);
  return out;
}
