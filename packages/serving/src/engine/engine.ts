import type { Prediction } from '@headstream/core';
import type { TaskName } from '@headstream/tasks';
import { alignTime, decodeForecast, SiteWindowBuffer, unservable, withWeights, type ServingWindow } from '@headstream/features';
import { averagePredictions, predictionRow, type MultiTaskModel, type TaskPrediction } from '@headstream/model';
import type { ServedTask, ServingVersion } from './version.js';

/** A due window's answer: the outputs of its task's members for it, published once every member has given one. */
interface Answer {
  task: ServedTask;
  window: DueWindow;
  served: ServingWindow;
  parts: TaskPrediction[];
}

/** A reading as the predictor receives it (one site, one time, several metrics). */
export interface EngineReading {
  domain: string;
  site: string;
  time: number;
  values: Readonly<Record<string, number>>;
}

/** A (task, site) whose window completed a step: it is due one prediction issued at `issueTime`. */
export interface DueWindow {
  task: TaskName;
  site: string;
  issueTime: number;
}

/** Why a due window gave no prediction. */
export type SkipReason = 'sparse' | 'no_last_value' | 'no_model';

export interface EngineCounters {
  readings: number;
  /** Readings whose domain and metrics no served task reads. */
  ignored: number;
  /** Readings older than a prediction already issued for their (task, site): kept for later windows. */
  late: number;
  /** (input, site) windows evicted to keep at most `maxWindows` in memory (least recently updated first). */
  evicted: number;
  skipped: Record<SkipReason, number>;
}

export interface EngineOptions {
  /** Most (input, site) windows held; the least recently updated is evicted beyond it. */
  maxWindows?: number;
  /** A step counts as complete when a reading this much past its end has arrived (room for out-of-order readings). */
  latenessMs?: number;
  /** The last issue time already predicted for a (task, site), e.g. read back from the predictions table after a restart. */
  lastIssued?: (task: TaskName, site: string) => number | undefined;
  /** Steps a window may have caught up on at once (a gap in the readings); older ones are not predicted. */
  maxCatchUp?: number;
}

/**
 * The tasks a window serves: every served task of a version that reads one input (`FeatureSpec.input`) with the
 * same spec, scalers and binding (the co-located tasks of a shared input) shares one window per site, built once
 * per step; a task whose window differs has a stream of its own.
 */
interface Stream {
  key: string;
  tasks: ServedTask[];
}

interface WindowState {
  stream: Stream;
  site: string;
  buffer: SiteWindowBuffer;
  /** The latest issue time predicted (or due), so each (task, site, issue time) is predicted once. */
  lastIssued: number;
  /**
   * The earliest issue time handed out as due and not predicted yet: the buffer keeps what its window
   * reads. A batch of readings (a message of many frames) makes several steps due before they are predicted.
   */
  pendingFrom?: number;
}

/** Routing of a domain's metric to the streams (and their source names) that read it. */
type Routes = Map<string, Map<string, { stream: Stream; source: string }[]>>;

/** What a task's window is built from: its spec but the decoding (a blend's own combination weights decode, they do not build). */
const windowOf = (task: ServedTask) => JSON.stringify([withWeights(task.spec, Object.fromEntries(task.spec.targets.map((t) => [t.task, []]))), task.scalers, task.binding.domain, task.binding.metrics]);

/** Each served task's stream: tasks of one input share one when their windows are the same. */
function streamsOf(version: ServingVersion): Map<TaskName, Stream> {
  const byInput = new Map<string, ServedTask[]>();
  for (const task of version.tasks.values()) byInput.set(task.spec.input, [...(byInput.get(task.spec.input) ?? []), task]);
  const out = new Map<TaskName, Stream>();
  for (const [input, tasks] of byInput) {
    const first = tasks[0] as ServedTask;
    if (tasks.every((t) => windowOf(t) === windowOf(first))) {
      const stream = { key: input, tasks };
      for (const t of tasks) out.set(t.task, stream);
    } else {
      for (const t of tasks) out.set(t.task, { key: `${input}\u0001${t.task}`, tasks: [t] });
    }
  }
  return out;
}

function routesOf(streams: Map<TaskName, Stream>): Routes {
  const routes: Routes = new Map();
  for (const stream of new Set(streams.values())) {
    const task = stream.tasks[0] as ServedTask;
    let byMetric = routes.get(task.binding.domain);
    if (!byMetric) routes.set(task.binding.domain, (byMetric = new Map<string, { stream: Stream; source: string }[]>()));
    for (const [source, metric] of Object.entries(task.binding.metrics)) {
      if (!task.spec.sources.includes(source)) continue;
      const list = byMetric.get(metric) ?? [];
      list.push({ stream, source });
      byMetric.set(metric, list);
    }
  }
  return routes;
}

/**
 * The predictor's core, without transport: routes live readings into per-(input, site) windows built
 * by the training code (SiteWindowBuffer), says which windows completed a step, and predicts them in
 * micro-batches with the version's served models, decoding exactly as evaluation does. Tasks that read
 * one input (throughput and emissions on the gas turbine) share its window and, served by one model, one
 * encoder pass per (input, site, step) that decodes every head reading it. Each (task, site, issue time)
 * is due once, however late or duplicated the readings.
 */
export class PredictionEngine {
  readonly counters: EngineCounters = { readings: 0, ignored: 0, late: 0, evicted: 0, skipped: { sparse: 0, no_last_value: 0, no_model: 0 } };
  private windows = new Map<string, WindowState>();
  private streams: Map<TaskName, Stream>;
  private routes: Routes;
  private readonly maxWindows: number;
  private readonly latenessMs: number;
  private readonly maxCatchUp: number;

  constructor(
    private current: ServingVersion,
    private readonly options: EngineOptions = {},
  ) {
    this.streams = streamsOf(current);
    this.routes = routesOf(this.streams);
    this.maxWindows = options.maxWindows ?? 100_000;
    this.latenessMs = options.latenessMs ?? 0;
    this.maxCatchUp = options.maxCatchUp ?? 12;
  }

  get version(): ServingVersion {
    return this.current;
  }

  /** Windows held in memory (one per input and site; tasks sharing an input share it). */
  get size(): number {
    return this.windows.size;
  }

  /**
   * Serves another version from now on. Windows keep their readings when the new version reads the
   * input with the same spec (same sources, interval and lookback) and binding; otherwise they are rebuilt as
   * readings arrive. Issue times already predicted stay predicted, so no prediction repeats.
   */
  use(version: ServingVersion): void {
    this.current = version;
    this.streams = streamsOf(version);
    this.routes = routesOf(this.streams);
    const next = new Map<string, WindowState>();
    for (const state of this.windows.values()) {
      const stream = state.stream.tasks.map((t) => this.streams.get(t.task)).find((s) => s !== undefined);
      if (!stream) continue;
      const key = keyOf(stream.key, state.site);
      const held = next.get(key);
      if (held) {
        // Two windows of the old version feed one of the new (tasks now sharing an input): the later step wins.
        held.lastIssued = Math.max(held.lastIssued, state.lastIssued);
        continue;
      }
      const fresh = stream.tasks[0] as ServedTask;
      const old = state.stream.tasks[0] as ServedTask;
      const same = JSON.stringify(fresh.spec) === JSON.stringify(old.spec) && JSON.stringify(fresh.binding.metrics) === JSON.stringify(old.binding.metrics);
      state.stream = stream;
      if (!same) state.buffer = new SiteWindowBuffer(fresh.spec);
      next.set(key, state);
    }
    this.windows = next;
  }

  /**
   * Restores a (task, site) window after a restart: the site's recent bucket means (from the
   * database, as training reads them), where its history starts and its deviation baselines, and the
   * last issue time already predicted. The window is its input's: every task reading it is restored.
   * No window becomes due from seeding.
   */
  seed(task: TaskName, site: string, buckets: { time: number; values: Record<string, number> }[], options: { origin?: number; baselines?: Record<string, number>; lastIssued?: number }): void {
    const stream = this.streams.get(task);
    if (!stream) return;
    const spec = (stream.tasks[0] as ServedTask).spec;
    const buffer = new SiteWindowBuffer(spec, { ...(options.origin === undefined ? {} : { origin: options.origin }), ...(options.baselines ? { baselines: options.baselines } : {}) });
    for (const b of buckets) buffer.add(b.time, b.values);
    // The seeded buckets lie before the reading in hand: its step is the next one due (unless already predicted).
    const state: WindowState = { stream, site, buffer, lastIssued: options.lastIssued ?? -Infinity };
    this.windows.delete(keyOf(stream.key, site));
    this.windows.set(keyOf(stream.key, site), state);
  }

  /** The (task, site) pairs this reading feeds that hold no window yet (to seed from the database first): one task per input. */
  unseeded(reading: EngineReading): { task: TaskName; site: string }[] {
    const byMetric = this.routes.get(reading.domain);
    if (!byMetric) return [];
    const out = new Map<string, { task: TaskName; site: string }>();
    for (const metric of Object.keys(reading.values)) {
      for (const { stream } of byMetric.get(metric) ?? []) {
        if (!this.windows.has(keyOf(stream.key, reading.site))) out.set(stream.key, { task: (stream.tasks[0] as ServedTask).task, site: reading.site });
      }
    }
    return [...out.values()];
  }

  /** Routes one reading; returns the windows that completed a step with it (one per task reading the window). */
  add(reading: EngineReading): DueWindow[] {
    this.counters.readings++;
    const byMetric = this.routes.get(reading.domain);
    const perStream = new Map<Stream, Record<string, number>>();
    if (byMetric) {
      for (const [metric, value] of Object.entries(reading.values)) {
        for (const { stream, source } of byMetric.get(metric) ?? []) {
          let values = perStream.get(stream);
          if (!values) perStream.set(stream, (values = {}));
          values[source] = value;
        }
      }
    }
    if (perStream.size === 0) {
      this.counters.ignored++;
      return [];
    }
    const due: DueWindow[] = [];
    for (const [stream, values] of perStream) {
      const state = this.window(stream, reading.site);
      state.buffer.add(reading.time, values);
      const interval = state.buffer.spec.intervalMs;
      // The step ending at `complete` is done once a reading `latenessMs` past it has arrived.
      const complete = alignTime(state.buffer.newest - this.latenessMs, interval);
      if (reading.time < state.lastIssued) this.counters.late++;
      if (!Number.isFinite(state.lastIssued)) {
        // A new window: start predicting at the step this reading completes, not at history it never saw.
        state.lastIssued = complete - interval;
      }
      if (complete <= state.lastIssued) continue;
      const first = Math.max(state.lastIssued + interval, complete - (this.maxCatchUp - 1) * interval);
      for (let t = first; t <= complete; t += interval) for (const task of stream.tasks) due.push({ task: task.task, site: reading.site, issueTime: t });
      state.lastIssued = complete;
      state.pendingFrom = Math.min(state.pendingFrom ?? first, first);
      state.buffer.prune(state.pendingFrom);
    }
    return due;
  }

  /**
   * Predicts due windows in micro-batches: each (input, site, issue time) window is built once, and each model
   * runs once per input over its windows, decoding every due head that reads it (a blended task's from the
   * average of its two models' outputs).
   */
  predict(due: readonly DueWindow[]): { predictions: Prediction[]; skipped: { window: DueWindow; reason: SkipReason }[] } {
    const skipped: { window: DueWindow; reason: SkipReason }[] = [];
    const skip = (window: DueWindow, reason: SkipReason) => {
      skipped.push({ window, reason });
      this.counters.skipped[reason]++;
    };
    const built = new Map<string, ServingWindow | undefined>();
    /** Per model and input: its windows (rows) and the due tasks of each. */
    const groups = new Map<string, { model: MultiTaskModel; input: string; rows: Map<string, { served: ServingWindow; due: Answer[] }> }>();
    for (const d of due) {
      const task = this.current.tasks.get(d.task);
      const stream = this.streams.get(d.task);
      const state = stream ? this.windows.get(keyOf(stream.key, d.site)) : undefined;
      if (!task || !stream || !state) {
        skip(d, 'no_model');
        continue;
      }
      state.pendingFrom = undefined;
      const windowKey = `${stream.key}\u0000${d.site}\u0000${d.issueTime}`;
      if (!built.has(windowKey)) {
        // Before the site's history spans a lookback, no window exists (training builds none either).
        built.set(windowKey, state.buffer.covers(d.issueTime) ? state.buffer.window(d.issueTime, task.scalers) : undefined);
      }
      const served = built.get(windowKey);
      const reason = served ? sparse(served, task) : 'sparse';
      if (reason || !served) {
        skip(d, reason ?? 'sparse');
        continue;
      }
      // A blend's members each add the window to their model's pass; its answer waits for every member's output.
      const answer: Answer = { task, window: d, served, parts: [] };
      task.artifacts.forEach((artifact, m) => {
        const groupKey = `${artifact}\u0000${task.input}`;
        let group = groups.get(groupKey);
        if (!group) groups.set(groupKey, (group = { model: task.members[m] as MultiTaskModel, input: task.input, rows: new Map() }));
        let row = group.rows.get(windowKey);
        if (!row) group.rows.set(windowKey, (row = { served, due: [] }));
        row.due.push(answer);
      });
    }
    const predictions: Prediction[] = [];
    for (const { model, input, rows } of groups.values()) {
      const list = [...rows.values()];
      const per = list[0]?.served.x.length ?? 0;
      const x = new Float32Array(list.length * per);
      list.forEach((r, i) => x.set(r.served.x, i * per));
      const tasks = [...new Set(list.flatMap((r) => r.due.map((d) => d.task.task)))];
      // One encoder pass over the input's windows; every due head that reads it decodes from it.
      const out = model.predict({ [input]: x }, { tasks });
      list.forEach((r, i) => {
        for (const answer of r.due) {
          const o = out[answer.task.task];
          if (!o) continue;
          if (answer.task.members.length === 1) {
            predictions.push(payload(answer.task, this.current.version, answer.window, answer.served, o, i));
            continue;
          }
          answer.parts.push(predictionRow(o, i));
          if (answer.parts.length === answer.task.members.length) predictions.push(payload(answer.task, this.current.version, answer.window, answer.served, averagePredictions(answer.parts), 0));
        }
      });
    }
    return { predictions, skipped };
  }

  private window(stream: Stream, site: string): WindowState {
    const key = keyOf(stream.key, site);
    let state = this.windows.get(key);
    if (state) {
      // Least recently updated first out: re-insert on use.
      this.windows.delete(key);
      this.windows.set(key, state);
      return state;
    }
    const issued = stream.tasks.map((t) => this.options.lastIssued?.(t.task, site)).filter((t): t is number => t !== undefined);
    state = { stream, site, buffer: new SiteWindowBuffer((stream.tasks[0] as ServedTask).spec), lastIssued: issued.length ? Math.max(...issued) : -Infinity };
    this.windows.set(key, state);
    while (this.windows.size > this.maxWindows) {
      const oldest = this.windows.keys().next().value;
      if (oldest === undefined) break;
      this.windows.delete(oldest);
      this.counters.evicted++;
    }
    return state;
  }
}

const keyOf = (stream: string, site: string) => `${stream}\u0000${site}`;

/** Whether serving predicts from a window: features' one rule (`unservable`), which scoring applies too. */
function sparse(served: ServingWindow, task: ServedTask): SkipReason | undefined {
  return unservable(task.spec, task.task, served.x, 0, served.x.length / task.spec.lookback, served.baselines[task.task]?.persistence ?? NaN);
}

const iso = (t: number) => new Date(t).toISOString();

/** The published prediction of row `i` of a model output (core's predictionSchema). */
function payload(task: ServedTask, version: string, window: DueWindow, served: ServingWindow, out: TaskPrediction, i: number): Prediction {
  const def = task.definition;
  const base = { task: task.task, site: window.site, issued_at: iso(window.issueTime), model_version: version };
  if (def.kind === 'regression' && out.kind === 'regression') {
    const h = out.horizons;
    const q = out.quantiles.length;
    const last = served.baselines[task.task];
    const baseline = { persistence: new Float64Array(h).fill(last?.persistence ?? NaN), spread: new Float64Array(h).fill(last?.spread ?? NaN) };
    const { point, values } = decodeForecast(task.spec, task.scalers, task.task, { point: out.point.subarray(i * h, (i + 1) * h), values: out.values.subarray(i * h * q, (i + 1) * h * q), quantiles: out.quantiles }, baseline);
    return {
      ...base,
      kind: 'regression',
      unit: def.unit,
      horizons: def.horizons.map((hz, k) => ({
        horizon: hz,
        target_time: iso(window.issueTime + hz * def.intervalMs),
        value: point[k] ?? NaN,
        // Quantiles are sorted: the lowest and highest bound the interval.
        lower: values[k * q] ?? NaN,
        upper: values[k * q + q - 1] ?? NaN,
      })),
    };
  }
  if (def.kind === 'classification' && out.kind === 'classification') {
    const k = def.classes.length;
    const probabilities = Object.fromEntries(def.classes.map((c, j) => [c, out.probabilities[i * k + j] ?? 0]));
    return {
      ...base,
      kind: 'classification',
      target_time: iso(window.issueTime),
      label: def.classes[out.label[i] ?? 0] ?? def.classes[0] ?? 'normal',
      probabilities,
      ...(def.anomalyScore ? { anomaly_score: out.anomaly[i] ?? 0 } : {}),
    };
  }
  throw new Error(`task ${task.task}: model output and definition disagree on its kind`);
}
