import type { WindowSet } from '@headstream/features';
import type { Rng } from '../rng.js';
import { tf, type Tensor } from '../tf.js';
import type { BatchLabels } from './losses.js';

/** Windows of one input (a stem), n × lookback × features. */
export interface InputData {
  n: number;
  features: number;
  x: Float32Array;
}

/**
 * Labels of one task, indexed like its input's windows. Regression: y and mask are n × width.
 * Classification: y holds the class index (width 1), mask is n.
 */
export interface LabelData {
  kind: 'regression' | 'classification';
  input: string;
  width: number;
  y: Float32Array;
  mask: Float32Array;
}

export interface MultiTaskData {
  lookback: number;
  inputs: Record<string, InputData>;
  labels: Record<string, LabelData>;
}

/**
 * Joins features' window sets into model data; a set's `input` names the stem it feeds, and its targets are
 * the labels of the tasks that read it. Sets of one input are one set when they hold the same windows: the
 * same object given again (co-located tasks prepared together), or sets equal window for window (issue times
 * and values; each task's labels joined onto them), so a step batches the input once for all its heads.
 * Otherwise they are stacked: their windows one after another, each row with its own set's labels (a task
 * masked on the rows of sets that do not carry it).
 */
export function fromWindowSets(sets: readonly WindowSet[]): MultiTaskData {
  const lookback = sets[0]?.lookback ?? 0;
  const byInput = new Map<string, WindowSet[]>();
  for (const s of sets) {
    if (s.lookback !== lookback) throw new Error(`window sets disagree on lookback (${s.lookback} vs ${lookback})`);
    const list = byInput.get(s.input) ?? [];
    if (!list.includes(s)) list.push(s);
    byInput.set(s.input, list);
  }
  const inputs: Record<string, InputData> = {};
  const labels: Record<string, LabelData> = {};
  for (const [input, list] of byInput) {
    const joined = joinSets(input, list);
    inputs[input] = { n: joined.n, features: joined.features, x: joined.x };
    for (const [task, t] of Object.entries(joined.targets)) {
      labels[task] =
        t.kind === 'regression'
          ? { kind: 'regression', input, width: t.horizons, y: t.y, mask: t.mask }
          : { kind: 'classification', input, width: 1, y: Float32Array.from(t.y), mask: t.mask };
    }
  }
  return { lookback, inputs, labels };
}

/** Several window sets of one input as one: equal windows share rows, others stack (see fromWindowSets). */
function joinSets(input: string, list: readonly WindowSet[]): Pick<WindowSet, 'n' | 'features' | 'x' | 'targets'> {
  const [first, ...rest] = list;
  if (!first) throw new Error(`input ${input}: no window set`);
  if (rest.length === 0) return first;
  for (const s of rest) if (s.features !== first.features) throw new Error(`input ${input}: window sets disagree on features (${s.features} vs ${first.features})`);
  const equal = rest.every((s) => s.n === first.n && sameArray(s.issueTimes, first.issueTimes) && sameArray(s.x, first.x));
  const tasks = new Set<string>();
  for (const s of list) {
    for (const task of Object.keys(s.targets)) {
      if (tasks.has(task)) throw new Error(`input ${input}: task ${task} has labels in two window sets`);
      tasks.add(task);
    }
  }
  if (equal) {
    const targets: WindowSet['targets'] = {};
    for (const s of list) Object.assign(targets, s.targets);
    return { n: first.n, features: first.features, x: first.x, targets };
  }
  const n = list.reduce((a, s) => a + s.n, 0);
  const per = first.lookback * first.features;
  const x = new Float32Array(n * per);
  let offset = 0;
  const starts = list.map((s) => {
    x.set(s.x, offset * per);
    const at = offset;
    offset += s.n;
    return at;
  });
  const targets: WindowSet['targets'] = {};
  list.forEach((s, k) => {
    for (const [task, t] of Object.entries(s.targets)) {
      const w = t.kind === 'regression' ? t.horizons : 1;
      const mask = new Float32Array(n * w);
      mask.set(t.mask, (starts[k] ?? 0) * w);
      if (t.kind === 'regression') {
        const y = new Float32Array(n * w);
        y.set(t.y, (starts[k] ?? 0) * w);
        // Raw values and baselines are evaluation's, not training's: the stacked set carries labels only.
        targets[task] = { ...t, y, mask, raw: new Float64Array(n * w).fill(NaN), persistence: new Float64Array(n * w).fill(NaN), seasonal: new Float64Array(n * w).fill(NaN) };
      } else {
        const y = new Int32Array(n).fill(-1);
        y.set(t.y, starts[k] ?? 0);
        targets[task] = { ...t, y, mask };
      }
    }
  });
  return { n, features: first.features, x, targets };
}

function sameArray(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) return false;
  return true;
}

/** Keeps only the windows `keep[input]` (e.g. a split or a subsample), labels included. */
export function selectRows(data: MultiTaskData, keep: Record<string, readonly number[]>): MultiTaskData {
  const inputs: Record<string, InputData> = {};
  for (const [name, d] of Object.entries(data.inputs)) {
    const rows = keep[name] ?? [];
    inputs[name] = { n: rows.length, features: d.features, x: gather(d.x, rows, data.lookback * d.features) };
  }
  const labels: Record<string, LabelData> = {};
  for (const [task, l] of Object.entries(data.labels)) {
    const rows = keep[l.input] ?? [];
    const maskWidth = l.kind === 'regression' ? l.width : 1;
    labels[task] = { ...l, y: gather(l.y, rows, l.width), mask: gather(l.mask, rows, maskWidth) };
  }
  return { lookback: data.lookback, inputs, labels };
}

function gather(src: Float32Array, rows: readonly number[], width: number): Float32Array {
  const out = new Float32Array(rows.length * width);
  rows.forEach((r, i) => out.set(src.subarray(r * width, (r + 1) * width), i * width));
  return out;
}

export interface Batch {
  inputs: Record<string, Tensor>;
  labels: Record<string, BatchLabels>;
  size: number;
}

/** Rows of each input that make up one mini-batch. */
export type BatchRows = Record<string, number[]>;

/** Most windows of an input that one epoch draws (by input name); inputs not named use all of theirs. */
export type WindowsPerEpoch = Readonly<Record<string, number>>;

/**
 * What the batch size counts. step: windows per step over all inputs together (each input its share).
 * input: windows per step of each input, so a step holds a batch of every task (LibMTL's loop) and an
 * epoch has as many steps as the largest input needs — one shared step then costs about what one
 * single-task step of each task costs, instead of that many times the steps.
 */
export type BatchPer = 'step' | 'input';

/**
 * Mini-batches over all inputs at once: every step takes each input's share of the batch, so one
 * step trains the encoder on city and factory windows together (what makes it one shared model).
 * An input capped by `perEpoch` contributes a fresh random draw of that many windows each epoch: a large
 * window set then adds variety without adding steps.
 */
export function* batchRows(data: MultiTaskData, batchSize: number, rng: Rng, tasks: readonly string[], perEpoch: WindowsPerEpoch = {}, per: BatchPer = 'step'): Generator<BatchRows> {
  const names = inputsOf(data, tasks);
  const steps = stepsPerEpoch(data, batchSize, tasks, perEpoch, per);
  if (steps === 0) return;
  const perms = Object.fromEntries(names.map((n) => [n, rng.permutation(data.inputs[n]?.n ?? 0).slice(0, epochWindows(data, n, perEpoch))]));
  for (let s = 0; s < steps; s++) {
    const rows: BatchRows = {};
    for (const n of names) {
      const perm = perms[n] ?? [];
      // Even shares (sizes differ by at most one): no input runs dry before the last step.
      rows[n] = perm.slice(Math.floor((s * perm.length) / steps), Math.floor(((s + 1) * perm.length) / steps));
    }
    yield rows;
  }
}

/** Inputs that hold windows and feed one of `tasks`. */
function inputsOf(data: MultiTaskData, tasks: readonly string[]): string[] {
  return Object.keys(data.inputs).filter((name) => (data.inputs[name]?.n ?? 0) > 0 && tasks.some((t) => data.labels[t]?.input === name));
}

function epochWindows(data: MultiTaskData, input: string, perEpoch: WindowsPerEpoch): number {
  const n = data.inputs[input]?.n ?? 0;
  const cap = perEpoch[input];
  return cap === undefined ? n : Math.min(n, Math.max(1, Math.floor(cap)));
}

/** Mini-batches per epoch that `batchRows` yields (0 when no input holds windows). */
export function stepsPerEpoch(data: MultiTaskData, batchSize: number, tasks: readonly string[], perEpoch: WindowsPerEpoch = {}, per: BatchPer = 'step'): number {
  const counts = inputsOf(data, tasks).map((n) => epochWindows(data, n, perEpoch));
  const total = per === 'step' ? counts.reduce((a, c) => a + c, 0) : Math.max(0, ...counts);
  return total === 0 ? 0 : Math.max(1, Math.ceil(total / batchSize));
}

/** The same mini-batches as tensors (batchRows + toBatch). The caller disposes each (disposeBatch). */
export function* batches(data: MultiTaskData, batchSize: number, rng: Rng, tasks: readonly string[]): Generator<Batch> {
  for (const rows of batchRows(data, batchSize, rng, tasks)) yield toBatch(data, rows, tasks);
}

/** Labelled entries per task among `rows` (the denominator of each masked task loss). */
export function labelCounts(data: MultiTaskData, rows: Readonly<Record<string, readonly number[]>>, tasks: readonly string[]): number[] {
  return tasks.map((t) => {
    const l = data.labels[t];
    const r = l ? rows[l.input] : undefined;
    if (!l || !r) return 0;
    const w = l.kind === 'regression' ? l.width : 1;
    let n = 0;
    for (const i of r) for (let j = 0; j < w; j++) n += l.mask[i * w + j] ?? 0;
    return n;
  });
}

/** Splits each input's rows into `parts` contiguous shards (data-parallel training). */
export function splitRows(rows: Readonly<Record<string, readonly number[]>>, parts: number): BatchRows[] {
  return Array.from({ length: parts }, (_, k) =>
    Object.fromEntries(Object.entries(rows).map(([name, r]) => [name, r.slice(Math.floor((k * r.length) / parts), Math.floor(((k + 1) * r.length) / parts))])),
  );
}

/** A copy of the data in SharedArrayBuffers: worker threads read it without copying. */
export function shareData(data: MultiTaskData): MultiTaskData {
  const share = (a: Float32Array) => {
    const out = new Float32Array(new SharedArrayBuffer(a.byteLength));
    out.set(a);
    return out;
  };
  return {
    lookback: data.lookback,
    inputs: Object.fromEntries(Object.entries(data.inputs).map(([k, d]) => [k, { ...d, x: share(d.x) }])),
    labels: Object.fromEntries(Object.entries(data.labels).map(([k, l]) => [k, { ...l, y: share(l.y), mask: share(l.mask) }])),
  };
}

/** Tensors for the given rows. The caller disposes them (disposeBatch). */
export function toBatch(data: MultiTaskData, rows: Record<string, readonly number[]>, tasks: readonly string[]): Batch {
  const inputs: Record<string, Tensor> = {};
  let size = 0;
  for (const [name, r] of Object.entries(rows)) {
    const d = data.inputs[name];
    if (!d || r.length === 0) continue;
    inputs[name] = tf.tensor3d(gather(d.x, r, data.lookback * d.features), [r.length, data.lookback, d.features]);
    size += r.length;
  }
  const labels: Record<string, BatchLabels> = {};
  for (const t of tasks) {
    const l = data.labels[t];
    const r = l ? rows[l.input] : undefined;
    if (!l || !r || r.length === 0) continue;
    labels[t] =
      l.kind === 'regression'
        ? { y: tf.tensor2d(gather(l.y, r, l.width), [r.length, l.width]), mask: tf.tensor2d(gather(l.mask, r, l.width), [r.length, l.width]) }
        : { y: tf.tensor1d(gather(l.y, r, 1)), mask: tf.tensor1d(gather(l.mask, r, 1)) };
  }
  return { inputs, labels, size };
}

export function disposeBatch(batch: Batch): void {
  tf.dispose(Object.values(batch.inputs));
  for (const l of Object.values(batch.labels)) tf.dispose([l.y, l.mask]);
}
