import { calendarFeatures } from './calendar.js';
import { coarsen, fillGaps, type SeriesFrame } from './resample.js';
import { StandardScaler } from './scaler.js';
import { featureCount, type FeatureScalers, type FeatureSpec, type TargetSpec } from './spec.js';

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
}

export interface ClassificationTargets {
  kind: 'classification';
  classes: number;
  /** Class index per window; -1 where unlabelled. */
  y: Int32Array;
  mask: Float32Array;
}

export type TaskTargets = RegressionTargets | ClassificationTargets;

/** Model-ready windows of one domain: x is n × lookback × features, row-major. */
export interface WindowSet {
  domain: string;
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
 * Fits input and target scalers on the data strictly before `trainEnd`: nothing from the validation
 * or test period may shape the scaling.
 */
export function fitScalers(frame: SeriesFrame, spec: FeatureSpec, trainEnd: number): FeatureScalers {
  const channels: FeatureScalers['channels'] = {};
  for (const c of spec.channels) {
    const values = frame.values[frame.channels.indexOf(c)];
    if (!values) throw new Error(`frame lacks channel ${c}`);
    channels[c] = StandardScaler.fit(values, 0, bucketsBefore(frame, frame.length, trainEnd)).toJSON();
  }
  const targets: FeatureScalers['targets'] = {};
  for (const t of spec.targets) {
    if (t.kind !== 'regression') continue;
    const series = coarsen(frame, t.target, t.intervalMs);
    targets[t.task] = StandardScaler.fit(series.values, 0, bucketsBefore({ start: series.start, intervalMs: t.intervalMs }, series.values.length, trainEnd)).toJSON();
  }
  return { channels, targets };
}

/** Inputs prepared once per frame: filled, scaled channels plus masks. */
interface PreparedInputs {
  scaled: Float64Array[];
  masks: Uint8Array[];
}

function prepareInputs(frame: SeriesFrame, spec: FeatureSpec, scalers: FeatureScalers): PreparedInputs {
  if (frame.intervalMs !== spec.intervalMs) throw new Error(`frame interval ${frame.intervalMs} ms ≠ spec interval ${spec.intervalMs} ms`);
  const scaled: Float64Array[] = [];
  const masks: Uint8Array[] = [];
  for (const c of spec.channels) {
    const values = frame.values[frame.channels.indexOf(c)];
    if (!values) throw new Error(`frame lacks channel ${c}`);
    const { filled, mask } = fillGaps(values);
    const s = scalerFor(scalers.channels, c);
    scaled.push(filled.map((v) => s.transform(v)));
    masks.push(mask);
  }
  return { scaled, masks };
}

/** Writes the window whose last bucket is `end` into out[offset…]. The one place windows are made. */
function writeWindow(frame: SeriesFrame, spec: FeatureSpec, inputs: PreparedInputs, end: number, out: Float32Array, offset: number): void {
  const f = featureCount(spec);
  const c = spec.channels.length;
  for (let s = 0; s < spec.lookback; s++) {
    const i = end - spec.lookback + 1 + s;
    const row = offset + s * f;
    for (let k = 0; k < c; k++) {
      out[row + k] = inputs.scaled[k]?.[i] ?? 0;
      if (spec.gapMask) out[row + c + k] = inputs.masks[k]?.[i] ?? 0;
    }
    if (spec.calendar) {
      const cal = calendarFeatures(frame.start + i * frame.intervalMs);
      const base = row + c * (spec.gapMask ? 2 : 1);
      for (let k = 0; k < 4; k++) out[base + k] = cal[k] ?? 0;
    }
  }
}

export interface WindowOptions {
  /** Issue-time range [from, to) of the windows to build (a split); default: the whole frame. */
  from?: number;
  to?: number;
  /** Keep every stride-th window. */
  stride?: number;
  /** Skip labels whose target time is at or after this instant (keeps a training split's labels inside it). */
  labelsBefore?: number;
}

interface PreparedTarget {
  spec: TargetSpec;
  start: number;
  values: Float64Array;
}

/** Builds windows and labels for training or evaluation. Serving uses servingWindow (same writer). */
export function buildWindows(frame: SeriesFrame, spec: FeatureSpec, scalers: FeatureScalers, options: WindowOptions = {}): WindowSet {
  const inputs = prepareInputs(frame, spec, scalers);
  const stride = Math.max(1, options.stride ?? 1);
  const ends: number[] = [];
  for (let e = spec.lookback - 1; e < frame.length; e += stride) {
    const issue = frame.start + (e + 1) * frame.intervalMs;
    if (options.from !== undefined && issue < options.from) continue;
    if (options.to !== undefined && issue >= options.to) continue;
    ends.push(e);
  }
  const n = ends.length;
  const f = featureCount(spec);
  const x = new Float32Array(n * spec.lookback * f);
  const issueTimes = new Float64Array(n);
  ends.forEach((e, w) => {
    writeWindow(frame, spec, inputs, e, x, w * spec.lookback * f);
    issueTimes[w] = frame.start + (e + 1) * frame.intervalMs;
  });

  const prepared: PreparedTarget[] = spec.targets.map((t) =>
    t.kind === 'regression' ? { spec: t, ...coarsen(frame, t.target, t.intervalMs) } : { spec: t, start: frame.start, values: frame.values[frame.channels.indexOf(t.target)] ?? new Float64Array(frame.length).fill(NaN) },
  );
  const targets: Record<string, TaskTargets> = {};
  for (const p of prepared) {
    targets[p.spec.task] = p.spec.kind === 'regression' ? regressionTargets(p, p.spec, scalers, ends, issueTimes, options.labelsBefore) : classificationTargets(p, p.spec, ends);
  }
  return { domain: spec.domain, n, lookback: spec.lookback, features: f, x, issueTimes, targets };
}

function regressionTargets(
  p: PreparedTarget,
  t: Extract<TargetSpec, { kind: 'regression' }>,
  scalers: FeatureScalers,
  ends: number[],
  issueTimes: Float64Array,
  labelsBefore: number | undefined,
): RegressionTargets {
  const h = t.horizons.length;
  const n = ends.length;
  const scaler = scalerFor(scalers.targets, t.task);
  const y = new Float32Array(n * h);
  const mask = new Float32Array(n * h);
  const raw = new Float64Array(n * h).fill(NaN);
  const persistence = new Float64Array(n * h).fill(NaN);
  const seasonal = new Float64Array(n * h).fill(NaN);
  const at = (j: number) => (j >= 0 && j < p.values.length ? (p.values[j] ?? NaN) : NaN);
  for (let w = 0; w < n; w++) {
    const issue = issueTimes[w] ?? 0;
    const rel = (issue - p.start) / t.intervalMs;
    // A window issued off the task's grid (e.g. 10:05 for an hourly task) carries no label for it:
    // that is how one domain window can carry a subset of its tasks' labels.
    if (!Number.isInteger(rel)) continue;
    let last = NaN;
    for (let j = rel - 1; j >= Math.max(0, rel - t.seasonSteps); j--) {
      if (Number.isFinite(at(j))) {
        last = at(j);
        break;
      }
    }
    t.horizons.forEach((hz, k) => {
      const j = rel + hz - 1;
      const i = w * h + k;
      const v = at(j);
      persistence[i] = last;
      const season = at(j - t.seasonSteps * Math.ceil(hz / t.seasonSteps));
      seasonal[i] = Number.isFinite(season) ? season : last;
      const targetTime = p.start + (j + 1) * t.intervalMs;
      if (!Number.isFinite(v) || (labelsBefore !== undefined && targetTime > labelsBefore)) return;
      raw[i] = v;
      y[i] = scaler.transform(v);
      mask[i] = 1;
    });
  }
  return { kind: 'regression', horizons: h, y, mask, raw, persistence, seasonal };
}

function classificationTargets(p: PreparedTarget, t: Extract<TargetSpec, { kind: 'classification' }>, ends: number[]): ClassificationTargets {
  const y = new Int32Array(ends.length).fill(-1);
  const mask = new Float32Array(ends.length);
  ends.forEach((e, w) => {
    const v = p.values[e] ?? NaN;
    const k = Math.round(v);
    if (Number.isFinite(v) && k >= 0 && k < t.classes) {
      y[w] = k;
      mask[w] = 1;
    }
  });
  return { kind: 'classification', classes: t.classes, y, mask };
}

/**
 * The window a serving process feeds the model: the latest `lookback` buckets of the frame ending at
 * `issueTime` (default: the end of the frame). Same scaling and writer as training.
 */
export function servingWindow(frame: SeriesFrame, spec: FeatureSpec, scalers: FeatureScalers, issueTime?: number): Float32Array {
  const end = issueTime === undefined ? frame.length - 1 : Math.round((issueTime - frame.start) / frame.intervalMs) - 1;
  if (end < spec.lookback - 1 || end >= frame.length) throw new Error(`frame does not cover a ${spec.lookback}-step window ending at ${issueTime ?? 'its end'}`);
  const out = new Float32Array(spec.lookback * featureCount(spec));
  writeWindow(frame, spec, prepareInputs(frame, spec, scalers), end, out, 0);
  return out;
}

/** Converts scaled model outputs of a regression task back to the metric's unit. */
export function unscaleTarget(scalers: FeatureScalers, task: string, values: Float32Array | Float64Array): Float64Array {
  const s = scalerFor(scalers.targets, task);
  return Float64Array.from(values, (v) => s.inverse(v));
}
