import type { TaskDefinition } from '@headstream/core';
import { headlineMetric, headlineValue, type TaskName } from '@headstream/tasks';
import { decodeTarget, unservable, type FeatureScalers, type FeatureSpec, type WindowSet } from '@headstream/features';
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
}

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


/** Persistence repeated over the quantiles, so element i of n × horizons × quantiles decodes against it. */
function repeatOverQuantiles(persistence: Float64Array, q: number): Float64Array {
  return Float64Array.from({ length: persistence.length * q }, (_, i) => persistence[Math.floor(i / q)] ?? NaN);
}

/**
 * Scores a model's task on a window set (built with `spec` and `scalers`, the ones saved with the model),
 * next to persistence and seasonal naive on the same windows. Outputs are decoded with the spec's target
 * transform, the same decoder serving uses. Fault: "persistence" is the no-change forecast of the machine
 * state — normal (labels are not inputs, so the last label is not observable); seasonal naive equals it.
 */
export function scoreTask(model: MultiTaskModel, task: TaskName, set: WindowSet, spec: FeatureSpec, scalers: FeatureScalers): TaskScore {
  const def: TaskDefinition = model.task(task);
  const target = set.targets[task];
  if (!target) throw new Error(`windows carry no ${task} labels`);
  const input = model.inputOf(def);
  const pred = model.predict({ [input]: set.x }, { tasks: [task] })[task];
  if (!pred) throw new Error(`model gave no ${task} prediction`);
  const skip = unservableRows(set, spec, task);
  if (def.kind === 'regression' && target.kind === 'regression' && pred.kind === 'regression') {
    const point = decodeTarget(spec, scalers, task, pred.point, target.persistence);
    const quantiles = decodeTarget(spec, scalers, task, pred.values, repeatOverQuantiles(target.persistence, pred.quantiles.length));
    const h = def.horizons.length;
    // Windows serving would not predict from count for no model and no baseline.
    const raw = skip.size ? target.raw.map((v, i) => (skip.has(Math.floor(i / h)) ? NaN : v)) : target.raw;
    return {
      task,
      n: countRows(raw, h),
      metrics: regressionJSON(raw, point, def.horizons),
      baselines: { persistence: regressionJSON(raw, target.persistence, def.horizons), seasonal_naive: regressionJSON(raw, target.seasonal, def.horizons) },
      predictions: point,
      quantiles,
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
