import type { TaskDefinition, TaskName } from '@headstream/core';
import { type FeatureScalers, type WindowSet } from '@headstream/features';
import { classificationMetrics, DEFAULT_ENCODER, fromWindowSets, regressionMetrics, type EncoderConfig, type ModelConfig, type MultiTaskData, type MultiTaskModel } from '@headstream/model';
import { forecastFromOutput, PROTOCOL_TASKS, SHARED_LOOKBACK } from './protocols.js';

export interface HorizonJSON {
  horizon: number;
  count: number;
  mae: number;
  rmse: number;
  mape: number;
}

export interface RegressionJSON {
  mae: number;
  rmse: number;
  mape: number;
  by_horizon: HorizonJSON[];
}

export interface FaultJSON {
  count: number;
  accuracy: number;
  macro_f1: number;
  anomaly_f1: number;
}

export type MetricsJSON = RegressionJSON | FaultJSON;

/** A model's metrics on one task's windows, and the naive baselines on the same windows. */
export interface TaskScoreJSON {
  task: TaskName;
  n: number;
  metrics: MetricsJSON;
  baselines: { persistence: MetricsJSON; seasonal_naive: MetricsJSON };
  /** The model's point forecasts (regression, n × horizons, in the target's unit) or labels/anomaly scores (fault). */
  predictions: Float64Array;
  anomaly?: Float32Array;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(xs.length, 1);

export function regressionJSON(truth: ArrayLike<number>, pred: ArrayLike<number>, horizons: readonly number[]): RegressionJSON {
  const m = regressionMetrics(truth, pred, horizons);
  return { mae: mean(m.map((h) => h.mae)), rmse: mean(m.map((h) => h.rmse)), mape: mean(m.map((h) => h.mape)), by_horizon: m };
}

export function faultJSON(truth: ArrayLike<number>, labels: ArrayLike<number>, anomaly: ArrayLike<number>, classes: number): FaultJSON {
  const m = classificationMetrics(truth, labels, anomaly, classes);
  return { count: m.count, accuracy: m.accuracy, macro_f1: m.macroF1, anomaly_f1: m.anomalyF1 };
}

/** Headline score for Δm%: mean MAE over horizons (lower is better) or macro-F1 (higher is better). */
export function headline(m: MetricsJSON): { value: number; higherIsBetter: boolean } {
  return 'macro_f1' in m ? { value: m.macro_f1, higherIsBetter: true } : { value: m.mae, higherIsBetter: false };
}

/** Model config for a subset of the tasks: one input (stem) per task, named after it; one shared encoder. */
export function modelConfig(tasks: readonly TaskName[], features: Record<string, number>, seed: number, encoder: EncoderConfig = DEFAULT_ENCODER): ModelConfig {
  return {
    tasks: tasks.map((t) => structuredClone(PROTOCOL_TASKS[t])),
    inputs: Object.fromEntries(tasks.map((t) => [t, { features: features[t] ?? 0 }])),
    taskInput: Object.fromEntries(tasks.map((t) => [t, t])),
    lookback: SHARED_LOOKBACK,
    encoder,
    headHidden: 32,
    seed,
  };
}

/** Model data from the tasks' window sets (each set's domain is its task = its input). */
export function modelData(sets: readonly WindowSet[]): MultiTaskData {
  return fromWindowSets(sets);
}

/**
 * Scores a model's task on a window set, next to persistence and seasonal naive on the same windows.
 * Fault: "persistence" is the no-change forecast of the machine state — normal (labels are not inputs,
 * so the last label is not observable); seasonal naive has no meaning at 1 s and equals it.
 */
export function scoreTask(model: MultiTaskModel, task: TaskName, set: WindowSet, scalers: FeatureScalers): TaskScoreJSON {
  const def: TaskDefinition = model.task(task);
  const target = set.targets[task];
  if (!target) throw new Error(`windows carry no ${task} labels`);
  const input = model.inputOf(def);
  const pred = model.predict({ [input]: set.x }, { tasks: [task] })[task];
  if (!pred) throw new Error(`model gave no ${task} prediction`);
  if (def.kind === 'regression' && target.kind === 'regression' && pred.kind === 'regression') {
    const point = forecastFromOutput(task, pred.point, target.persistence, scalers);
    const n = countRows(target.raw, def.horizons.length);
    return {
      task,
      n,
      metrics: regressionJSON(target.raw, point, def.horizons),
      baselines: { persistence: regressionJSON(target.raw, target.persistence, def.horizons), seasonal_naive: regressionJSON(target.raw, target.seasonal, def.horizons) },
      predictions: point,
    };
  }
  if (def.kind === 'classification' && target.kind === 'classification' && pred.kind === 'classification') {
    const k = def.classes.length;
    const normal = faultJSON(target.y, new Int32Array(target.y.length), new Float32Array(target.y.length), k);
    return {
      task,
      n: target.y.filter((y) => y >= 0).length,
      metrics: faultJSON(target.y, pred.label, pred.anomaly, k),
      baselines: { persistence: normal, seasonal_naive: { ...normal } },
      predictions: Float64Array.from(pred.label),
      anomaly: pred.anomaly,
    };
  }
  throw new Error(`task ${task}: model and windows disagree on its kind`);
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

/**
 * Fault type per run: a run is called "normal" when under 10% of its windows are predicted faulty, else
 * the fault class predicted most often. Returns per-run calls and the share of runs called right.
 */
export function runTypes(labels: ArrayLike<number>, site: ArrayLike<number>, sites: readonly string[], truth: Record<string, number>, classes: number): { runs: { run: string; truth: number; predicted: number }[]; accuracy: number } {
  const counts = sites.map(() => new Array<number>(classes).fill(0));
  for (let i = 0; i < labels.length; i++) {
    const c = counts[site[i] ?? 0];
    const l = labels[i] ?? 0;
    if (c) c[l] = (c[l] ?? 0) + 1;
  }
  const runs = sites.map((run, k) => {
    const c = counts[k] ?? [];
    const total = c.reduce((a, b) => a + b, 0);
    const faulty = total - (c[0] ?? 0);
    let predicted = 0;
    if (total > 0 && faulty >= 0.1 * total) {
      predicted = 1;
      for (let j = 2; j < classes; j++) if ((c[j] ?? 0) > (c[predicted] ?? 0)) predicted = j;
    }
    return { run, truth: truth[run] ?? 0, predicted };
  });
  return { runs, accuracy: runs.filter((r) => r.truth === r.predicted).length / Math.max(runs.length, 1) };
}
