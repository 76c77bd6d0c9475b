import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import type { TaskDefinition } from '@headstream/core';
import type { ModelConfig } from '../architecture/config.js';
import type { MultiTaskModel } from '../architecture/model.js';
import { tf } from '../tf.js';
import type { WeightingStrategy } from '../weighting/types.js';
import { disposeBatch, labelCounts, shareData, splitRows, toBatch, type MultiTaskData } from './data.js';
import { readWeights, sameLayout, type Adam, type ParamLayout } from './optimizer.js';
import { combinePerTask, computeGradients, finishStep, headWeights, layoutOf, type StepOptions, type StepResult } from './step.js';

/*
 * Data-parallel training on worker threads (one replica per core: this thread plus `workers`).
 *
 * Every step, each replica computes the gradient of its shard of the batch from the same weights; this
 * thread sums them, runs the optimizer and publishes the new weights. Shard losses are divided by the
 * WHOLE batch's label counts, so the summed gradient is the full-batch gradient: one data-parallel step
 * equals one single-threaded step up to float rounding (tested).
 *
 * Strategies that need per-task gradients work unchanged. In representation mode (default) the
 * per-task gradients live on the shared representation, whose rows are disjoint across shards, so the
 * full-batch Gram matrix is the SUM of the shards' Gram matrices. Each replica stops mid-backward (a
 * synchronous Atomics.wait inside the fan-out's custom gradient), this thread sums losses and Gram
 * matrices, asks the strategy for α ONCE (PCGrad's random order, GradNorm's and uncertainty's state all
 * live here), publishes α, and every replica finishes its backward pass with Σ α_t g_t. In parameter
 * mode, replicas return per-task gradients (T × P floats), which are summed before the combination.
 *
 * Everything crosses threads through SharedArrayBuffers (weights, gradients, Gram matrices, α, the
 * training data itself): no copies, and this thread can wait synchronously, so train() stays synchronous.
 * Only the per-step row indices travel by postMessage.
 */

const GRAM = 0;
const ALPHA = 1;
const DONE = 2;
const ERROR = 3;
const ABORT = 4;
const CONTROL = 8;

/** Everything the workers share with this thread for one model layout. */
export interface SharedBuffers {
  control: Int32Array;
  weights: Float32Array;
  alpha: Float64Array;
  /** Per worker: T × P floats (parameter mode needs T rows; representation mode uses the first). */
  grads: Float32Array[];
  gram: Float64Array[];
  losses: Float64Array[];
}

/** Messages to a worker. */
export type WorkerRequest =
  | { type: 'setup'; config: ModelConfig; buffers: SharedBuffers }
  | { type: 'data'; data: MultiTaskData }
  | {
      type: 'step';
      seq: number;
      rows: Record<string, number[]>;
      tasks: string[];
      gradientsOn: StepOptions['gradientsOn'];
      needGram: boolean;
      lambda: number[] | 'alpha';
      denominators: number[];
    };

export interface WorkerInit {
  index: number;
  backend: string;
  errors: MessagePort;
}

export interface DataParallelOptions {
  /** Worker threads besides this one; default: available cores − 1 (at least 1). */
  workers?: number;
  /** tfjs backend for the workers; default the current one. */
  backend?: string;
  /** Compiled worker entry; default dist/training/parallel-worker.js next to (or for) this module. */
  workerUrl?: URL;
  /** Longest wait for a worker before a step fails (default 120 s). */
  timeoutMs?: number;
}

/**
 * The compiled worker entry. From dist/ it is the sibling file; when this module runs from TypeScript
 * source (vitest), it is the same file in the package's dist/ (workers cannot load .ts in Node 20).
 */
export function defaultWorkerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts') ? new URL('../../dist/training/parallel-worker.js', here) : new URL('./parallel-worker.js', here);
}

function waitUntil(control: Int32Array, index: number, done: (value: number) => boolean, timeoutMs: number, what: string): void {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = Atomics.load(control, index);
    if (Atomics.load(control, ERROR) !== 0) throw new Error('a data-parallel worker failed');
    if (done(v)) return;
    if (Date.now() > deadline) throw new Error(`data-parallel step: timed out waiting for ${what}`);
    Atomics.wait(control, index, v, 1000);
  }
}

/** A pool of worker threads that train replicas of a model on shards of each batch. */
export class DataParallel {
  private seq = 0;
  private broken: Error | undefined;
  private layout: ParamLayout | undefined;
  private configKey = '';
  private buffers: SharedBuffers | undefined;
  private data: { source: MultiTaskData; shared: MultiTaskData } | undefined;

  private constructor(
    private readonly workers: Worker[],
    private readonly errorPorts: MessagePort[],
    readonly backend: string,
    private readonly timeoutMs: number,
  ) {}

  /** Starts the workers and waits until each has loaded tfjs and its backend. */
  static async create(options: DataParallelOptions = {}): Promise<DataParallel> {
    const count = Math.max(1, options.workers ?? availableParallelism() - 1);
    const url = options.workerUrl ?? defaultWorkerUrl();
    if (!existsSync(fileURLToPath(url))) throw new Error(`data-parallel worker ${fileURLToPath(url)} not found: build @headstream/model first (tsc -p packages/model/tsconfig.build.json)`);
    const backend = options.backend ?? tf.getBackend();
    const workers: Worker[] = [];
    const ports: MessagePort[] = [];
    try {
      await Promise.all(
        Array.from({ length: count }, async (_, index) => {
          const channel = new MessageChannel();
          const init: WorkerInit = { index, backend, errors: channel.port2 };
          const worker = new Worker(url, { workerData: init, transferList: [channel.port2] });
          workers.push(worker);
          ports.push(channel.port1);
          await new Promise<void>((resolve, reject) => {
            worker.once('message', (m: { type?: string; message?: string }) => (m.type === 'ready' ? resolve() : reject(new Error(m.message ?? 'worker failed to start'))));
            worker.once('error', reject);
            worker.once('exit', (code) => reject(new Error(`worker exited with code ${code} while starting`)));
          });
          worker.removeAllListeners('message');
          worker.removeAllListeners('exit');
          // A worker that dies later is caught by the step's wait (timeout or error flag).
          worker.removeAllListeners('error');
          worker.on('error', () => undefined);
          worker.unref();
        }),
      );
    } catch (error) {
      await Promise.all(workers.map((w) => w.terminate()));
      for (const p of ports) p.close();
      throw error;
    }
    return new DataParallel(workers, ports, backend, options.timeoutMs ?? 120_000);
  }

  /** Replicas per step: the workers plus this thread. */
  get replicas(): number {
    return this.workers.length + 1;
  }

  private post(message: WorkerRequest): void {
    for (const w of this.workers) w.postMessage(message);
  }

  /** (Re)configures the workers for this model's architecture and this data, when either changed. */
  private prepare(model: MultiTaskModel, data: MultiTaskData): { layout: ParamLayout; buffers: SharedBuffers; shared: MultiTaskData } {
    const layout = layoutOf(model);
    const key = JSON.stringify(model.config);
    if (!this.buffers || !this.layout || key !== this.configKey || !sameLayout(layout, this.layout)) {
      const T = model.tasks.length;
      const P = layout.total;
      const f32 = (n: number) => new Float32Array(new SharedArrayBuffer(4 * n));
      const f64 = (n: number) => new Float64Array(new SharedArrayBuffer(8 * n));
      this.buffers = {
        control: new Int32Array(new SharedArrayBuffer(4 * CONTROL)),
        weights: f32(P),
        alpha: f64(T),
        grads: this.workers.map(() => f32(T * P)),
        gram: this.workers.map(() => f64(T * T)),
        losses: this.workers.map(() => f64(T)),
      };
      this.layout = layout;
      this.configKey = key;
      this.post({ type: 'setup', config: model.config, buffers: this.buffers });
    }
    if (this.data?.source !== data) {
      this.data = { source: data, shared: shareData(data) };
      this.post({ type: 'data', data: this.data.shared });
    }
    return { layout, buffers: this.buffers, shared: this.data.shared };
  }

  private fail(error: unknown): never {
    const messages: string[] = [];
    for (const p of this.errorPorts) {
      for (let m = receiveMessageOnPort(p); m; m = receiveMessageOnPort(p)) messages.push(String((m.message as { message?: string }).message));
    }
    const cause = error instanceof Error ? error : new Error(String(error));
    this.broken = messages.length ? new Error(`data-parallel worker failed: ${messages.join('; ')}`, { cause }) : cause;
    if (this.buffers) {
      Atomics.store(this.buffers.control, ABORT, 1);
      Atomics.notify(this.buffers.control, ALPHA);
    }
    throw this.broken;
  }

  /**
   * One data-parallel optimisation step on the batch made of `rows` (same contract as trainStep):
   * this thread takes the first shard, each worker one of the others.
   */
  step(
    model: MultiTaskModel,
    data: MultiTaskData,
    rows: Readonly<Record<string, readonly number[]>>,
    tasks: readonly TaskDefinition[],
    strategy: WeightingStrategy,
    optimizer: Adam,
    options: StepOptions,
  ): StepResult {
    if (this.broken) throw this.broken;
    const { layout, buffers, shared } = this.prepare(model, data);
    const { control } = buffers;
    const names = tasks.map((t) => t.name);
    if (tasks.some((t) => !model.tasks.includes(t))) throw new Error('step tasks must belong to the model');
    const T = tasks.length;
    const P = layout.total;
    const W = this.workers.length;
    const lambda = headWeights(strategy);
    const needGram = (strategy.needsGradients || options.wantGram) && T > 1;
    const denominators = labelCounts(shared, rows, names);
    const shards = splitRows(rows, this.replicas);
    const seq = ++this.seq;
    readWeights(model, layout, buffers.weights);
    Atomics.store(control, GRAM, 0);
    Atomics.store(control, DONE, 0);
    this.workers.forEach((w, k) => {
      const message: WorkerRequest = { type: 'step', seq, rows: shards[k + 1] ?? {}, tasks: names, gradientsOn: options.gradientsOn, needGram, lambda, denominators };
      w.postMessage(message);
    });

    let losses: number[] = [];
    let gram: number[][] | undefined;
    let alpha: number[] = [];
    const batch = toBatch(shared, shards[0] ?? {}, names);
    try {
      const local = computeGradients(model, batch, tasks, {
        gradientsOn: options.gradientsOn,
        needGram,
        lambda,
        denominators,
        exchange: (l, g) => {
          waitUntil(control, GRAM, (v) => v >= W, this.timeoutMs, 'the shards’ Gram matrices');
          losses = l.map((v, t) => buffers.losses.reduce((a, b) => a + (b[t] ?? 0), v));
          gram = g?.map((row, i) => row.map((v, j) => buffers.gram.reduce((a, b) => a + (b[i * T + j] ?? 0), v)));
          alpha = strategy.combine(losses, gram);
          buffers.alpha.set(alpha);
          Atomics.store(control, ALPHA, seq);
          Atomics.notify(control, ALPHA);
          return alpha;
        },
      });
      waitUntil(control, DONE, (v) => v >= W, this.timeoutMs, 'the shards’ gradients');
      let grads: Float32Array<ArrayBufferLike>;
      if (local.perTask) {
        const perTask = local.perTask;
        for (const g of buffers.grads) for (let i = 0; i < T * P; i++) perTask[i] = (perTask[i] ?? 0) + (g[i] ?? 0);
        losses = local.losses.map((v, t) => buffers.losses.reduce((a, b) => a + (b[t] ?? 0), v));
        const r = combinePerTask(layout, tasks, perTask, losses, lambda, needGram, (l, g) => strategy.combine(l, g));
        grads = r.grads;
        gram = r.gram;
        alpha = r.alpha;
      } else {
        grads = local.grads ?? new Float32Array(P);
        for (const g of buffers.grads) for (let i = 0; i < P; i++) grads[i] = (grads[i] ?? 0) + (g[i] ?? 0);
      }
      optimizer.apply(model, layout, grads);
    } catch (error) {
      this.fail(error);
    } finally {
      disposeBatch(batch);
    }
    return finishStep(strategy, losses, lambda === 'alpha' ? alpha : lambda, alpha, gram);
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
    for (const p of this.errorPorts) p.close();
  }
}
