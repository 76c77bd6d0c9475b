import type { TaskName } from '@headstream/tasks';
import { featureNames, type FeatureSpec, type WindowSet } from '@headstream/features';
import { faultJSON, regressionJSON, unservableRows, type MetricsJSON } from '@headstream/training';
import { PROTOCOL_TASKS } from './protocols.js';

/**
 * The tree reference: a gradient-boosted tree model (LightGBM, infra/tree) on the same windows the network
 * trains and is scored on, as a table of lags and the obvious covariates. This module turns a window set into
 * that table and scores the trees' outputs with the project's own metrics; fitting is infra/tree/lgbm.py.
 */

/** Steps back from the issue time whose values become columns (those inside the window's visible history). */
export const TREE_LAGS: readonly number[] = [0, 1, 2, 3, 6, 12, 23];

export interface TreeTable {
  n: number;
  columns: string[];
  /** n × columns, row-major: the scaled values the network reads (trees do not care about the scaling). */
  x: Float32Array;
}

/**
 * A window set as a table, one row per window: every channel at TREE_LAGS (within the spec's history: the
 * older steps are zeroed for the network too) and its mean over the visible history, every channel's observed
 * mask at the issue time, and the calendar at the issue time.
 */
export function treeTable(set: WindowSet, spec: FeatureSpec): TreeTable {
  const c = spec.channels.length;
  const f = set.features;
  const lookback = set.lookback;
  const history = Math.min(spec.history, lookback);
  const lags = TREE_LAGS.filter((l) => l < history);
  const names = featureNames(spec);
  if (names.length !== f) throw new Error(`windows have ${f} features, the spec names ${names.length}`);
  // Each channel's lags and mean, then the observed masks and the calendar at the issue time.
  const columns = [...spec.channels.flatMap((ch) => [...lags.map((l) => `${ch}@-${l}`), `${ch}@mean`]), ...names.slice(c)];
  const width = columns.length;
  const x = new Float32Array(set.n * width);
  for (let i = 0; i < set.n; i++) {
    const base = i * lookback * f;
    const last = base + (lookback - 1) * f;
    let o = i * width;
    for (let k = 0; k < c; k++) {
      for (const l of lags) x[o++] = set.x[last - l * f + k] ?? 0;
      let sum = 0;
      for (let s = lookback - history; s < lookback; s++) sum += set.x[base + s * f + k] ?? 0;
      x[o++] = sum / history;
    }
    for (let k = c; k < f; k++) x[o++] = set.x[last + k] ?? 0;
  }
  return { n: set.n, columns, x };
}

/**
 * What the trees learn for a task, n × horizons (regression: the change from persistence in the target's unit,
 * NaN where either is unknown) or n (fault: the class, −1 where unlabelled).
 */
export function treeLabels(set: WindowSet, task: TaskName): Float64Array {
  const target = set.targets[task];
  if (!target) throw new Error(`windows carry no ${task} labels`);
  if (target.kind === 'classification') return Float64Array.from(target.y);
  return target.raw.map((v, i) => v - (target.persistence[i] ?? NaN));
}

/**
 * Scores the trees' output on the windows the network is scored on (windows serving would not predict from
 * count for nobody): regression `output` is the predicted change, n × horizons, decoded as persistence + change;
 * fault `output` is the class probabilities, n × classes (label: the most probable; anomaly: 1 − p(normal)).
 */
export function scoreTree(set: WindowSet, spec: FeatureSpec, task: TaskName, output: Float64Array): MetricsJSON {
  const def = PROTOCOL_TASKS[task];
  const target = set.targets[task];
  if (!target) throw new Error(`windows carry no ${task} labels`);
  const skip = unservableRows(set, spec, task);
  if (def.kind === 'regression' && target.kind === 'regression') {
    const h = def.horizons.length;
    if (output.length !== set.n * h) throw new Error(`${task}: tree output has ${output.length} values, expected ${set.n} × ${h}`);
    const raw = target.raw.map((v, i) => (skip.has(Math.floor(i / h)) ? NaN : v));
    const point = output.map((d, i) => (target.persistence[i] ?? NaN) + d);
    return regressionJSON(raw, point, def.horizons);
  }
  if (def.kind === 'classification' && target.kind === 'classification') {
    const k = def.classes.length;
    if (output.length !== set.n * k) throw new Error(`${task}: tree output has ${output.length} values, expected ${set.n} × ${k}`);
    const y = target.y.map((v, i) => (skip.has(i) ? -1 : v));
    const labels = new Int32Array(set.n);
    const anomaly = new Float32Array(set.n);
    for (let i = 0; i < set.n; i++) {
      let best = 0;
      for (let j = 1; j < k; j++) if ((output[i * k + j] ?? 0) > (output[i * k + best] ?? 0)) best = j;
      labels[i] = best;
      anomaly[i] = 1 - (output[i * k] ?? 0);
    }
    return faultJSON(y, labels, anomaly, k);
  }
  throw new Error(`task ${task}: definition and windows disagree on its kind`);
}

/** The output that stands for persistence in scoreTree: no change (regression), certainly normal (fault). */
export function noChange(set: WindowSet, task: TaskName): Float64Array {
  const def = PROTOCOL_TASKS[task];
  if (def.kind === 'regression') return new Float64Array(set.n * def.horizons.length);
  const k = def.classes.length;
  const out = new Float64Array(set.n * k);
  for (let i = 0; i < set.n; i++) out[i * k] = 1;
  return out;
}
