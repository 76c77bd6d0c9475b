import type { Prediction } from '@headstream/core';
import type { TaskName } from '@headstream/tasks';
import { alignTime, decodeTarget, SiteWindowBuffer, type ServingWindow } from '@headstream/features';
import type { ServedTask, ServingVersion } from './version.js';

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
  /** (task, site) windows evicted to keep at most `maxWindows` in memory (least recently updated first). */
  evicted: number;
  skipped: Record<SkipReason, number>;
}

export interface EngineOptions {
  /** Most (task, site) windows held; the least recently updated is evicted beyond it. */
  maxWindows?: number;
  /** A step counts as complete when a reading this much past its end has arrived (room for out-of-order readings). */
  latenessMs?: number;
  /** The last issue time already predicted for a (task, site), e.g. read back from the predictions table after a restart. */
  lastIssued?: (task: TaskName, site: string) => number | undefined;
  /** Steps a window may have caught up on at once (a gap in the readings); older ones are not predicted. */
  maxCatchUp?: number;
}

interface WindowState {
  task: ServedTask;
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

/** Routing of a domain's metric to the tasks (and their source names) that read it. */
type Routes = Map<string, Map<string, { task: ServedTask; source: string }[]>>;

function routesOf(version: ServingVersion): Routes {
  const routes: Routes = new Map();
  for (const task of version.tasks.values()) {
    let byMetric = routes.get(task.binding.domain);
    if (!byMetric) routes.set(task.binding.domain, (byMetric = new Map<string, { task: ServedTask; source: string }[]>()));
    for (const [source, metric] of Object.entries(task.binding.metrics)) {
      if (!task.spec.sources.includes(source)) continue;
      const list = byMetric.get(metric) ?? [];
      list.push({ task, source });
      byMetric.set(metric, list);
    }
  }
  return routes;
}

/**
 * The predictor's core, without transport: routes live readings into per-(task, site) windows built
 * by the training code (SiteWindowBuffer), says which windows completed a step, and predicts them in
 * micro-batches with the version's served models, decoding exactly as evaluation does. Each
 * (task, site, issue time) is due once, however late or duplicated the readings.
 */
export class PredictionEngine {
  readonly counters: EngineCounters = { readings: 0, ignored: 0, late: 0, evicted: 0, skipped: { sparse: 0, no_last_value: 0, no_model: 0 } };
  private readonly windows = new Map<string, WindowState>();
  private routes: Routes;
  private readonly maxWindows: number;
  private readonly latenessMs: number;
  private readonly maxCatchUp: number;

  constructor(
    private current: ServingVersion,
    private readonly options: EngineOptions = {},
  ) {
    this.routes = routesOf(current);
    this.maxWindows = options.maxWindows ?? 100_000;
    this.latenessMs = options.latenessMs ?? 0;
    this.maxCatchUp = options.maxCatchUp ?? 12;
  }

  get version(): ServingVersion {
    return this.current;
  }

  /** Windows held in memory. */
  get size(): number {
    return this.windows.size;
  }

  /**
   * Serves another version from now on. Windows keep their readings when the new version reads the
   * task with the same spec (same sources, interval and lookback); otherwise they are rebuilt as
   * readings arrive. Issue times already predicted stay predicted, so no prediction repeats.
   */
  use(version: ServingVersion): void {
    this.current = version;
    this.routes = routesOf(version);
    for (const [key, state] of this.windows) {
      const next = version.tasks.get(state.task.task);
      if (!next) {
        this.windows.delete(key);
        continue;
      }
      const same = JSON.stringify(next.spec) === JSON.stringify(state.task.spec) && JSON.stringify(next.binding.metrics) === JSON.stringify(state.task.binding.metrics);
      state.task = next;
      if (!same) state.buffer = new SiteWindowBuffer(next.spec);
    }
  }

  /**
   * Restores a (task, site) window after a restart: the site's recent bucket means (from the
   * database, as training reads them), where its history starts and its deviation baselines, and the
   * last issue time already predicted. No window becomes due from seeding.
   */
  seed(task: TaskName, site: string, buckets: { time: number; values: Record<string, number> }[], options: { origin?: number; baselines?: Record<string, number>; lastIssued?: number }): void {
    const served = this.current.tasks.get(task);
    if (!served) return;
    const buffer = new SiteWindowBuffer(served.spec, { ...(options.origin === undefined ? {} : { origin: options.origin }), ...(options.baselines ? { baselines: options.baselines } : {}) });
    for (const b of buckets) buffer.add(b.time, b.values);
    // The seeded buckets lie before the reading in hand: its step is the next one due (unless already predicted).
    const state: WindowState = { task: served, site, buffer, lastIssued: options.lastIssued ?? -Infinity };
    this.windows.delete(keyOf(task, site));
    this.windows.set(keyOf(task, site), state);
  }

  /** The (task, site) pairs this reading feeds that hold no window yet (to seed from the database first). */
  unseeded(reading: EngineReading): { task: TaskName; site: string }[] {
    const byMetric = this.routes.get(reading.domain);
    if (!byMetric) return [];
    const out = new Map<TaskName, { task: TaskName; site: string }>();
    for (const metric of Object.keys(reading.values)) {
      for (const { task } of byMetric.get(metric) ?? []) {
        if (!this.windows.has(keyOf(task.task, reading.site))) out.set(task.task, { task: task.task, site: reading.site });
      }
    }
    return [...out.values()];
  }

  /** Routes one reading; returns the windows that completed a step with it. */
  add(reading: EngineReading): DueWindow[] {
    this.counters.readings++;
    const byMetric = this.routes.get(reading.domain);
    const perTask = new Map<ServedTask, Record<string, number>>();
    if (byMetric) {
      for (const [metric, value] of Object.entries(reading.values)) {
        for (const { task, source } of byMetric.get(metric) ?? []) {
          let values = perTask.get(task);
          if (!values) perTask.set(task, (values = {}));
          values[source] = value;
        }
      }
    }
    if (perTask.size === 0) {
      this.counters.ignored++;
      return [];
    }
    const due: DueWindow[] = [];
    for (const [task, values] of perTask) {
      const state = this.window(task, reading.site);
      state.buffer.add(reading.time, values);
      const interval = task.spec.intervalMs;
      // The step ending at `complete` is done once a reading `latenessMs` past it has arrived.
      const complete = alignTime(state.buffer.newest - this.latenessMs, interval);
      if (reading.time < state.lastIssued) this.counters.late++;
      if (!Number.isFinite(state.lastIssued)) {
        // A new window: start predicting at the step this reading completes, not at history it never saw.
        state.lastIssued = complete - interval;
      }
      if (complete <= state.lastIssued) continue;
      const first = Math.max(state.lastIssued + interval, complete - (this.maxCatchUp - 1) * interval);
      for (let t = first; t <= complete; t += interval) due.push({ task: task.task, site: reading.site, issueTime: t });
      state.lastIssued = complete;
      state.pendingFrom = Math.min(state.pendingFrom ?? first, first);
      state.buffer.prune(state.pendingFrom);
    }
    return due;
  }

  /** Predicts due windows in micro-batches (one model call per served model and input). */
  predict(due: readonly DueWindow[]): { predictions: Prediction[]; skipped: { window: DueWindow; reason: SkipReason }[] } {
    const skipped: { window: DueWindow; reason: SkipReason }[] = [];
    const groups = new Map<string, { task: ServedTask; items: { window: DueWindow; served: ServingWindow }[] }>();
    for (const d of due) {
      const task = this.current.tasks.get(d.task);
      const state = this.windows.get(keyOf(d.task, d.site));
      if (!task || !state) {
        skipped.push({ window: d, reason: 'no_model' });
        this.counters.skipped.no_model++;
        continue;
      }
      state.pendingFrom = undefined;
      // Before the site's history spans a lookback, no window exists (training builds none either).
      const served = state.buffer.covers(d.issueTime) ? state.buffer.window(d.issueTime, task.scalers) : undefined;
      const reason = served ? sparse(served, task) : 'sparse';
      if (reason || !served) {
        skipped.push({ window: d, reason: reason ?? 'sparse' });
        this.counters.skipped[reason ?? 'sparse']++;
        continue;
      }
      const key = `${task.artifact}\u0000${task.task}`;
      let group = groups.get(key);
      if (!group) groups.set(key, (group = { task, items: [] }));
      group.items.push({ window: d, served });
    }
    const predictions: Prediction[] = [];
    for (const { task, items } of groups.values()) {
      const per = items[0]?.served.x.length ?? 0;
      const x = new Float32Array(items.length * per);
      items.forEach((it, i) => x.set(it.served.x, i * per));
      const out = task.model.predict({ [task.input]: x }, { tasks: [task.task] })[task.task];
      if (!out) continue;
      items.forEach((it, i) => predictions.push(payload(task, this.current.version, it.window, it.served, out, i)));
    }
    return { predictions, skipped };
  }

  private window(task: ServedTask, site: string): WindowState {
    const key = keyOf(task.task, site);
    let state = this.windows.get(key);
    if (state) {
      // Least recently updated first out: re-insert on use.
      this.windows.delete(key);
      this.windows.set(key, state);
      return state;
    }
    const last = this.options.lastIssued?.(task.task, site);
    state = { task, site, buffer: new SiteWindowBuffer(task.spec), lastIssued: last ?? -Infinity };
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

const keyOf = (task: string, site: string) => `${task}\u0000${site}`;

/**
 * A window too sparse to predict from: under half of its visible steps hold any reading, or (change
 * targets) no last value to add the change to.
 */
function sparse(served: ServingWindow, task: ServedTask): SkipReason | undefined {
  const spec = task.spec;
  const f = served.x.length / spec.lookback;
  const c = spec.channels.length;
  if (spec.gapMask) {
    let observed = 0;
    for (let s = spec.lookback - spec.history; s < spec.lookback; s++) {
      for (let k = 0; k < c; k++) {
        if ((served.x[s * f + c + k] ?? 0) > 0) {
          observed++;
          break;
        }
      }
    }
    if (observed * 2 < spec.history) return 'sparse';
  }
  const target = spec.targets.find((t) => t.task === task.task);
  if (target?.kind === 'regression' && target.transform.kind === 'change' && !Number.isFinite(served.baselines[task.task]?.persistence ?? NaN)) return 'no_last_value';
  return undefined;
}

const iso = (t: number) => new Date(t).toISOString();

/** The published prediction of row `i` of a model output (core's predictionSchema). */
function payload(task: ServedTask, version: string, window: DueWindow, served: ServingWindow, out: NonNullable<ReturnType<ServedTask['model']['predict']>[string]>, i: number): Prediction {
  const def = task.definition;
  const base = { task: task.task, site: window.site, issued_at: iso(window.issueTime), model_version: version };
  if (def.kind === 'regression' && out.kind === 'regression') {
    const h = out.horizons;
    const q = out.quantiles.length;
    const persistence = served.baselines[task.task]?.persistence ?? NaN;
    const values = decodeTarget(task.spec, task.scalers, task.task, out.values.subarray(i * h * q, (i + 1) * h * q), new Float64Array(h * q).fill(persistence));
    const point = decodeTarget(task.spec, task.scalers, task.task, out.point.subarray(i * h, (i + 1) * h), new Float64Array(h).fill(persistence));
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
