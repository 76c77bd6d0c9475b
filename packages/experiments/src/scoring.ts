import type { TaskName } from '@headstream/tasks';
import type { FeatureScalers, FeatureSpec, WindowSet } from '@headstream/features';
import { DEFAULT_ENCODER, fromWindowSets, type EncoderConfig, type LinearPath, type ModelConfig, type MultiTaskData } from '@headstream/model';
import { modelConfig as trainingModelConfig, scoreTask as trainingScoreTask, type FaultMetricsJSON, type MetricsJSON, type RegressionMetricsJSON, type TaskPredictor, type TaskScore } from '@headstream/training';
import { PROTOCOL_TASKS } from './protocols.js';

export { faultJSON, fitTask, headline, regressionJSON } from '@headstream/training';
export type { MetricsJSON };
export type RegressionJSON = RegressionMetricsJSON;
export type FaultJSON = FaultMetricsJSON;
export type HorizonJSON = RegressionMetricsJSON['by_horizon'][number];
/** A model's metrics on one task's windows, and the naive baselines on the same windows. */
export type TaskScoreJSON = TaskScore;

/** Model config for a subset of the protocol tasks: one input (stem) per task, named after it; one shared encoder. */
export function modelConfig(tasks: readonly TaskName[], features: Record<string, number>, seed: number, encoder: EncoderConfig = DEFAULT_ENCODER, linear: LinearPath = 'none'): ModelConfig {
  return trainingModelConfig(tasks.map((t) => PROTOCOL_TASKS[t]), features, seed, encoder, linear);
}

/** Model data from the tasks' window sets (each set's domain is its task = its input). */
export function modelData(sets: readonly WindowSet[]): MultiTaskData {
  return fromWindowSets(sets);
}

/** Scores a model's task on windows built with `spec` and `scalers` (decoded with the spec's target transform). */
export function scoreTask(model: TaskPredictor, task: TaskName, set: WindowSet, spec: FeatureSpec, scalers: FeatureScalers): TaskScoreJSON {
  return trainingScoreTask(model, task, set, spec, scalers);
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
