import type { TaskDefinition } from '@headstream/core';
import type { MultiTaskModel } from '../architecture/model.js';
import { tf, type Tensor } from '../tf.js';
import type { WeightingStrategy } from '../weighting/types.js';
import type { Batch } from './data.js';
import { lookaheadAffinity } from './affinity.js';
import { taskLoss } from './losses.js';
import { paramLayout, type Adam, type ParamLayout } from './optimizer.js';
import type { GradientSite } from './telemetry.js';

export interface StepOptions {
  gradientsOn: GradientSite;
  /** Compute the Gram matrix this step even if the strategy does not need it (telemetry). */
  wantGram: boolean;
  /**
   * Measure the inter-task affinity before the update (lookaheadAffinity) with this lookahead step size.
   * Needs the per-task gradients: gradientsOn must be 'parameters'.
   */
  affinity?: number;
}

export interface StepResult {
  /** Unweighted per-task losses (0 for a task without labels in the batch). */
  losses: number[];
  weights: number[];
  /** α: the shared gradient was Σ α_t g_t. */
  coefficients: number[];
  jointLoss: number;
  gram?: number[][];
  /** Z[i][j]: lookahead affinity of task i onto task j on this batch (StepOptions.affinity). */
  affinity?: number[][];
}

/** What one replica needs to compute its share of a step's gradient. */
export interface GradientRequest {
  gradientsOn: GradientSite;
  needGram: boolean;
  /**
   * λ_t: each head's gradient is scaled by its task's loss weight. 'alpha': by this step's α, for a
   * strategy whose weights come from this step's losses (weightsFromLosses).
   */
  lambda: readonly number[] | 'alpha';
  /**
   * Labelled entries per task in the WHOLE batch. A data-parallel shard divides its summed loss by the
   * batch's count, not its own, so shard gradients add up to exactly the full-batch gradient.
   */
  denominators?: readonly number[];
  /**
   * Representation mode: called once, mid-backward, with this replica's losses and Gram matrix; returns
   * α. Single-threaded it is the strategy's combine(); a data-parallel shard sums both over the shards
   * first (rows are disjoint, so the full-batch Gram matrix is the sum of the shards').
   */
  exchange: (losses: number[], gram: number[][] | undefined) => number[];
}

export interface LocalGradients {
  /** Per-task losses of these rows (partial sums when `denominators` is the whole batch's). */
  losses: number[];
  /** Representation mode: flat gradient (ParamLayout order) of Σ α_t g_t through the trunk, λ_t·l_t for heads. */
  grads?: Float32Array<ArrayBufferLike>;
  gram?: number[][];
  alpha?: number[];
  /** Parameter mode: T rows of P: task t's own gradient (shared parameters and its head), to be combined. */
  perTask?: Float32Array;
}

const layouts = new WeakMap<MultiTaskModel, ParamLayout>();

/** The model's flat parameter layout (cached). */
export function layoutOf(model: MultiTaskModel): ParamLayout {
  let l = layouts.get(model);
  if (!l) {
    l = paramLayout(model);
    layouts.set(model, l);
  }
  return l;
}

function gramOf(g: Tensor, tasks: number): number[][] {
  const flat = tf.tidy(() => tf.matMul(g, tf.transpose(g)).dataSync());
  return Array.from({ length: tasks }, (_, i) => Array.from({ length: tasks }, (__, j) => flat[i * tasks + j] ?? 0));
}

const zeroGram = (t: number) => Array.from({ length: t }, () => new Array<number>(t).fill(0));

function sharedVariables(model: MultiTaskModel, tasks: readonly TaskDefinition[]): tf.Variable[] {
  return [...model.inputsFor(tasks).flatMap((i) => model.params.variables(`stem/${i}/`)), ...model.params.variables('encoder/')];
}

function flatten(model: MultiTaskModel, layout: ParamLayout, grads: Record<string, Tensor>, out: Float32Array<ArrayBufferLike>, offset = 0): void {
  layout.names.forEach((name, i) => {
    const g = grads[model.params.get(name).name];
    if (g) out.set(g.dataSync(), offset + (layout.offsets[i] ?? 0));
  });
}

/** Multiplies task t's head entries of a flat gradient by λ_t (heads see only their own loss). */
function scaleHeads(layout: ParamLayout, tasks: readonly TaskDefinition[], lambda: readonly number[], grads: Float32Array<ArrayBufferLike>): void {
  tasks.forEach((t, k) => {
    const w = lambda[k] ?? 1;
    if (w === 1) return;
    layout.head.forEach((owner, i) => {
      if (owner !== t.name) return;
      const o = layout.offsets[i] ?? 0;
      for (let j = o; j < o + (layout.sizes[i] ?? 0); j++) grads[j] = (grads[j] ?? 0) * w;
    });
  });
}

/**
 * This replica's gradients for `tasks` on `batch` (all of the batch single-threaded, one shard of it
 * data-parallel). Nothing is applied to the model.
 *
 * Representation mode (default): the encoder output is fanned out to T copies through a custom
 * gradient, each task's head reads its own copy, and the backward pass therefore delivers every task's
 * gradient g_t on the shared representation separately, in one pass. `exchange` turns them (via their
 * Gram matrix) into coefficients α; Σ α_t g_t continues into the encoder. Heads train on λ_t·l_t.
 *
 * Parameter mode: one backward pass per task over the shared parameters (exact, ~T× the cost); the
 * per-task gradients are returned for combinePerTask (after summing over shards when data-parallel).
 */
export function computeGradients(model: MultiTaskModel, batch: Batch, tasks: readonly TaskDefinition[], request: GradientRequest, out?: Float32Array<ArrayBufferLike>): LocalGradients {
  const layout = layoutOf(model);
  const T = tasks.length;
  const live = tasks.map((t) => batch.labels[t.name] !== undefined && batch.inputs[model.inputOf(t)] !== undefined);
  const shared = sharedVariables(model, tasks);
  const lossFor = (t: TaskDefinition, k: number, rep: Tensor, start: number, size: number): Tensor => {
    const labels = batch.labels[t.name];
    if (!labels) return tf.scalar(0);
    const [b, p, d] = rep.shape as [number, number, number];
    const rows = start === 0 && size === b ? rep : tf.slice(rep, [start, 0, 0], [size, p, d]);
    // A task's rows of rep are its whole input tensor (forwardShared stacks the inputs whole).
    return taskLoss(t, model.forwardHead(t, rows, batch.inputs[model.inputOf(t)]), labels, request.denominators?.[k]);
  };

  if (request.gradientsOn === 'parameters') {
    const perTask = new Float32Array(T * layout.total);
    const losses = tasks.map((t, k) => {
      if (!live[k]) return 0;
      const input = model.inputOf(t);
      // Only this task's input goes through the trunk: other inputs cannot affect l_t.
      const r = tf.variableGrads(() => {
        const { rep } = model.forwardShared({ [input]: batch.inputs[input] as Tensor });
        return lossFor(t, k, rep, 0, rep.shape[0] ?? 0) as tf.Scalar;
      }, [...shared, ...model.headVariables(t.name)]);
      const loss = r.value.dataSync()[0] ?? 0;
      flatten(model, layout, r.grads, perTask, k * layout.total);
      r.value.dispose();
      tf.dispose(Object.values(r.grads));
      return loss;
    });
    return { losses, perTask };
  }

  const grads = out ?? new Float32Array(layout.total);
  grads.fill(0);
  let losses = new Array<number>(T).fill(0);
  let gram: number[][] | undefined;
  let alpha: number[] | undefined;
  if (!live.some(Boolean)) {
    // Nothing to learn from these rows (an empty shard): still take part in the exchange.
    alpha = request.exchange(losses, request.needGram ? zeroGram(T) : undefined);
    return { losses, grads, alpha, ...(request.needGram ? { gram: zeroGram(T) } : {}) };
  }
  const result = tf.variableGrads(() => {
    const { rep, rows } = model.forwardShared(batch.inputs);
    const shape = rep.shape;
    const fan = tf.customGrad((...args) => ({
      // T copies stacked along the batch axis (concat + split: cheap on every backend, unlike tile on wasm).
      value: tf.concat(new Array<Tensor>(T).fill(args[0] as Tensor), 0),
      gradFunc: (dy: Tensor) => {
        const g = tf.reshape(dy, [T, -1]);
        gram = request.needGram ? gramOf(g, T) : undefined;
        alpha = request.exchange(losses, gram);
        return tf.reshape(tf.matMul(tf.tensor2d(alpha, [1, T]), g), shape);
      },
    }));
    const copies = T === 1 ? [fan(rep)] : tf.split(fan(rep), T, 0);
    const parts: Tensor[] = [];
    const values: (Tensor | undefined)[] = tasks.map((t, k) => {
      const r = rows[model.inputOf(t)];
      if (!r || !live[k]) return undefined;
      const l = lossFor(t, k, copies[k] as Tensor, r.start, r.size);
      parts.push(l);
      return l;
    });
    losses = values.map((l) => (l ? (l.dataSync()[0] ?? 0) : 0));
    return (parts.length === 1 ? parts[0] : tf.addN(parts)) as tf.Scalar;
  }, [...shared, ...tasks.flatMap((t) => model.headVariables(t.name))]);
  result.value.dispose();
  flatten(model, layout, result.grads, grads);
  tf.dispose(Object.values(result.grads));
  scaleHeads(layout, tasks, request.lambda === 'alpha' ? (alpha ?? []) : request.lambda, grads);
  return { losses, grads, ...(alpha ? { alpha } : {}), ...(gram ? { gram } : {}) };
}

/**
 * Parameter mode: from T per-task gradients (rows of `perTask`), the Gram matrix on the shared
 * parameters, α from the strategy, and the update Σ α_t g_t on shared parameters and λ_t·g_t on head t.
 */
export function combinePerTask(
  layout: ParamLayout,
  tasks: readonly TaskDefinition[],
  perTask: Float32Array,
  losses: number[],
  lambda: readonly number[] | 'alpha',
  needGram: boolean,
  combine: (losses: number[], gram: number[][] | undefined) => number[],
): { grads: Float32Array<ArrayBufferLike>; alpha: number[]; gram?: number[][] } {
  const T = tasks.length;
  const P = layout.total;
  const sharedRanges = layout.head.map((h, i) => [h, layout.offsets[i] ?? 0, (layout.offsets[i] ?? 0) + (layout.sizes[i] ?? 0)] as const).filter(([h]) => h === undefined);
  let gram: number[][] | undefined;
  if (needGram) {
    gram = zeroGram(T);
    for (let i = 0; i < T; i++) {
      for (let j = i; j < T; j++) {
        let s = 0;
        for (const [, a, b] of sharedRanges) for (let k = a; k < b; k++) s += (perTask[i * P + k] ?? 0) * (perTask[j * P + k] ?? 0);
        (gram[i] as number[])[j] = s;
        (gram[j] as number[])[i] = s;
      }
    }
  }
  const alpha = combine(losses, gram);
  const heads = lambda === 'alpha' ? alpha : lambda;
  const grads = new Float32Array(P);
  for (const [, a, b] of sharedRanges) {
    for (let k = a; k < b; k++) {
      let s = 0;
      for (let t = 0; t < T; t++) s += (alpha[t] ?? 0) * (perTask[t * P + k] ?? 0);
      grads[k] = s;
    }
  }
  tasks.forEach((task, t) => {
    layout.head.forEach((owner, i) => {
      if (owner !== task.name) return;
      const o = layout.offsets[i] ?? 0;
      for (let k = o; k < o + (layout.sizes[i] ?? 0); k++) grads[k] = (heads[t] ?? 1) * (perTask[t * P + k] ?? 0);
    });
  });
  return { grads, alpha, ...(gram ? { gram } : {}) };
}

/** One optimisation step of `tasks` on the model, in this thread (see computeGradients). */
export function trainStep(model: MultiTaskModel, batch: Batch, tasks: readonly TaskDefinition[], strategy: WeightingStrategy, optimizer: Adam, options: StepOptions): StepResult {
  const lambda = headWeights(strategy);
  const needGram = (strategy.needsGradients || options.wantGram) && tasks.length > 1;
  const combine = (l: number[], g: number[][] | undefined) => strategy.combine(l, g);
  const local = computeGradients(model, batch, tasks, { gradientsOn: options.gradientsOn, needGram, lambda, exchange: combine });
  const layout = layoutOf(model);
  let affinity: number[][] | undefined;
  if (options.affinity !== undefined && tasks.length > 1) {
    if (!local.perTask) throw new Error("the lookahead affinity needs per-task gradients on the parameters (gradientsOn: 'parameters')");
    affinity = lookaheadAffinity(model, batch, tasks, layout, local.perTask, options.affinity);
  }
  const r = local.perTask ? combinePerTask(layout, tasks, local.perTask, local.losses, lambda, needGram, combine) : { grads: local.grads as Float32Array, alpha: local.alpha ?? [], gram: local.gram };
  optimizer.apply(model, layout, r.grads);
  const result = finishStep(strategy, local.losses, lambda === 'alpha' ? r.alpha : lambda, r.alpha, r.gram);
  return affinity ? { ...result, affinity } : result;
}

/** λ for a step: the strategy's loss weights, or 'alpha' when they depend on this step's losses. */
export function headWeights(strategy: WeightingStrategy): number[] | 'alpha' {
  return strategy.weightsFromLosses ? 'alpha' : strategy.lossWeights();
}

/** Strategy bookkeeping after the update (shared by the single-threaded and data-parallel steps). */
export function finishStep(strategy: WeightingStrategy, losses: number[], lambda: number[], alpha: number[], gram: number[][] | undefined): StepResult {
  strategy.afterStep?.(losses, gram);
  const jointLoss = losses.reduce((a, l, t) => a + (lambda[t] ?? 1) * l, 0) + (strategy.regulariser?.() ?? 0);
  return { losses, weights: lambda, coefficients: alpha, jointLoss, ...(gram ? { gram } : {}) };
}
