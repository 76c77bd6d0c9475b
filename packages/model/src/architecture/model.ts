import type { TaskDefinition } from '@headstream/core';
import type { LinearPath } from './config.js';
import { tf, type Tensor } from '../tf.js';
import { inputOf, linearPathOf, outputSize, validateConfig, type ModelConfig } from './config.js';
import { applyEncoder, createEncoder } from './encoders.js';
import { applyHead, createHead } from './heads.js';
import { flopCounter } from './ops.js';
import { ParamStore } from './params.js';
import { applyStem, createStems } from './stems.js';

export type TaskPrediction =
  | {
      kind: 'regression';
      n: number;
      horizons: number;
      quantiles: number[];
      /** n × horizons × quantiles, scaled units, sorted along quantiles (no crossing). */
      values: Float32Array;
      /** n × horizons: the median (or the quantile nearest 0.5), scaled units. */
      point: Float32Array;
    }
  | { kind: 'classification'; n: number; classes: number; probabilities: Float32Array; label: Int32Array; anomaly: Float32Array };

/** Rows of the concatenated batch that belong to each input. */
export type RowMap = Record<string, { start: number; size: number }>;

/**
 * Stems → one shared encoder → per-task pooling and heads (LibMTL's architecture/ split: this class
 * only wires modules; strategies and the training loop live elsewhere).
 */
export class MultiTaskModel {
  readonly params: ParamStore;
  readonly tasks: readonly TaskDefinition[];

  private constructor(readonly config: ModelConfig) {
    validateConfig(config);
    this.tasks = config.tasks;
    this.params = new ParamStore(config.seed);
    const linear = linearPathOf(config);
    if (linear !== 'only') {
      createStems(this.params, config);
      createEncoder(this.params, config.encoder, config.lookback / config.encoder.patch);
    }
    for (const t of config.tasks) {
      const features = config.inputs[inputOf(config, t)]?.features ?? 0;
      createHead(this.params, t, { dModel: config.encoder.dModel, hidden: config.headHidden, lookback: config.lookback, features, linear });
    }
  }

  /** The heads' linear autoregressive path (ModelConfig.linear). */
  get linear(): LinearPath {
    return linearPathOf(this.config);
  }

  static create(config: ModelConfig): MultiTaskModel {
    return new MultiTaskModel(structuredClone(config));
  }

  task(name: string): TaskDefinition {
    const t = this.tasks.find((x) => x.name === name);
    if (!t) throw new Error(`model has no task ${name}`);
    return t;
  }

  inputOf(task: TaskDefinition): string {
    return inputOf(this.config, task);
  }

  /** Inputs that at least one of `tasks` reads, in config order. */
  inputsFor(tasks: readonly TaskDefinition[]): string[] {
    const used = new Set(tasks.map((t) => this.inputOf(t)));
    return Object.keys(this.config.inputs).filter((i) => used.has(i));
  }

  /**
   * Stems per input, concatenated along the batch, then the encoder once: rep [B, tokens, d]. A linear-only
   * model has no trunk: rep is its one input window.
   */
  forwardShared(inputs: Record<string, Tensor>): { rep: Tensor; rows: RowMap } {
    const rows: RowMap = {};
    if (this.linear === 'only') {
      const [name] = Object.keys(this.config.inputs) as [string];
      const x = inputs[name];
      if (!x || x.shape[0] === 0) throw new Error('empty batch');
      return { rep: x, rows: { [name]: { start: 0, size: x.shape[0] ?? 0 } } };
    }
    const parts: Tensor[] = [];
    let start = 0;
    for (const name of Object.keys(this.config.inputs)) {
      const x = inputs[name];
      if (!x || x.shape[0] === 0) continue;
      parts.push(applyStem(this.params, this.config, name, x));
      rows[name] = { start, size: x.shape[0] ?? 0 };
      start += x.shape[0] ?? 0;
    }
    if (parts.length === 0) throw new Error('empty batch');
    const tokens = parts.length === 1 ? (parts[0] as Tensor) : tf.concat(parts, 0);
    return { rep: applyEncoder(this.params, this.config.encoder, tokens), rows };
  }

  /** Task head on its rows of the representation; `x` = the same rows of the task's input window (the linear path reads it). */
  forwardHead(task: TaskDefinition, rep: Tensor, x?: Tensor): Tensor {
    return applyHead(this.params, task, rep, x, this.linear);
  }

  /** Parameters every task of the model trains: stems and encoder. */
  sharedVariables(): tf.Variable[] {
    return [...this.params.variables('stem/'), ...this.params.variables('encoder/')];
  }

  headVariables(task: string): tf.Variable[] {
    return this.params.variables(`head/${task}/`);
  }

  parameterCounts(): { total: number; shared: number; heads: Record<string, number> } {
    const heads = Object.fromEntries(this.tasks.map((t) => [t.name, this.params.count(`head/${t.name}/`)]));
    return { total: this.params.count(), shared: this.params.count('stem/') + this.params.count('encoder/'), heads };
  }

  /**
   * Forward FLOPs per window (matMuls, 2 per multiply-add) for the given tasks: one window through
   * its stem and the encoder, plus each task's head.
   */
  flopsPerWindow(tasks: readonly string[] = this.tasks.map((t) => t.name)): number {
    const defs = tasks.map((t) => this.task(t));
    flopCounter.flops = 0;
    flopCounter.enabled = true;
    try {
      tf.tidy(() => {
        const inputs = Object.fromEntries(this.inputsFor(defs).map((i) => [i, tf.zeros([1, this.config.lookback, this.config.inputs[i]?.features ?? 0])]));
        const { rep, rows } = this.forwardShared(inputs);
        for (const t of defs) {
          const r = rows[this.inputOf(t)];
          if (r) this.forwardHead(t, tf.slice(rep, [r.start], [r.size]), inputs[this.inputOf(t)]);
        }
      });
      return flopCounter.flops;
    } finally {
      flopCounter.enabled = false;
    }
  }

  /**
   * Batched inference. `inputs[name]` is n_name × lookback × features (features' WindowSet.x).
   * Returns each requested task's decoded outputs for the windows of its input.
   */
  predict(inputs: Record<string, Float32Array>, options: { tasks?: readonly string[]; batchSize?: number } = {}): Record<string, TaskPrediction> {
    const defs = (options.tasks ?? this.tasks.map((t) => t.name)).map((t) => this.task(t));
    const batch = options.batchSize ?? 512;
    const raw = new Map<string, Float32Array[]>(defs.map((t) => [t.name, []]));
    const counts: Record<string, number> = {};
    for (const name of this.inputsFor(defs)) {
      const x = inputs[name];
      const f = this.config.inputs[name]?.features ?? 0;
      const per = this.config.lookback * f;
      if (!x) throw new Error(`missing input ${name}`);
      const n = x.length / per;
      counts[name] = n;
      for (let s = 0; s < n; s += batch) {
        const size = Math.min(batch, n - s);
        const outs = tf.tidy(() => {
          const xt = tf.tensor3d(x.subarray(s * per, (s + size) * per), [size, this.config.lookback, f]);
          const { rep } = this.forwardShared({ [name]: xt });
          return defs.filter((t) => this.inputOf(t) === name).map((t) => [t.name, this.forwardHead(t, rep, xt)] as const);
        });
        for (const [task, out] of outs) {
          raw.get(task)?.push(out.dataSync() as Float32Array);
          out.dispose();
        }
      }
    }
    const result: Record<string, TaskPrediction> = {};
    for (const t of defs) {
      const chunks = raw.get(t.name) ?? [];
      const all = new Float32Array(chunks.reduce((a, c) => a + c.length, 0));
      let o = 0;
      for (const c of chunks) {
        all.set(c, o);
        o += c.length;
      }
      result[t.name] = decode(t, all, counts[this.inputOf(t)] ?? 0);
    }
    return result;
  }

  dispose(): void {
    this.params.dispose();
  }
}

/** Turns raw head outputs into forecasts / class probabilities. */
export function decode(task: TaskDefinition, raw: Float32Array, n: number): TaskPrediction {
  const width = outputSize(task);
  if (task.kind === 'regression') {
    const h = task.horizons.length;
    const q = task.quantiles.length;
    const order = task.quantiles.map((v, i) => [v, i] as const).sort((a, b) => a[0] - b[0]);
    const mid = order.reduce((best, cur, k) => (Math.abs(cur[0] - 0.5) < Math.abs((order[best]?.[0] ?? 0) - 0.5) ? k : best), 0);
    const values = new Float32Array(n * h * q);
    const point = new Float32Array(n * h);
    const tmp: number[] = new Array<number>(q);
    for (let i = 0; i < n; i++) {
      for (let k = 0; k < h; k++) {
        for (let j = 0; j < q; j++) tmp[j] = raw[i * width + k * q + j] ?? 0;
        // Quantile heads can cross; sorting restores a valid interval without retraining.
        tmp.sort((a, b) => a - b);
        for (let j = 0; j < q; j++) values[(i * h + k) * q + j] = tmp[j] ?? 0;
        point[i * h + k] = tmp[mid] ?? 0;
      }
    }
    return { kind: 'regression', n, horizons: h, quantiles: order.map((o) => o[0]), values, point };
  }
  const k = task.classes.length;
  const probabilities = new Float32Array(n * k);
  const label = new Int32Array(n);
  const anomaly = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let c = 0; c < k; c++) max = Math.max(max, raw[i * width + c] ?? 0);
    let sum = 0;
    for (let c = 0; c < k; c++) sum += Math.exp((raw[i * width + c] ?? 0) - max);
    let best = 0;
    for (let c = 0; c < k; c++) {
      const p = Math.exp((raw[i * width + c] ?? 0) - max) / sum;
      probabilities[i * k + c] = p;
      if (p > (probabilities[i * k + best] ?? 0)) best = c;
    }
    label[i] = best;
    // Without a dedicated logit, 1 − p(normal) is the natural anomaly score.
    anomaly[i] = task.anomalyScore ? 1 / (1 + Math.exp(-(raw[i * width + k] ?? 0))) : 1 - (probabilities[i * k] ?? 0);
  }
  return { kind: 'classification', n, classes: k, probabilities, label, anomaly };
}
