import type { MultiTaskModel } from '../architecture/model.js';
import { tf } from '../tf.js';

/**
 * Where each parameter lives in one flat float32 vector: the unit in which gradients are summed across
 * data-parallel shards, weights are broadcast, and the optimizer runs. Order = ParamStore.names() (sorted).
 */
export interface ParamLayout {
  names: string[];
  shapes: number[][];
  offsets: number[];
  sizes: number[];
  total: number;
  /** Per parameter: the task whose head owns it, or undefined for shared parameters (stems, encoder). */
  head: (string | undefined)[];
}

export function paramLayout(model: MultiTaskModel): ParamLayout {
  const names = model.params.names();
  const shapes: number[][] = [];
  const offsets: number[] = [];
  const sizes: number[] = [];
  const head: (string | undefined)[] = [];
  let total = 0;
  for (const name of names) {
    const v = model.params.get(name);
    shapes.push([...v.shape]);
    offsets.push(total);
    sizes.push(v.size);
    head.push(name.startsWith('head/') ? name.split('/')[1] : undefined);
    total += v.size;
  }
  return { names, shapes, offsets, sizes, total, head };
}

/** Same names, shapes and order: two models (e.g. replicas in two threads) can exchange flat vectors. */
export function sameLayout(a: ParamLayout, b: ParamLayout): boolean {
  return a.total === b.total && a.names.length === b.names.length && a.names.every((n, i) => n === b.names[i] && a.shapes[i]?.join('x') === b.shapes[i]?.join('x'));
}

/** Copies the model's weights into `out` (allocated when omitted). */
export function readWeights<T extends Float32Array<ArrayBufferLike>>(model: MultiTaskModel, layout: ParamLayout, out: T): T {
  layout.names.forEach((name, i) => out.set(model.params.get(name).dataSync(), layout.offsets[i]));
  return out;
}

/** Assigns the model's variables from a flat vector. */
export function writeWeights(model: MultiTaskModel, layout: ParamLayout, weights: Float32Array<ArrayBufferLike>): void {
  layout.names.forEach((name, i) => {
    const o = layout.offsets[i] ?? 0;
    // slice (a copy): the cpu backend keeps the array it is given, which must not alias a reused buffer.
    const t = tf.tensor(weights.slice(o, o + (layout.sizes[i] ?? 0)), layout.shapes[i]);
    model.params.get(name).assign(t);
    t.dispose();
  });
}

function checkDecay(decay: number): number {
  if (!(decay >= 0 && decay < 1)) throw new Error(`averageDecay ${decay} is not in [0, 1)`);
  return decay;
}

export interface AdamOptions {
  learningRate?: number;
  beta1?: number;
  beta2?: number;
  epsilon?: number;
  /**
   * Decay of an exponential moving average of the weights after each update (0 = none). The average,
   * not the last iterate, is what generalises: the last mini-batches' noise averages out (Polyak).
   */
  averageDecay?: number;
}

/**
 * Adam (Kingma & Ba) on the flat parameter vector, in plain JS. tf.train.adam runs ~13 kernels per
 * variable (≈500 per step for the default model: ~20 ms on wasm, a fifth of a step); this loop over
 * ~23k floats takes well under a millisecond, runs identically on every backend and thread, and makes
 * the data-parallel update a pure function of the summed gradient. Same defaults as tf.train.adam.
 */
export class Adam {
  /** Step size of the next update; a schedule may change it between steps. */
  learningRate: number;
  private readonly beta1: number;
  private readonly beta2: number;
  private readonly epsilon: number;
  private m: Float64Array | undefined;
  private v: Float64Array | undefined;
  private t = 0;
  private averageDecay: number;
  private average: Float64Array | undefined;
  private averaged = 0;

  constructor(options: AdamOptions = {}) {
    this.learningRate = options.learningRate ?? 1e-3;
    this.beta1 = options.beta1 ?? 0.9;
    this.beta2 = options.beta2 ?? 0.999;
    this.epsilon = options.epsilon ?? 1e-7;
    this.averageDecay = checkDecay(options.averageDecay ?? 0);
  }

  /** The bias-corrected moving average of the weights since the last reset (undefined without averaging or updates). */
  averageWeights(): Float32Array | undefined {
    const a = this.average;
    if (!a || this.averaged === 0) return undefined;
    const c = 1 - this.averageDecay ** this.averaged;
    return Float32Array.from(a, (x) => x / c);
  }

  /** Starts the average afresh (a new training phase), optionally with another decay. */
  resetAverage(decay = this.averageDecay): void {
    this.averageDecay = checkDecay(decay);
    this.average = undefined;
    this.averaged = 0;
  }

  get steps(): number {
    return this.t;
  }

  /** weights ← weights − lr·m̂/(√v̂ + ε), in place. */
  update(weights: Float32Array<ArrayBufferLike>, grads: Float32Array<ArrayBufferLike>): void {
    if (grads.length !== weights.length) throw new Error(`gradient has ${grads.length} entries, weights ${weights.length}`);
    if (!this.m || this.m.length !== weights.length) {
      this.m = new Float64Array(weights.length);
      this.v = new Float64Array(weights.length);
      this.t = 0;
    }
    const m = this.m;
    const v = this.v as Float64Array;
    this.t++;
    const { beta1: b1, beta2: b2 } = this;
    const c1 = 1 - b1 ** this.t;
    const c2 = 1 - b2 ** this.t;
    for (let i = 0; i < weights.length; i++) {
      const g = grads[i] ?? 0;
      const mi = b1 * (m[i] ?? 0) + (1 - b1) * g;
      const vi = b2 * (v[i] ?? 0) + (1 - b2) * g * g;
      m[i] = mi;
      v[i] = vi;
      weights[i] = (weights[i] ?? 0) - (this.learningRate * (mi / c1)) / (Math.sqrt(vi / c2) + this.epsilon);
    }
    if (this.averageDecay > 0) {
      if (!this.average || this.average.length !== weights.length) {
        this.average = new Float64Array(weights.length);
        this.averaged = 0;
      }
      const a = this.average;
      const d = this.averageDecay;
      for (let i = 0; i < weights.length; i++) a[i] = d * (a[i] ?? 0) + (1 - d) * (weights[i] ?? 0);
      this.averaged++;
    }
  }

  /** One step on a model: reads its weights, updates them with `grads` (flat, `layout` order), writes them back. */
  apply(model: MultiTaskModel, layout: ParamLayout, grads: Float32Array<ArrayBufferLike>, weights = new Float32Array(layout.total)): Float32Array {
    readWeights(model, layout, weights);
    this.update(weights, grads);
    writeWeights(model, layout, weights);
    return weights;
  }
}
