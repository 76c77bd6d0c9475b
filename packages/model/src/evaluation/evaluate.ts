import type { MultiTaskModel } from '../architecture/model.js';
import type { MultiTaskData } from '../training/data.js';
import { classificationMetrics, regressionMetrics, type ClassificationMetrics, type HorizonMetrics, type TaskScore } from './metrics.js';

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Per-task metrics on model data (scaled units, labels as masked): for training-time comparisons. */
export type DataReport =
  | { kind: 'regression'; model: HorizonMetrics[]; score: TaskScore }
  | { kind: 'classification'; model: ClassificationMetrics; score: TaskScore };

/**
 * Evaluates `tasks` (default all of the model's) on MultiTaskData: regression on the median forecast
 * (headline: mean MAE over horizons, lower is better), classification on the arg-max class (headline:
 * macro-F1, higher is better). Unlabelled entries (mask 0) are skipped.
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
