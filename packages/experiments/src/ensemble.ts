import { headlineMetric, type TaskName } from '@headstream/tasks';
import { averageModels, type MultiTaskModel } from '@headstream/model';
import { disposeModels, fitTask, settingsFor, trainModels, type Settings, type TaskPredictor, type TrainedModels } from '@headstream/training';
import type { FoldStudy } from './fold-study.js';
import { taskFolds } from './folds.js';
import { TASK_ORDER } from './protocols.js';
import { headline } from './scoring.js';
import { prepareByInput, type AllFrames } from './splits.js';
import { mean } from './stats.js';

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
