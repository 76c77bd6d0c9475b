import { TASKS, taskDefinitionSchema, type TaskDefinition, type TaskName } from '@headstream/core';
import { readDataset, type DataRecord, type LoadOptions } from '@headstream/datasets';
import { alignTime, buildWindows, StandardScaler, type FeatureScalers, type FeatureSpec, type SeriesFrame, type RegressionTargets, type TaskTargets, type WindowSet } from '@headstream/features';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * One encoder lookback for every task (steps at each task's own interval). 24 is a multiple of the
 * mixer's patch (8) and is each hourly protocol's day of history; traffic's protocol allows one hour
 * (12 × 5 min), so the 12 older steps of a traffic window are zeroed (values and observed-masks 0):
 * the model sees exactly the past hour (see `historySteps`).
 */
export const SHARED_LOOKBACK = 24;

/** The four tasks as the protocols define them (core definitions, adapted; validated by core's schema). */
export const PROTOCOL_TASKS: Readonly<Record<TaskName, TaskDefinition>> = {
  traffic: taskDefinitionSchema.parse({ ...TASKS.traffic, description: 'PeMS detector 5-min flow, next step from the past hour', horizons: [1], lookback: 12 }),
  air_quality: taskDefinitionSchema.parse({ ...TASKS.air_quality, description: 'Beijing PM2.5, 1 to 6 hours ahead, unseen station', lookback: SHARED_LOOKBACK }),
  fault: taskDefinitionSchema.parse({ ...TASKS.fault, description: 'SKAB pump: fault class and anomaly per point, unseen run', lookback: SHARED_LOOKBACK }),
  throughput: taskDefinitionSchema.parse({ ...TASKS.throughput, description: 'Gas turbine energy yield (TEY), next hour', unit: 'MWh/h', lookback: SHARED_LOOKBACK }),
};

export const TASK_ORDER: readonly TaskName[] = ['traffic', 'air_quality', 'fault', 'throughput'];

const SKAB_SENSORS = ['accel1_rms', 'accel2_rms', 'current', 'pressure', 'temperature', 'thermocouple', 'voltage', 'flow_rate'];
/** Seconds at the start of a SKAB run that form its baseline (a causal, expanding mean up to this). */
export const SKAB_BASELINE_S = 60;


/** Beijing metrics (wind direction as sin/cos: `derivedValues`). */
const BEIJING_CHANNELS = ['pm25', 'pm10', 'so2', 'no2', 'co', 'o3', 'temperature', 'pressure', 'dew_point', 'rain', 'wind_speed', 'wind_sin', 'wind_cos'];
/** Gas-turbine sensors as the loader names them (TEY = throughput). */
const TURBINE_SENSORS = ['throughput', 'ambient_temp', 'ambient_pressure', 'ambient_humidity', 'air_filter_dp', 'exhaust_pressure', 'turbine_inlet_temp', 'turbine_after_temp', 'compressor_discharge_pressure', 'co', 'nox'];
/** Days back of TEY's "next change at this hour" channels (the last is a mean over 1…7 days). */
export const TURBINE_DAILY_CHANGES = [1, 2, 7] as const;

/** How a task reads its data set: loader, channels (some derived), label metric, history. */
export interface TaskSource {
  task: TaskName;
  loader: 'pems-detector' | 'beijing-air' | 'skab' | 'gas-turbine';
  intervalMs: number;
  /** Metrics read from the loader (bucket means); `channels` may add ones derived from them (`deriveChannels`). */
  raw: string[];
  /** The model's input channels, in order. */
  channels: string[];
  target: string;
  calendar: boolean;
  /** Steps of the window the protocol lets the model see (the rest are zeroed). */
  historySteps: number;
  /**
   * Regression: learn the change from the last observed value (target − persistence, in the target
   * scaler's units); the forecast is persistence + that change. Same for shared and single-task models.
   */
  residual: boolean;
  /**
   * Residual tasks: the change label is (target − persistence) / std × changeScale, so a change that is
   * small next to the target's spread (TEY: median |change| 0.9 of std 16) is not lost in the output's noise.
   */
  changeScale: number;
  /**
   * Residual tasks: point forecast = persistence + changeShrink × predicted change. Below 1 when the
   * change is mostly unpredictable noise; chosen on the training years only (see docs/RESULTS.md).
   */
  changeShrink: number;
  /**
   * Keep every training window (not thinned to the mode's budget); each epoch then draws the budget afresh
   * from all of them (`windowsPerEpoch`), so the task sees more variety at the same cost per epoch.
   */
  allTrainingWindows: boolean;
}

export const TASK_SOURCES: Readonly<Record<TaskName, TaskSource>> = {
  traffic: { task: 'traffic', loader: 'pems-detector', intervalMs: 5 * MINUTE, raw: ['flow'], channels: ['flow'], target: 'flow', calendar: true, historySteps: 12, residual: false, changeScale: 1, changeShrink: 1, allTrainingWindows: false },
  air_quality: {
    task: 'air_quality',
    loader: 'beijing-air',
    intervalMs: HOUR,
    raw: BEIJING_CHANNELS,
    channels: BEIJING_CHANNELS,
    target: 'pm25',
    calendar: true,
    historySteps: SHARED_LOOKBACK,
    residual: true,
    changeScale: 1,
    // Inner validation on the training stations and years only (fit 9 stations to 2015-02, score beijing-guanyuan
    // 2015-03…2016-02, full mode, seeds 1–2): 0.5 was the MAE optimum of {0.4 … 1} for both seeds (−5.5% and
    // −4.9% vs persistence, against −0.7% and −0.2% unshrunk). The held-out station and year took no part.
    changeShrink: 0.5,
    allTrainingWindows: false,
  },
  fault: {
    task: 'fault',
    loader: 'skab',
    intervalMs: 1000,
    raw: [...SKAB_SENSORS, 'fault_class'],
    channels: [...SKAB_SENSORS, ...SKAB_SENSORS.map((c) => `${c}_dev`)],
    target: 'fault_class',
    // Wall-clock time of a test-bed run says nothing about the pump (and would identify runs).
    calendar: false,
    historySteps: SHARED_LOOKBACK,
    residual: true,
    changeScale: 1,
    changeShrink: 1,
    allTrainingWindows: false,
  },
  throughput: {
    task: 'throughput',
    loader: 'gas-turbine',
    intervalMs: HOUR,
    raw: TURBINE_SENSORS,
    // TEY's level (where the turbine runs decides where it can go next) and every sensor's hourly change, not
    // the other sensors' levels: those drift from year to year (NOx averages 67–70 mg/m³ in 2011–2013 and 60 in
    // 2014; the air filter's pressure drop and TIT drift too), and a network fed them learns the training
    // years' levels and loses to persistence on 2014. Plus what TEY did after this hour on earlier days (the
    // plant's daily load schedule: hourly changes correlate 0.12–0.20 at a 24-row lag).
    channels: [
      'throughput',
      ...TURBINE_SENSORS.map((c) => `${c}_change`),
      ...TURBINE_DAILY_CHANGES.map((d) => `throughput_next_change_${d}d`),
    ],
    target: 'throughput',
    // The loader's times are synthetic (row i = Jan 1 + i h): a calendar would be made up.
    calendar: false,
    historySteps: SHARED_LOOKBACK,
    residual: true,
    // Next-hour TEY changes are mostly noise (persistence is hard to beat on MAE). Chosen by inner validation on
    // the training years (fit 2011–2012, score 2013, seeds 1–4, these channels): change label ×4 beat ×1 and ×2;
    // shrink 0.7 tied for the best MAE of {0.5 … 1} (with 0.8 when each epoch used all windows; with 0.6 under
    // the final settings: 10,000 windows an epoch, 16 epochs, floor 0.3). 2014 took no part.
    changeScale: 4,
    changeShrink: 0.7,
    // ~22k windows of 30 features fit in memory; variety of plant behaviour is what this task lacks.
    allTrainingWindows: true,
  },
};

/** Per-site frames of one task's data set, plus per-site facts (SKAB: the run's fault type). */
export interface TaskFrames {
  task: TaskName;
  frames: Record<string, SeriesFrame>;
  /** Site → class index of the run's fault type (SKAB only). */
  runType: Record<string, number>;
}

/** Metrics derived from a record (wind direction as sin/cos, fault labels as class indices). */
function derivedValues(source: TaskSource, record: DataRecord): Record<string, number> {
  const v: Record<string, number> = { ...record.values };
  if (source.loader === 'beijing-air' && typeof v.wind_dir_deg === 'number') {
    const rad = (v.wind_dir_deg * Math.PI) / 180;
    v.wind_sin = Math.sin(rad);
    v.wind_cos = Math.cos(rad);
  }
  if (source.loader === 'skab') {
    const classes = (PROTOCOL_TASKS.fault.kind === 'classification' ? PROTOCOL_TASKS.fault.classes : []) as readonly string[];
    const fault = record.labels?.fault;
    if (typeof fault === 'string' && classes.includes(fault)) v.fault_class = classes.indexOf(fault);
  }
  return v;
}

/** Reads a task's data set (or a user's file in the same loader format: `path`) into per-site frames. */
export async function loadTaskFrames(task: TaskName, options: LoadOptions = {}): Promise<TaskFrames> {
  const source = TASK_SOURCES[task];
  const bySite = new Map<string, { time: number; values: Record<string, number> }[]>();
  const runType: Record<string, number> = {};
  const classes = (PROTOCOL_TASKS.fault.kind === 'classification' ? PROTOCOL_TASKS.fault.classes : []) as readonly string[];
  for await (const record of readDataset(source.loader, options)) {
    let list = bySite.get(record.site);
    if (!list) bySite.set(record.site, (list = []));
    list.push({ time: record.time, values: derivedValues(source, record) });
    const ft = record.labels?.fault_type;
    if (source.loader === 'skab' && typeof ft === 'string' && classes.includes(ft)) runType[record.site] = classes.indexOf(ft);
  }
  const frames: Record<string, SeriesFrame> = {};
  const raw = [...new Set([...source.raw, source.target])];
  for (const [site, rows] of [...bySite.entries()].sort((a, b) => a[0].localeCompare(b[0]))) frames[site] = deriveChannels(source, toFrame(rows, raw, source.intervalMs));
  if (Object.keys(frames).length === 0) throw new Error(`no ${source.loader} records found`);
  return { task, frames, runType };
}

/** Adds a task's derived channels to a frame of its raw metrics (same code for training and a user's file). */
export function deriveChannels(source: TaskSource, frame: SeriesFrame): SeriesFrame {
  if (source.loader === 'skab') return withDeviations(frame, SKAB_SENSORS, SKAB_BASELINE_S);
  if (source.loader === 'gas-turbine') return withNextChanges(withChanges(frame, TURBINE_SENSORS), source.target, TURBINE_DAILY_CHANGES, Math.round(DAY / source.intervalMs));
  return frame;
}

const channelOf = (frame: SeriesFrame, c: string) => frame.values[frame.channels.indexOf(c)] ?? new Float64Array(frame.length).fill(NaN);
const withChannels = (frame: SeriesFrame, names: readonly string[], values: readonly Float64Array[]): SeriesFrame => ({ ...frame, channels: [...frame.channels, ...names], values: [...frame.values, ...values] });

/** Adds `<c>_change` = value − the previous step's value (NaN when either is missing). */
export function withChanges(frame: SeriesFrame, sensors: readonly string[]): SeriesFrame {
  const extra = sensors.map((c) => {
    const v = channelOf(frame, c);
    return Float64Array.from({ length: frame.length }, (_, i) => (i > 0 ? (v[i] ?? NaN) - (v[i - 1] ?? NaN) : NaN));
  });
  return withChannels(frame, sensors.map((c) => `${c}_change`), extra);
}

/**
 * Adds `<target>_next_change_<d>d` for each d of `days`: at step i, the change from step i − d·season to the
 * step after it, i.e. what followed this time of day d days ago — causal (known at i). The last d is a mean
 * over days 1…d of those changes (missing ones skipped).
 */
export function withNextChanges(frame: SeriesFrame, target: string, days: readonly number[], season: number): SeriesFrame {
  const v = channelOf(frame, target);
  const nextChange = (i: number, d: number) => {
    const a = i - d * season;
    return a >= 0 ? (v[a + 1] ?? NaN) - (v[a] ?? NaN) : NaN;
  };
  const last = days[days.length - 1];
  const extra = days.map((d) =>
    Float64Array.from({ length: frame.length }, (_, i) => {
      if (d !== last) return nextChange(i, d);
      let sum = 0;
      let n = 0;
      for (let k = 1; k <= d; k++) {
        const x = nextChange(i, k);
        if (Number.isFinite(x)) {
          sum += x;
          n++;
        }
      }
      return n > 0 ? sum / n : NaN;
    }),
  );
  return withChannels(frame, days.map((d) => `${target}_next_change_${d}d`), extra);
}

/**
 * Adds `<c>_dev` = value − the run's baseline, the mean of the run's first `baselineSteps` buckets seen so
 * far (causal: bucket i uses buckets ≤ i). A run's own start is its reference state (SKAB runs start normal).
 */
export function withDeviations(frame: SeriesFrame, sensors: readonly string[], baselineSteps: number): SeriesFrame {
  const extra = sensors.map((c) => {
    const v = channelOf(frame, c);
    const out = new Float64Array(frame.length);
    let sum = 0;
    let n = 0;
    for (let i = 0; i < frame.length; i++) {
      const x = v[i] ?? NaN;
      if (i < baselineSteps && Number.isFinite(x)) {
        sum += x;
        n++;
      }
      out[i] = Number.isFinite(x) && n > 0 ? x - sum / n : NaN;
    }
    return out;
  });
  return withChannels(frame, sensors.map((c) => `${c}_dev`), extra);
}

/** Bucket means on the epoch-aligned grid from the first to the last record (NaN = no reading). */
export function toFrame(rows: readonly { time: number; values: Record<string, number> }[], channels: readonly string[], intervalMs: number): SeriesFrame {
  const first = Math.min(...rows.map((r) => r.time));
  const last = Math.max(...rows.map((r) => r.time));
  const start = alignTime(first, intervalMs);
  const length = Math.floor((last - start) / intervalMs) + 1;
  const sums = channels.map(() => new Float64Array(length));
  const counts = channels.map(() => new Uint32Array(length));
  for (const r of rows) {
    const i = Math.floor((r.time - start) / intervalMs);
    channels.forEach((c, k) => {
      const v = r.values[c];
      if (typeof v !== 'number' || !Number.isFinite(v)) return;
      (sums[k] as Float64Array)[i] = ((sums[k] as Float64Array)[i] ?? 0) + v;
      (counts[k] as Uint32Array)[i] = ((counts[k] as Uint32Array)[i] ?? 0) + 1;
    });
  }
  const values = channels.map((_, k) => Float64Array.from(sums[k] as Float64Array, (s, i) => ((counts[k] as Uint32Array)[i] ? s / ((counts[k] as Uint32Array)[i] ?? 1) : NaN)));
  return { start, intervalMs, length, channels: [...channels], values };
}

/** The feature spec of a task's input group (the input is named after the task). */
export function taskSpec(task: TaskName): FeatureSpec {
  const source = TASK_SOURCES[task];
  const def = PROTOCOL_TASKS[task];
  return {
    version: 1,
    domain: task,
    intervalMs: source.intervalMs,
    lookback: SHARED_LOOKBACK,
    channels: [...source.channels],
    gapMask: true,
    calendar: source.calendar,
    targets: [
      def.kind === 'regression'
        ? { task, kind: 'regression', target: source.target, intervalMs: def.intervalMs, horizons: [...def.horizons], seasonSteps: Math.max(1, Math.round(DAY / def.intervalMs)) }
        : { task, kind: 'classification', target: source.target, classes: def.classes.length },
    ],
  };
}

/** Scalers fitted on the training part only: the training sites' buckets before `trainEnd`. */
export function fitTaskScalers(frames: readonly SeriesFrame[], spec: FeatureSpec, trainEnd = Infinity): FeatureScalers {
  const collect = (channel: string) => {
    const out: number[] = [];
    for (const f of frames) {
      const values = f.values[f.channels.indexOf(channel)];
      if (!values) throw new Error(`frame lacks channel ${channel}`);
      const end = Math.min(f.length, Math.max(0, Math.floor((trainEnd - f.start) / f.intervalMs)));
      for (let i = 0; i < end; i++) {
        const v = values[i] ?? NaN;
        if (Number.isFinite(v)) out.push(v);
      }
    }
    return out;
  };
  const channels: FeatureScalers['channels'] = {};
  for (const c of spec.channels) channels[c] = StandardScaler.fit(collect(c)).toJSON();
  const targets: FeatureScalers['targets'] = {};
  for (const t of spec.targets) if (t.kind === 'regression') targets[t.task] = StandardScaler.fit(collect(t.target)).toJSON();
  return { channels, targets };
}

/** Zeroes the steps of each window older than the protocol's history (values, masks and calendar). */
export function limitHistory(set: WindowSet, historySteps: number): WindowSet {
  const drop = set.lookback - historySteps;
  if (drop <= 0) return set;
  const per = set.lookback * set.features;
  for (let w = 0; w < set.n; w++) set.x.fill(0, w * per, w * per + drop * set.features);
  return set;
}

/** Concatenates window sets of one input (e.g. several stations), keeping only rows `keep(set, i)`. */
export function concatSets(sets: readonly WindowSet[], keep: (set: WindowSet, i: number) => boolean = () => true): WindowSet & { site: Int32Array } {
  const first = sets[0];
  if (!first) throw new Error('no window sets to join');
  const rows = sets.map((s) => Array.from({ length: s.n }, (_, i) => i).filter((i) => keep(s, i)));
  const n = rows.reduce((a, r) => a + r.length, 0);
  const per = first.lookback * first.features;
  const x = new Float32Array(n * per);
  const issueTimes = new Float64Array(n);
  const site = new Int32Array(n);
  const targets: Record<string, TaskTargets> = {};
  let o = 0;
  sets.forEach((s, k) => {
    for (const i of rows[k] ?? []) {
      x.set(s.x.subarray(i * per, (i + 1) * per), o * per);
      issueTimes[o] = s.issueTimes[i] ?? NaN;
      site[o] = k;
      o++;
    }
  });
  for (const [task, t0] of Object.entries(first.targets)) {
    if (t0.kind === 'regression') {
      const h = t0.horizons;
      const pick = <A extends Float32Array | Float64Array>(make: (len: number) => A, get: (t: RegressionTargets) => A) => {
        const out = make(n * h);
        let r = 0;
        sets.forEach((s, k) => {
          const t = s.targets[task] as RegressionTargets;
          for (const i of rows[k] ?? []) out.set(get(t).subarray(i * h, (i + 1) * h), (r++) * h);
        });
        return out;
      };
      targets[task] = {
        kind: 'regression',
        horizons: h,
        y: pick((l) => new Float32Array(l), (t) => t.y),
        mask: pick((l) => new Float32Array(l), (t) => t.mask),
        raw: pick((l) => new Float64Array(l), (t) => t.raw),
        persistence: pick((l) => new Float64Array(l), (t) => t.persistence),
        seasonal: pick((l) => new Float64Array(l), (t) => t.seasonal),
      };
    } else {
      const y = new Int32Array(n);
      const mask = new Float32Array(n);
      let r = 0;
      sets.forEach((s, k) => {
        const t = s.targets[task];
        if (t?.kind !== 'classification') return;
        for (const i of rows[k] ?? []) {
          y[r] = t.y[i] ?? -1;
          mask[r] = t.mask[i] ?? 0;
          r++;
        }
      });
      targets[task] = { kind: 'classification', classes: t0.classes, y, mask };
    }
  }
  return { domain: first.domain, n, lookback: first.lookback, features: first.features, x, issueTimes, targets, site };
}

/** True when window i of `set` carries at least one label of its task. */
export function labelled(set: WindowSet, i: number): boolean {
  for (const t of Object.values(set.targets)) {
    const w = t.kind === 'regression' ? t.horizons : 1;
    for (let k = 0; k < w; k++) if ((t.mask[i * w + k] ?? 0) > 0) return true;
  }
  return false;
}

/** Windows of some sites of a task, labelled only, history limited per protocol. */
export function windowsFor(
  frames: TaskFrames,
  sites: readonly string[],
  scalers: FeatureScalers,
  options: { from?: number; to?: number; labelsBefore?: number; stride?: number } = {},
): WindowSet & { site: Int32Array; sites: string[] } {
  const spec = taskSpec(frames.task);
  const sets = sites.map((s) => {
    const frame = frames.frames[s];
    if (!frame) throw new Error(`no site ${s} in ${frames.task}`);
    const set = limitHistory(buildWindows(frame, spec, scalers, options), TASK_SOURCES[frames.task].historySteps);
    return TASK_SOURCES[frames.task].residual ? residualTargets(set, scalers) : set;
  });
  return { ...concatSets(sets, labelled), sites: [...sites] };
}

/** Keeps about `max` evenly spaced rows of a window set (deterministic subsample). */
export function thin<T extends WindowSet & { site: Int32Array }>(set: T, max: number): T {
  if (set.n <= max) return set;
  const keep = new Uint8Array(set.n);
  for (let k = 0; k < max; k++) keep[Math.floor((k * set.n) / max)] = 1;
  const joined = concatSets([set], (_, i) => keep[i] === 1);
  const site = Int32Array.from({ length: set.n }, (_, i) => i).filter((i) => keep[i] === 1).map((i) => set.site[i] ?? 0);
  return { ...set, ...joined, site };
}

/** Turns scaled regression labels into the change from persistence (target scaler units); no persistence → unlabelled. */
export function residualTargets(set: WindowSet, scalers: FeatureScalers): WindowSet {
  for (const [task, t] of Object.entries(set.targets)) {
    if (t.kind !== 'regression') continue;
    const std = scalers.targets[task]?.std ?? 1;
    const gain = TASK_SOURCES[task as TaskName]?.changeScale ?? 1;
    for (let i = 0; i < t.y.length; i++) {
      const p = t.persistence[i] ?? NaN;
      const r = t.raw[i] ?? NaN;
      if ((t.mask[i] ?? 0) > 0 && Number.isFinite(p) && Number.isFinite(r)) t.y[i] = ((r - p) / std) * gain;
      else {
        t.y[i] = 0;
        t.mask[i] = 0;
      }
    }
  }
  return set;
}

/** Forecasts in the target's unit from the model's scaled outputs (persistence + shrunk change, or unscaled). */
export function forecastFromOutput(task: string, scaled: ArrayLike<number>, persistence: ArrayLike<number>, scalers: FeatureScalers): Float64Array {
  const s = scalers.targets[task];
  if (!s) throw new Error(`no target scaler for ${task}`);
  const source = TASK_SOURCES[task as TaskName];
  const step = source?.residual ? (s.std * source.changeShrink) / source.changeScale : s.std;
  return Float64Array.from({ length: scaled.length }, (_, i) => (source?.residual ? (persistence[i] ?? NaN) + (scaled[i] ?? 0) * step : (scaled[i] ?? 0) * s.std + s.mean));
}
