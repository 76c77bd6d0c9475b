import type { MultiTaskModel, TaskPrediction } from './architecture/model.js';

/**
 * The mean of several predictions of one task for the same windows: regression quantiles and points averaged in
 * the model's output space (averaged sorted quantiles stay sorted), classification probabilities and anomaly
 * scores averaged and the label re-taken as the most probable class.
 */
export function averagePredictions(preds: readonly TaskPrediction[]): TaskPrediction {
  const first = preds[0];
  if (!first) throw new Error('no prediction to average');
  const w = 1 / preds.length;
  const sum = (get: (p: TaskPrediction) => Float32Array): Float32Array => {
    const out = new Float32Array(get(first).length);
    for (const p of preds) {
      const v = get(p);
      if (v.length !== out.length) throw new Error('predictions of different shapes cannot be averaged');
      for (let i = 0; i < out.length; i++) out[i] = (out[i] ?? 0) + w * (v[i] ?? 0);
    }
    return out;
  };
  if (first.kind === 'regression') {
    const of = (p: TaskPrediction) => {
      if (p.kind !== 'regression' || p.horizons !== first.horizons || p.quantiles.join() !== first.quantiles.join()) throw new Error('cannot average a regression forecast with another kind or shape');
      return p;
    };
    return { ...first, values: sum((p) => of(p).values), point: sum((p) => of(p).point) };
  }
  const of = (p: TaskPrediction) => {
    if (p.kind !== 'classification' || p.classes !== first.classes) throw new Error('cannot average class probabilities with another kind or shape');
    return p;
  };
  const probabilities = sum((p) => of(p).probabilities);
  const anomaly = sum((p) => of(p).anomaly);
  const k = first.classes;
  const label = new Int32Array(first.n);
  for (let i = 0; i < first.n; i++) {
    let best = 0;
    for (let c = 1; c < k; c++) if ((probabilities[i * k + c] ?? 0) > (probabilities[i * k + best] ?? 0)) best = c;
    label[i] = best;
  }
  return { ...first, probabilities, anomaly, label };
}

/**
 * Several models read as one (a TaskPredictor): every member predicts the same windows and their outputs are
 * averaged (averagePredictions), so the ensemble is decoded and scored like a single model (fitTask fits its
 * combination weights on the average). Members must share the tasks asked of them; each reads its own input.
 */
export function averageModels(models: readonly MultiTaskModel[]): Pick<MultiTaskModel, 'task' | 'inputOf' | 'predict'> {
  const first = models[0];
  if (!first) throw new Error('an ensemble needs at least one model');
  return {
    task: (name) => first.task(name),
    inputOf: (definition) => first.inputOf(definition),
    predict(inputs, options) {
      const all = models.map((m) => m.predict(inputs, options));
      return Object.fromEntries(Object.keys(all[0] ?? {}).map((t) => [t, averagePredictions(all.map((p) => p[t] as TaskPrediction))]));
    },
  };
}

/** Row `i` of a prediction as a prediction of one window (its arrays are views, not copies). */
export function predictionRow(pred: TaskPrediction, i: number): TaskPrediction {
  if (i < 0 || i >= pred.n) throw new Error(`row ${i} of a prediction of ${pred.n} windows`);
  if (pred.kind === 'regression') {
    const h = pred.horizons;
    const q = pred.quantiles.length;
    return { ...pred, n: 1, values: pred.values.subarray(i * h * q, (i + 1) * h * q), point: pred.point.subarray(i * h, (i + 1) * h) };
  }
  const k = pred.classes;
  return { ...pred, n: 1, probabilities: pred.probabilities.subarray(i * k, (i + 1) * k), label: pred.label.subarray(i, i + 1), anomaly: pred.anomaly.subarray(i, i + 1) };
}
