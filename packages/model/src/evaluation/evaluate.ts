import type { FeatureScalers, WindowSet } from '@headstream/features';
import { unscaleTarget } from '@headstream/features';
import type { MultiTaskModel } from '../architecture/model.js';
import type { MultiTaskData } from '../training/data.js';
import { classificationMetrics, regressionMetrics, type ClassificationMetrics, type HorizonMetrics, type TaskScore } from './metrics.js';

export type TaskReport =
  | { kind: 'regression'; model: HorizonMetrics[]; persistence: HorizonMetrics[]; seasonal: HorizonMetrics[]; coverage: number; score: TaskScore }
  | { kind: 'classification'; model: ClassificationMetrics; majority: ClassificationMetrics; score: TaskScore };

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Evaluates every task of the model on held-out windows, always next to naive baselines run through the
 * same metric code: persistence and seasonal naive for regression, the majority ("normal") class for fault.
 */
export function evaluate(model: MultiTaskModel, sets: readonly WindowSet[], scalers: Record<string, FeatureScalers>): Record<string, TaskReport> {
  const byInput = Object.fromEntries(sets.map((s) => [s.input, s]));
  const inputs = Object.fromEntries(sets.map((s) => [s.input, s.x]));
  const preds = model.predict(inputs);
  const out: Record<string, TaskReport> = {};
  for (const task of model.tasks) {
    const set = byInput[model.inputOf(task)];
    const target = set?.targets[task.name];
    const pred = preds[task.name];
    const sc = scalers[model.inputOf(task)];
    if (!set || !target || !pred || !sc) continue;
    if (task.kind === 'regression' && target.kind === 'regression' && pred.kind === 'regression') {
      const point = unscaleTarget(sc, task.name, pred.point);
      const values = unscaleTarget(sc, task.name, pred.values);
      const q = pred.quantiles.length;
      let inside = 0;
      let total = 0;
      for (let i = 0; i < target.raw.length; i++) {
        const y = target.raw[i] ?? NaN;
        if (!Number.isFinite(y)) continue;
        total++;
        if (y >= (values[i * q] ?? NaN) && y <= (values[i * q + q - 1] ?? NaN)) inside++;
      }
      const m = regressionMetrics(target.raw, point, task.horizons);
      out[task.name] = {
        kind: 'regression',
        model: m,
        persistence: regressionMetrics(target.raw, target.persistence, task.horizons),
        seasonal: regressionMetrics(target.raw, target.seasonal, task.horizons),
        coverage: inside / total,
        score: { value: mean(m.map((h) => h.mae)), higherIsBetter: false },
      };
    } else if (task.kind === 'classification' && target.kind === 'classification' && pred.kind === 'classification') {
      const m = classificationMetrics(target.y, pred.label, pred.anomaly, task.classes.length);
      out[task.name] = {
        kind: 'classification',
        model: m,
        majority: classificationMetrics(target.y, new Int32Array(target.y.length), new Float32Array(target.y.length), task.classes.length),
        score: { value: m.macroF1, higherIsBetter: true },
      };
    }
  }
  return out;
}

/** Per-task metrics on model data (scaled units, labels as masked): for training-time comparisons. */
export type DataReport =
  | { kind: 'regression'; model: HorizonMetrics[]; score: TaskScore }
  | { kind: 'classification'; model: ClassificationMetrics; score: TaskScore };

/**
 * Evaluates `tasks` (default all of the model's) on MultiTaskData: regression on the median forecast
 * (headline: mean MAE over horizons, lower is better), classification on the arg-max class (headline:
 * macro-F1, higher is better). Unlabelled entries (mask 0) are skipped. Same headline scores as evaluate().
 */
export function evaluateData(model: MultiTaskModel, data: MultiTaskData, tasks: readonly string[] = model.tasks.map((t) => t.name)): Record<string, DataReport> {
  const defs = tasks.map((t) => model.task(t));
  const inputs = Object.fromEntries(model.inputsFor(defs).map((i) => [i, data.inputs[i]?.x ?? new Float32Array()]));
  const preds = model.predict(inputs, { tasks });
  const out: Record<string, DataReport> = {};
  for (const task of defs) {
    const l = data.labels[task.name];
    const p = preds[task.name];
    if (!l || !p) continue;
    if (task.kind === 'regression' && p.kind === 'regression') {
      const truth = Float64Array.from(l.y, (v, i) => ((l.mask[i] ?? 0) > 0 ? v : NaN));
      const m = regressionMetrics(truth, p.point, task.horizons);
      out[task.name] = { kind: 'regression', model: m, score: { value: mean(m.map((h) => h.mae)), higherIsBetter: false } };
    } else if (task.kind === 'classification' && p.kind === 'classification') {
      const truth = Int32Array.from(l.y, (v, i) => ((l.mask[i] ?? 0) > 0 ? v : -1));
      const m = classificationMetrics(truth, p.label, p.anomaly, task.classes.length);
      out[task.name] = { kind: 'classification', model: m, score: { value: m.macroF1, higherIsBetter: true } };
    }
  }
  return out;
}
