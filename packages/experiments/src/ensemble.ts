import { headlineMetric, type TaskName } from '@headstream/tasks';
import type { MultiTaskModel, TaskPrediction } from '@headstream/model';
import { disposeModels, fitTask, settingsFor, trainModels, type Settings, type TaskPredictor, type TrainedModels } from '@headstream/training';
import type { FoldStudy } from './fold-study.js';
import { taskFolds } from './folds.js';
import { TASK_ORDER } from './protocols.js';
import { headline } from './scoring.js';
import { prepareByInput, type AllFrames } from './splits.js';
import { mean } from './stats.js';

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
export function averageModels(models: readonly MultiTaskModel[]): TaskPredictor {
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

/** One fold's headline scores (MAE; fault macro-F1) per task: each seed's all-task and single-task models, and their averages. */
export interface EnsembleFold {
  fold: number;
  seeds: number[];
  tasks: Record<TaskName, {
    /** Per seed, in `seeds` order. */
    shared: number[];
    single: number[];
    /** Per seed: that seed's all-task and single-task model averaged (the pair every version already trains). */
    pair: number[];
    /** Every seed's all-task models averaged; every seed's single-task models; all of them. */
    sharedSeeds: number;
    singleSeeds: number;
    all: number;
  }>;
  /** Training seconds of each seed's trainModels (all-task model, single-task models, linear references). */
  seconds: number[];
}

/**
 * The ensemble study (npm run bench:ensemble): on each rolling-origin fold, trainModels with every seed (the
 * one training loop's models: the all-task model, equal weights, and each task's single-task model), then
 * each model alone and the averages above, scored by fitTask on the fold's validation windows.
 */
export function ensembleFold(frames: AllFrames, fold: number, seeds: readonly number[], settings: Settings = settingsFor('full'), log: (line: string) => void = () => {}): EnsembleFold {
  const splits = prepareByInput(frames, TASK_ORDER, (t) => {
    const plan = taskFolds(t, frames[t])[fold - 1]?.plan;
    if (!plan) throw new Error(`no fold ${fold} of ${t}`);
    return plan;
  }, settings.sizes);
  const runs: TrainedModels[] = [];
  const seconds: number[] = [];
  try {
    for (const seed of seeds) {
      const t0 = performance.now();
      runs.push(trainModels(TASK_ORDER.map((t) => splits[t]), { settings, seed, strategy: 'equal', regime: 'joint' }));
      seconds.push((performance.now() - t0) / 1000);
      log(`[ensemble] fold ${fold} seed ${seed}: trained in ${(seconds.at(-1) ?? 0).toFixed(0)} s`);
    }
    const tasks = {} as EnsembleFold['tasks'];
    for (const t of TASK_ORDER) {
      const s = splits[t];
      const score = (model: TaskPredictor) => headline(t, fitTask(model, t, s.validation, s.spec, s.scalers).metrics).value;
      const singles = runs.map((r) => r.singles[t] as MultiTaskModel);
      tasks[t] = {
        shared: runs.map((r) => score(r.shared)),
        single: singles.map((m) => score(m)),
        pair: runs.map((r, i) => score(averageModels([r.shared, singles[i] as MultiTaskModel]))),
        sharedSeeds: score(averageModels(runs.map((r) => r.shared))),
        singleSeeds: score(averageModels(singles)),
        all: score(averageModels(runs.flatMap((r, i) => [r.shared, singles[i] as MultiTaskModel]))),
      };
    }
    return { fold, seeds: [...seeds], tasks, seconds };
  } finally {
    for (const r of runs) disposeModels(r);
  }
}

export interface EnsembleRow {
  task: TaskName;
  fold: number;
  higherIsBetter: boolean;
  /** Means over the seeds of each model alone and of each seed's pair. */
  shared: number;
  single: number;
  pair: number;
  sharedSeeds: number;
  singleSeeds: number;
  all: number;
  /** Gain over the all-task models' mean, % of it (positive: better, whichever way the metric points). */
  gain: { single: number; pair: number; sharedSeeds: number; singleSeeds: number; all: number };
  /** Seeds whose pair beat that seed's all-task model. */
  pairBetter: number;
  /** Every member's score equals the saved results run's for the same fold and seed (null: the run has none). */
  sameModels: boolean | null;
}

/** Equal to the last digit a JSON round trip keeps (relative 1e-9, as bench:tree compares its windows). */
const equal = (a: number, b: number | undefined) => b !== undefined && Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a));

/** The rows of the study: per task and fold, each model's mean and each average, against the all-task models' mean. */
export function ensembleRows(folds: readonly EnsembleFold[], saved?: FoldStudy): EnsembleRow[] {
  const rows: EnsembleRow[] = [];
  for (const t of TASK_ORDER) {
    const hib = headlineMetric(t).higherIsBetter;
    for (const f of folds) {
      const s = f.tasks[t];
      const base = mean(s.shared);
      const gain = (v: number) => ((hib ? v - base : base - v) / Math.abs(base)) * 100;
      const better = (a: number, b: number) => (hib ? a > b : a < b);
      const savedRuns = saved?.runs.filter((r) => r.fold === f.fold - 1 && r.tasks[t]) ?? [];
      const same = f.seeds.map((seed, i) => {
        const r = savedRuns.find((x) => x.seed === seed);
        return r ? equal(headline(t, r.tasks[t].shared).value, s.shared[i]) && equal(headline(t, r.tasks[t].single).value, s.single[i]) : null;
      });
      rows.push({
        task: t,
        fold: f.fold,
        higherIsBetter: hib,
        shared: base,
        single: mean(s.single),
        pair: mean(s.pair),
        sharedSeeds: s.sharedSeeds,
        singleSeeds: s.singleSeeds,
        all: s.all,
        gain: { single: gain(mean(s.single)), pair: gain(mean(s.pair)), sharedSeeds: gain(s.sharedSeeds), singleSeeds: gain(s.singleSeeds), all: gain(s.all) },
        pairBetter: s.pair.filter((v, i) => better(v, s.shared[i] ?? NaN)).length,
        sameModels: same.includes(null) ? null : same.every(Boolean),
      });
    }
  }
  return rows;
}
