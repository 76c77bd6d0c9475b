import type { TaskDefinition } from '@headstream/core';
import { headlineMetric, headlineValue, type TaskName } from '@headstream/tasks';
import { decodeForecast, unservable, type FeatureScalers, type FeatureSpec, type ScaledForecast, type WindowSet } from '@headstream/features';
import { classificationMetrics, regressionMetrics, type MultiTaskModel } from '@headstream/model';
import type { FaultMetricsJSON, MetricsJSON, RegressionMetricsJSON } from '@headstream/registry';

/** A model's metrics on one task's windows, and the naive baselines on the same windows. */
export interface TaskScore {
  task: TaskName;
  n: number;
  metrics: MetricsJSON;
  baselines: { persistence: MetricsJSON; seasonal_naive: MetricsJSON };
  /** Point forecasts (regression, n × horizons, in the target's unit) or labels (fault). */
  predictions: Float64Array;
  /** Regression: the quantile forecasts decoded like the point, n × horizons × quantiles. */
  quantiles?: Float64Array;
  anomaly?: Float32Array;
  /** fitTask of a fitted change target: the weight of the point's predicted change per horizon, fitted on all the windows (saved with the model: withWeights). */
  weights?: number[];
}

/** What scoring reads of a model: a task's definition, the input it reads, and batched predictions (a MultiTaskModel, or several averaged). */
export type TaskPredictor = Pick<MultiTaskModel, 'task' | 'inputOf' | 'predict'>;

/** The mean of no values is undefined: NaN, never 0 (which would read as a perfect score). */
const mean = (xs: readonly number[]) => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);

export function regressionJSON(truth: ArrayLike<number>, pred: ArrayLike<number>, horizons: readonly number[]): RegressionMetricsJSON {
  // A regression task has at least one horizon (taskDefinitionSchema); without one there is nothing to score.
  if (horizons.length === 0) throw new Error('regressionJSON: no horizons to score');
  const m = regressionMetrics(truth, pred, horizons);
  return { mae: mean(m.map((h) => h.mae)), rmse: mean(m.map((h) => h.rmse)), mape: mean(m.map((h) => h.mape)), by_horizon: m };
}

export function faultJSON(truth: ArrayLike<number>, labels: ArrayLike<number>, anomaly: ArrayLike<number>, classes: number): FaultMetricsJSON {
  const m = classificationMetrics(truth, labels, anomaly, classes);
  return { count: m.count, accuracy: m.accuracy, macro_f1: m.macroF1, anomaly_f1: m.anomalyF1 };
}

/** Headline score for Δm% and the guard: the task's headline metric (its kind's: mean MAE over horizons, lower is better; macro-F1, higher is better). */
export function headline(task: TaskName, m: MetricsJSON): { value: number; higherIsBetter: boolean } {
  return { value: headlineValue(task, m), higherIsBetter: headlineMetric(task).higherIsBetter };
}


/**
 * Scores a model's task on a window set (built with `spec` and `scalers`, the ones saved with the model),
 * next to persistence and seasonal naive on the same windows. Outputs are decoded with the spec's target
 * transform (its fitted weights as saved), the same decoder serving uses. Fault: "persistence" is the
 * no-change forecast of the machine state — normal (labels are not inputs, so the last label is not
 * observable); seasonal naive equals it.
 */
export function scoreTask(model: TaskPredictor, task: TaskName, set: WindowSet, spec: FeatureSpec, scalers: FeatureScalers): TaskScore {
  return score(model, task, set, spec, scalers, false);
}

/**
 * Scores a freshly trained model's task on its validation windows like scoreTask, fitting what its
 * transform leaves to the held-out data first: for a change target with `fitted` (TargetTransform), the
 * weight of the point's predicted change per horizon. The score is cross-fitted, so no window is scored
 * with weights fitted on it: the windows fall into COMBINATION_BLOCKS contiguous blocks of issue times and
 * each block is decoded with the weights fitted on the others. The weights saved with the model
 * (`TaskScore.weights`, withWeights) are fitted on all of them. Any other task: scoreTask.
 */
export function fitTask(model: TaskPredictor, task: TaskName, set: WindowSet, spec: FeatureSpec, scalers: FeatureScalers): TaskScore {
  return score(model, task, set, spec, scalers, true);
}

/** Contiguous blocks of issue times a fitted combination is cross-fitted over (fitTask). */
export const COMBINATION_BLOCKS = 4;

/**
 * The weight a in [0, 1] with the least Σ |r − a·c| over the pairs (r: the actual change from persistence,
 * c: the model's predicted change): the median of r / c weighted by |c|, clamped (the sum is convex in a).
 * Pairs with a non-finite value or no predicted change carry no information; without any, `fallback`.
 */
export function combinationWeight(r: ArrayLike<number>, c: ArrayLike<number>, fallback: number): number {
  const pairs: [number, number][] = [];
  let total = 0;
  for (let i = 0; i < r.length; i++) {
    const ri = r[i] ?? NaN;
    const ci = c[i] ?? NaN;
    if (!Number.isFinite(ri) || !Number.isFinite(ci) || ci === 0) continue;
    pairs.push([ri / ci, Math.abs(ci)]);
    total += Math.abs(ci);
  }
  if (pairs.length === 0) return fallback;
  pairs.sort((a, b) => a[0] - b[0]);
  let acc = 0;
  for (const [ratio, w] of pairs) {
    acc += w;
    if (acc >= total / 2) return Math.min(1, Math.max(0, ratio));
  }
  return Math.min(1, Math.max(0, pairs[pairs.length - 1]?.[0] ?? fallback));
}

function score(model: TaskPredictor, task: TaskName, set: WindowSet, spec: FeatureSpec, scalers: FeatureScalers, fit: boolean): TaskScore {
  const def: TaskDefinition = model.task(task);
  const target = set.targets[task];
  if (!target) throw new Error(`windows carry no ${task} labels`);
  const input = model.inputOf(def);
  const pred = model.predict({ [input]: set.x }, { tasks: [task] })[task];
  if (!pred) throw new Error(`model gave no ${task} prediction`);
  const skip = unservableRows(set, spec, task);
  if (def.kind === 'regression' && target.kind === 'regression' && pred.kind === 'regression') {
    const h = def.horizons.length;
    // Windows serving would not predict from count for no model and no baseline.
    const raw = skip.size ? target.raw.map((v, i) => (skip.has(Math.floor(i / h)) ? NaN : v)) : target.raw;
    const targetSpec = spec.targets.find((t) => t.task === task);
    const fitted = fit && targetSpec?.kind === 'regression' && targetSpec.transform.kind === 'change' && targetSpec.transform.fitted === true;
    const baseline = { persistence: target.persistence, spread: target.spread };
    const decoded = fitted ? crossFitted(spec, scalers, task, pred, baseline, raw, set.issueTimes, h) : { ...decodeForecast(spec, scalers, task, pred, baseline), weights: undefined };
    return {
      task,
      n: countRows(raw, h),
      metrics: regressionJSON(raw, decoded.point, def.horizons),
      baselines: { persistence: regressionJSON(raw, target.persistence, def.horizons), seasonal_naive: regressionJSON(raw, target.seasonal, def.horizons) },
      predictions: decoded.point,
      quantiles: decoded.values,
      ...(decoded.weights ? { weights: decoded.weights } : {}),
    };
  }
  if (def.kind === 'classification' && target.kind === 'classification' && pred.kind === 'classification') {
    const k = def.classes.length;
    const y = skip.size ? target.y.map((v, i) => (skip.has(i) ? -1 : v)) : target.y;
    const normal = faultJSON(y, new Int32Array(y.length), new Float32Array(y.length), k);
    return {
      task,
      n: y.filter((v) => v >= 0).length,
      metrics: faultJSON(y, pred.label, pred.anomaly, k),
      baselines: { persistence: normal, seasonal_naive: { ...normal } },
      predictions: Float64Array.from(pred.label),
      anomaly: pred.anomaly,
    };
  }
  throw new Error(`task ${task}: model and windows disagree on its kind`);
}

/** fitTask's decoding of a fitted change target: each block of issue times with the weights fitted on the others; the weights fitted on all. */
function crossFitted(spec: FeatureSpec, scalers: FeatureScalers, task: TaskName, pred: ScaledForecast, baseline: { persistence: Float64Array; spread: Float64Array }, raw: Float64Array, issueTimes: Float64Array, h: number): { point: Float64Array; values: Float64Array; weights: number[] } {
  const { persistence } = baseline;
  const t = spec.targets.find((x) => x.task === task);
  const shrink = t?.kind === 'regression' && t.transform.kind === 'change' ? t.transform.shrink : 1;
  // At weight 1 the point is persistence + the whole predicted change.
  const unit = decodeForecast(spec, scalers, task, pred, baseline, new Array<number>(h).fill(1));
  const n = issueTimes.length;
  const times = [...new Set(issueTimes)].sort((a, b) => a - b);
  const rank = new Map(times.map((v, i) => [v, i]));
  const block = Int32Array.from(issueTimes, (v) => Math.min(COMBINATION_BLOCKS - 1, Math.floor(((rank.get(v) ?? 0) * COMBINATION_BLOCKS) / Math.max(times.length, 1))));
  const fitOn = (use: (i: number) => boolean) =>
    Array.from({ length: h }, (_, k) => {
      const r: number[] = [];
      const c: number[] = [];
      for (let i = 0; i < n; i++) {
        if (!use(i)) continue;
        const p = persistence[i * h + k] ?? NaN;
        r.push((raw[i * h + k] ?? NaN) - p);
        c.push((unit.point[i * h + k] ?? NaN) - p);
      }
      return combinationWeight(r, c, shrink);
    });
  // Each block's rows as the decoder gives them with the weights fitted on the other blocks.
  const perBlock = Array.from({ length: COMBINATION_BLOCKS }, (_, b) => decodeForecast(spec, scalers, task, pred, baseline, fitOn((i) => block[i] !== b)));
  const point = new Float64Array(unit.point.length);
  const values = new Float64Array(unit.values.length);
  const q = pred.quantiles.length;
  for (let i = 0; i < n; i++) {
    const decoded = perBlock[block[i] ?? 0] ?? unit;
    point.set(decoded.point.subarray(i * h, (i + 1) * h), i * h);
    values.set(decoded.values.subarray(i * h * q, (i + 1) * h * q), i * h * q);
  }
  return { point, values, weights: fitOn(() => true) };
}

/** Rows of a window set serving would not predict `task` from (features' one rule, `unservable`). */
export function unservableRows(set: WindowSet, spec: FeatureSpec, task: string): Set<number> {
  const out = new Set<number>();
  const per = set.lookback * set.features;
  const target = set.targets[task];
  const h = target?.kind === 'regression' ? target.horizons : 1;
  for (let i = 0; i < set.n; i++) {
    const persistence = target?.kind === 'regression' ? (target.persistence[i * h] ?? NaN) : NaN;
    if (unservable(spec, task, set.x, i * per, set.features, persistence)) out.add(i);
  }
  return out;
}

function countRows(raw: Float64Array, h: number): number {
  let n = 0;
  for (let i = 0; i < raw.length / h; i++) {
    for (let k = 0; k < h; k++) {
      if (Number.isFinite(raw[i * h + k])) {
        n++;
        break;
      }
    }
  }
  return n;
}
