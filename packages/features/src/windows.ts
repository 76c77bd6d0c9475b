import { calendarFeatures } from './calendar.js';
import { deriveChannels, recentSpread, type SiteFrame } from './derive.js';
import { coarsen, fillGaps, type SeriesFrame } from './resample.js';
import { StandardScaler } from './scaler.js';
import { changeUnit, featureCount, type FeatureScalers, type FeatureSpec, type TargetSpec, type TargetTransform } from './spec.js';

type RegressionTargetSpec = Extract<TargetSpec, { kind: 'regression' }>;

export interface RegressionTargets {
  kind: 'regression';
  horizons: number;
  /** Scaled targets, n × horizons; 0 where masked. */
  y: Float32Array;
  /** 1 where the target exists, n × horizons. */
  mask: Float32Array;
  /** Targets in the metric's unit (NaN where masked), for evaluation. */
  raw: Float64Array;
  /** Naive baselines in the metric's unit, n × horizons, computed from the same series. */
  persistence: Float64Array;
  seasonal: Float64Array;
  /** The target's recent spread at each issue time (TargetTransform `spread`), n × horizons; NaN without one. It decodes change targets with persistence. */
  spread: Float64Array;
}

export interface ClassificationTargets {
  kind: 'classification';
  classes: number;
  /** Class index per window; -1 where unlabelled. */
  y: Int32Array;
  mask: Float32Array;
}

export type TaskTargets = RegressionTargets | ClassificationTargets;

/** Model-ready windows of one input (its spec's `input`): x is n × lookback × features, row-major. */
export interface WindowSet {
  input: string;
  n: number;
  lookback: number;
  features: number;
  x: Float32Array;
  /** End of each window's last bucket = the time a forecast is issued. */
  issueTimes: Float64Array;
  targets: Record<string, TaskTargets>;
}

function scalerFor(record: Record<string, ReturnType<StandardScaler['toJSON']>>, key: string): StandardScaler {
  const json = record[key];
  if (!json) throw new Error(`no scaler for ${key}`);
  return StandardScaler.fromJSON(json);
}

/** Buckets of the frame before `trainEnd` (exclusive), i.e. the training split. */
function bucketsBefore(frame: { start: number; intervalMs: number }, length: number, trainEnd: number): number {
  return Math.max(0, Math.min(length, Math.floor((trainEnd - frame.start) / frame.intervalMs)));
}

/**
 * Fits input and target scalers on the data strictly before `trainEnd`, over one or several frames
 * (e.g. the training sites): nothing from the validation or test period may shape the scaling.
 */
export function fitScalers(frames: SiteFrame | readonly SiteFrame[], spec: FeatureSpec, trainEnd: number | readonly number[]): FeatureScalers {
  const list = (Array.isArray(frames) ? frames : [frames]) as readonly SiteFrame[];
  const derived = list.map((f) => deriveChannels(f, spec.derived));
  // One split time for all frames, or one per frame (each site's own time split).
  const endOf = (k: number) => (typeof trainEnd === 'number' ? trainEnd : (trainEnd[k] ?? -Infinity));
  const collect = (series: readonly { start: number; intervalMs: number; values: Float64Array }[]) => {
    // Every series' training buckets in order, one copy each (the scaler reads them once).
    const ends = series.map((x, k) => bucketsBefore(x, x.values.length, endOf(k)));
    const out = new Float64Array(ends.reduce((a, e) => a + e, 0));
    let o = 0;
    series.forEach((x, k) => {
      const end = ends[k] ?? 0;
      out.set(x.values.subarray(0, end), o);
      o += end;
    });
    return out;
  };
  const channels: FeatureScalers['channels'] = {};
  for (const c of spec.channels) {
    channels[c] = StandardScaler.fit(collect(derived.map((f) => ({ start: f.start, intervalMs: f.intervalMs, values: channelValues(f, c) })))).toJSON();
  }
  const targets: FeatureScalers['targets'] = {};
  for (const t of spec.targets) {
    if (t.kind !== 'regression') continue;
    targets[t.task] = StandardScaler.fit(collect(derived.map((f) => ({ ...coarsen(f, t.target, t.intervalMs), intervalMs: t.intervalMs })))).toJSON();
  }
  return { channels, targets };
}

function channelValues(frame: SeriesFrame, c: string): Float64Array {
  const values = frame.values[frame.channels.indexOf(c)];
  if (!values) throw new Error(`frame lacks channel ${c}`);
  return values;
}

/**
 * A frame's buckets as model rows, prepared once per frame and copied into every window that reads them:
 * bucket-major, `featureCount(spec)` floats per bucket (the filled, scaled channels with gaps as 0, their
 * observed masks, the calendar), for buckets [from, from + rows / features); buckets no window reads stay 0.
 * Windows overlap by all but one bucket, so each bucket's values (and its calendar: a time-zone lookup) are
 * computed once, not once per window that reads it.
 */
interface PreparedRows {
  from: number;
  rows: Float32Array;
}

/**
 * The rows the windows ending at `ends` read (only those: strided windows skip most buckets). Filling runs
 * over the whole frame: a gap's fill needs what came before it.
 */
function prepareRows(frame: SeriesFrame, spec: FeatureSpec, scalers: FeatureScalers, ends: readonly number[]): PreparedRows {
  if (frame.intervalMs !== spec.intervalMs) throw new Error(`frame interval ${frame.intervalMs} ms ≠ spec interval ${spec.intervalMs} ms`);
  const f = featureCount(spec);
  const c = spec.channels.length;
  const steps = Math.min(spec.lookback, spec.history);
  let lo = frame.length;
  let hi = 0;
  for (const e of ends) {
    lo = Math.min(lo, Math.max(0, e - steps + 1));
    hi = Math.max(hi, Math.min(frame.length, e + 1));
  }
  if (hi <= lo) return { from: 0, rows: new Float32Array(0) };
  const needed = new Uint8Array(hi - lo);
  for (const e of ends) needed.fill(1, Math.max(lo, e - steps + 1) - lo, Math.min(hi, e + 1) - lo);
  const rows = new Float32Array((hi - lo) * f);
  spec.channels.forEach((channel, k) => {
    const { filled, mask } = fillGaps(channelValues(frame, channel), spec.fillLimit);
    const s = scalerFor(scalers.channels, channel);
    for (let i = lo; i < hi; i++) {
      if (needed[i - lo] === 0) continue;
      const v = s.transform(filled[i] ?? NaN);
      const r = (i - lo) * f;
      // A gap beyond the fill limit (or before the first reading) reads as the training mean.
      rows[r + k] = Number.isFinite(v) ? v : 0;
      if (spec.gapMask) rows[r + c + k] = mask[i] ?? 0;
    }
  });
  if (spec.calendar) {
    const base = c * (spec.gapMask ? 2 : 1);
    for (let i = lo; i < hi; i++) if (needed[i - lo] === 1) rows.set(calendarFeatures(frame.start + i * frame.intervalMs, spec.timeZone), (i - lo) * f + base);
  }
  return { from: lo, rows };
}

/**
 * Writes the window whose last bucket is `end` into out[offset…]: one copy of its prepared rows. The one place
 * windows are made. Every window ends at lookback − 1 or later, so its buckets lie in the frame and in `prepared`.
 */
function writeWindow(spec: FeatureSpec, prepared: PreparedRows, end: number, out: Float32Array, offset: number): void {
  const f = featureCount(spec);
  // Steps older than the spec's history stay 0: the model sees exactly `history` steps.
  const s = Math.max(0, spec.lookback - spec.history);
  const first = end - spec.lookback + 1 + s;
  out.set(prepared.rows.subarray((first - prepared.from) * f, (end + 1 - prepared.from) * f), offset + s * f);
}

export interface WindowOptions {
  /** Issue-time range [from, to) of the windows to build (a split); default: the whole frame. */
  from?: number;
  to?: number;
  /** Keep every stride-th window. */
  stride?: number;
  /** Skip labels whose target time is at or after this instant (keeps a training split's labels inside it). */
  labelsBefore?: number;
  /**
   * Only windows that carry a label of some task, the stride counted among those: a machine read every
   * 10 s has a fault label at one second in ten, which a stride over all windows can miss entirely.
   */
  labelledOnly?: boolean;
}

interface PreparedTarget {
  spec: RegressionTargetSpec;
  start: number;
  values: Float64Array;
}

/**
 * Windows of one frame planned but not yet written: their count, issue times and labels, and `write`, which copies
 * their inputs into rows [row, row + n) of an x of the same shape. Several sites' windows can be written into one
 * array this way (training's windowsFor), each once, instead of each into its own and then all again into one.
 */
export type PlannedWindows = Omit<WindowSet, 'x'> & { write: (x: Float32Array, row: number) => void };

/** What buildWindows builds, planned: everything but the window inputs, which `write` puts where the caller says. */
export function planWindows(frame: SiteFrame, spec: FeatureSpec, scalers: FeatureScalers, options: WindowOptions = {}): PlannedWindows {
  const full = deriveChannels(frame, spec.derived);
  const ends = windowEnds(full, spec, options);
  const n = ends.length;
  const f = featureCount(spec);
  const issueTimes = new Float64Array(n);
  const prepared = prepareRows(full, spec, scalers, ends);
  ends.forEach((e, w) => (issueTimes[w] = full.start + (e + 1) * full.intervalMs));
  const targets: Record<string, TaskTargets> = {};
  for (const t of spec.targets) {
    targets[t.task] = t.kind === 'regression' ? regressionTargets(prepareTarget(full, t), t, scalers, issueTimes, options.labelsBefore) : classificationTargets(full, t, ends);
  }
  const write = (x: Float32Array, row: number) => {
    if (x.length < (row + n) * spec.lookback * f) throw new Error(`windows of ${n} rows do not fit at row ${row} of ${x.length / (spec.lookback * f)}`);
    ends.forEach((e, w) => writeWindow(spec, prepared, e, x, (row + w) * spec.lookback * f));
  };
  return { input: spec.input, n, lookback: spec.lookback, features: f, issueTimes, targets, write };
}

/** Builds windows and labels for training or evaluation. Serving uses servingWindow (same writer). */
export function buildWindows(frame: SiteFrame, spec: FeatureSpec, scalers: FeatureScalers, options: WindowOptions = {}): WindowSet {
  const { write, ...planned } = planWindows(frame, spec, scalers, options);
  const x = new Float32Array(planned.n * planned.lookback * planned.features);
  write(x, 0);
  return { ...planned, x };
}

/**
 * The last bucket of each window `buildWindows` makes with these options: in the issue-time range,
 * every stride-th (among the labelled ones with `labelledOnly`). Cheap: no window is written.
 */
export function windowEnds(frame: SeriesFrame, spec: FeatureSpec, options: WindowOptions = {}): number[] {
  const stride = Math.max(1, options.stride ?? 1);
  const ends: number[] = [];
  const hasLabel = options.labelledOnly ? labelProbe(frame, spec, options.labelsBefore) : undefined;
  let candidate = 0;
  for (let e = spec.lookback - 1; e < frame.length; e += hasLabel ? 1 : stride) {
    const issue = frame.start + (e + 1) * frame.intervalMs;
    if (options.from !== undefined && issue < options.from) continue;
    if (options.to !== undefined && issue >= options.to) continue;
    if (hasLabel) {
      if (!hasLabel(e, issue)) continue;
      if (candidate++ % stride !== 0) continue;
    }
    ends.push(e);
  }
  return ends;
}

/** Whether the window ending at bucket e (issued at `issue`) carries a label of any of the spec's tasks. */
function labelProbe(frame: SeriesFrame, spec: FeatureSpec, labelsBefore: number | undefined): (e: number, issue: number) => boolean {
  const probes = spec.targets.map((t) => {
    if (t.kind === 'classification') {
      const values = frame.values[frame.channels.indexOf(t.target)];
      return (e: number) => Number.isFinite(values?.[e] ?? NaN);
    }
    const p = prepareTarget(frame, t);
    return (_e: number, issue: number) => {
      const rel = (issue - p.start) / t.intervalMs;
      if (!Number.isInteger(rel)) return false;
      return t.horizons.some((hz) => {
        const j = rel + hz - 1;
        const targetTime = p.start + (j + 1) * t.intervalMs;
        return j >= 0 && j < p.values.length && Number.isFinite(p.values[j] ?? NaN) && (labelsBefore === undefined || targetTime <= labelsBefore);
      });
    };
  });
  return (e, issue) => probes.some((probe) => probe(e, issue));
}

function prepareTarget(frame: SeriesFrame, t: RegressionTargetSpec): PreparedTarget {
  return { spec: t, ...coarsen(frame, t.target, t.intervalMs) };
}

/**
 * The naive baselines of one issue time, per horizon: last observed value and the same time a season earlier;
 * and the series' recent spread when the transform measures changes in it (TargetTransform `spread`): the mean
 * absolute change between consecutive observed values among the last `spread` steps.
 */
function baselinesAt(p: PreparedTarget, t: RegressionTargetSpec, rel: number): { persistence: number; seasonal: number[]; spread: number } {
  const at = (j: number) => (j >= 0 && j < p.values.length ? (p.values[j] ?? NaN) : NaN);
  const steps = t.transform.kind === 'change' ? t.transform.spread : undefined;
  const spread = steps === undefined ? NaN : recentSpread(at, rel - 1, steps);
  let last = NaN;
  for (let j = rel - 1; j >= Math.max(0, rel - t.seasonSteps); j--) {
    if (Number.isFinite(at(j))) {
      last = at(j);
      break;
    }
  }
  const seasonal = t.horizons.map((hz) => {
    const season = at(rel + hz - 1 - t.seasonSteps * Math.ceil(hz / t.seasonSteps));
    return Number.isFinite(season) ? season : last;
  });
  return { persistence: last, seasonal, spread };
}

function regressionTargets(p: PreparedTarget, t: RegressionTargetSpec, scalers: FeatureScalers, issueTimes: Float64Array, labelsBefore: number | undefined): RegressionTargets {
  const h = t.horizons.length;
  const n = issueTimes.length;
  const scaler = scalerFor(scalers.targets, t.task);
  const y = new Float32Array(n * h);
  const mask = new Float32Array(n * h);
  const raw = new Float64Array(n * h).fill(NaN);
  const persistence = new Float64Array(n * h).fill(NaN);
  const seasonal = new Float64Array(n * h).fill(NaN);
  const spread = new Float64Array(n * h).fill(NaN);
  for (let w = 0; w < n; w++) {
    const rel = ((issueTimes[w] ?? 0) - p.start) / t.intervalMs;
    // A window issued off the task's grid (e.g. 10:05 for an hourly task) carries no label for it:
    // that is how one window of an input can carry a subset of its tasks' labels.
    if (!Number.isInteger(rel)) continue;
    const base = baselinesAt(p, t, rel);
    t.horizons.forEach((hz, k) => {
      const j = rel + hz - 1;
      const i = w * h + k;
      const v = j >= 0 && j < p.values.length ? (p.values[j] ?? NaN) : NaN;
      persistence[i] = base.persistence;
      seasonal[i] = base.seasonal[k] ?? NaN;
      spread[i] = base.spread;
      const targetTime = p.start + (j + 1) * t.intervalMs;
      if (!Number.isFinite(v) || (labelsBefore !== undefined && targetTime > labelsBefore)) return;
      const label = encodeTarget(t.transform, scaler, v, base);
      // A change target needs the last value; without one the window teaches nothing.
      if (!Number.isFinite(label)) return;
      raw[i] = v;
      y[i] = label;
      mask[i] = 1;
    });
  }
  return { kind: 'regression', horizons: h, y, mask, raw, persistence, seasonal, spread };
}

/** What a head learns for target value v: scaled level, or the change from persistence in units of changeUnit (decodeForecast inverts it). */
function encodeTarget(transform: TargetTransform, scaler: StandardScaler, v: number, base: { persistence: number; spread: number }): number {
  return transform.kind === 'level' ? scaler.transform(v) : (v - base.persistence) / changeUnit(transform, scaler.std, base.spread);
}

function classificationTargets(frame: SeriesFrame, t: Extract<TargetSpec, { kind: 'classification' }>, ends: number[]): ClassificationTargets {
  const values = frame.values[frame.channels.indexOf(t.target)] ?? new Float64Array(frame.length).fill(NaN);
  const y = new Int32Array(ends.length).fill(-1);
  const mask = new Float32Array(ends.length);
  ends.forEach((e, w) => {
    const v = values[e] ?? NaN;
    const k = Math.round(v);
    if (Number.isFinite(v) && k >= 0 && k < t.classes) {
      y[w] = k;
      mask[w] = 1;
    }
  });
  return { kind: 'classification', classes: t.classes, y, mask };
}

/** What serving feeds the model for one issue time, and what it needs to decode the outputs. */
export interface ServingWindow {
  issueTime: number;
  /** lookback × features, the same bits buildWindows writes for this issue time. */
  x: Float32Array;
  /** Per regression task: the last observed target value (persistence) and the recent spread (NaN unless the transform uses it); they decode change targets. */
  baselines: Record<string, { persistence: number; spread: number }>;
}

/**
 * The window a serving process feeds the model: the `lookback` buckets of the frame ending at
 * `issueTime` (default: the end of the frame). Same derivation, scaling and writer as training.
 */
export function servingWindow(frame: SiteFrame, spec: FeatureSpec, scalers: FeatureScalers, issueTime?: number): ServingWindow {
  const full = deriveChannels(frame, spec.derived);
  const end = issueTime === undefined ? full.length - 1 : Math.round((issueTime - full.start) / full.intervalMs) - 1;
  if (end < spec.lookback - 1 || end >= full.length) throw new Error(`frame does not cover a ${spec.lookback}-step window ending at ${issueTime ?? 'its end'}`);
  const x = new Float32Array(spec.lookback * featureCount(spec));
  writeWindow(spec, prepareRows(full, spec, scalers, [end]), end, x, 0);
  const issue = full.start + (end + 1) * full.intervalMs;
  const baselines: ServingWindow['baselines'] = {};
  for (const t of spec.targets) {
    if (t.kind !== 'regression') continue;
    const p = prepareTarget(full, t);
    const rel = (issue - p.start) / t.intervalMs;
    const base = Number.isInteger(rel) ? baselinesAt(p, t, rel) : undefined;
    baselines[t.task] = { persistence: base?.persistence ?? NaN, spread: base?.spread ?? NaN };
  }
  return { issueTime: issue, x, baselines };
}

/** What a change target decodes against, per window and horizon (n × horizons): persistence, and the recent spread where the transform measures changes in it. */
export interface ForecastBaseline {
  persistence: ArrayLike<number>;
  spread?: ArrayLike<number>;
}

/** A regression head's scaled outputs for n windows (the model's decode): point n × horizons, sorted quantiles n × horizons × quantiles. */
export interface ScaledForecast {
  point: ArrayLike<number>;
  values: ArrayLike<number>;
  quantiles: readonly number[];
}

/**
 * Scaled regression outputs of n windows → the forecast in the target's unit, point (n × horizons) and
 * quantiles (n × horizons × quantiles), against persistence (n × horizons; with the recent spread where the
 * transform uses it). The one decoder of training's
 * evaluation and serving. level: each output is the scaled target. change (TargetTransform): the point is
 * persistence + w_h × its predicted change, w_h the horizon's fitted weight (`weights`, else the spec's
 * `weights`, else shrink); each quantile sits at the point + shrink × its predicted distance to the point's
 * (without fitted weights: persistence + shrink × its predicted change).
 */
export function decodeForecast(spec: FeatureSpec, scalers: FeatureScalers, task: string, out: ScaledForecast, baseline: ForecastBaseline, weights?: readonly number[]): { point: Float64Array; values: Float64Array } {
  const { persistence, spread } = baseline;
  const t = spec.targets.find((x) => x.task === task);
  if (t?.kind !== 'regression') throw new Error(`spec ${spec.input} has no regression target ${task}`);
  const s = scalerFor(scalers.targets, task);
  const tr = t.transform;
  const h = t.horizons.length;
  const q = out.quantiles.length;
  if (out.point.length !== persistence.length || out.values.length !== out.point.length * q) throw new Error(`${task}: ${out.point.length} point and ${out.values.length} quantile outputs for ${persistence.length} persistence values`);
  if (tr.kind === 'level') return { point: Float64Array.from({ length: out.point.length }, (_, i) => s.inverse(out.point[i] ?? NaN)), values: Float64Array.from({ length: out.values.length }, (_, i) => s.inverse(out.values[i] ?? NaN)) };
  const w = weights ?? tr.weights;
  if (w && w.length !== h) throw new Error(`${task}: ${w.length} fitted weights for ${h} horizons`);
  const point = new Float64Array(out.point.length);
  const values = new Float64Array(out.values.length);
  for (let i = 0; i < point.length; i++) {
    const d = out.point[i] ?? 0;
    const unit = changeUnit(tr, s.std, spread?.[i] ?? NaN);
    const p = (persistence[i] ?? NaN) + (w?.[i % h] ?? tr.shrink) * unit * d;
    point[i] = p;
    for (let j = 0; j < q; j++) values[i * q + j] = p + tr.shrink * unit * ((out.values[i * q + j] ?? 0) - d);
  }
  return { point, values };
}

/** Converts scaled model outputs of a level-target regression task back to the metric's unit. */
export function unscaleTarget(scalers: FeatureScalers, task: string, values: Float32Array | Float64Array): Float64Array {
  const s = scalerFor(scalers.targets, task);
  return Float64Array.from(values, (v) => s.inverse(v));
}
