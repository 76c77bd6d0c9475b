import type { TaskName } from '@headstream/tasks';
import { deltaM, MultiTaskModel, train } from '@headstream/model';
import { DEFAULT_GUARD_TOLERANCE, relativeWorse, trainOptions, type Settings } from '@headstream/training';
import { prepareFold, taskFolds, type TaskFold } from './folds.js';
import { TASK_ORDER } from './protocols.js';
import { headline, modelConfig, modelData, scoreTask, type MetricsJSON } from './scoring.js';
import type { AllFrames, TaskSplit } from './splits.js';

/** What each fold's models scored on one task. */
export interface FoldTaskScores {
  shared: MetricsJSON;
  single: MetricsJSON;
  /** The linear autoregressive reference: same windows, same loss and decoding (ModelConfig.linear 'only'). */
  linear: MetricsJSON;
  persistence: MetricsJSON;
  seasonal_naive: MetricsJSON;
  /** The guard's per-task choice on this fold (shared unless worse than single-task by more than the tolerance). */
  served_by: 'shared' | 'single';
  served: MetricsJSON;
}

export interface FoldRun {
  fold: number;
  seed: number;
  tasks: Record<TaskName, FoldTaskScores>;
  /** Δ% per task vs the single-task model, and Δm% (their mean): the plain shared model and the served configuration. */
  delta: { shared: Record<string, number>; served: Record<string, number> };
  deltaM: { shared: number; served: number };
  /** Training wall time, s: the four-task model, the four single-task models together, the four linear references together. */
  seconds: { shared: number; single: number; linear: number };
  steps: { shared: number; single: number };
}

export interface FoldStudy {
  /** Per task, its folds in order (the last is the forward check). */
  folds: Record<TaskName, { name: string; describe: string; train: number; validation: number }[]>;
  seeds: number[];
  tolerance: number;
  runs: FoldRun[];
  seconds: number;
}

/**
 * Every fold × seed: the four-task model (equal weights, telemetry on as in production), each task's
 * single-task network and its linear reference, the naive baselines, and the guard's served choice.
 */
export function runFoldStudy(frames: AllFrames, settings: Settings, seeds: readonly number[], log: (line: string) => void): FoldStudy {
  const t0 = performance.now();
  const plans = Object.fromEntries(TASK_ORDER.map((t) => [t, taskFolds(t, frames[t])])) as Record<TaskName, TaskFold[]>;
  const k = Math.min(...TASK_ORDER.map((t) => plans[t].length));
  const folds = {} as FoldStudy['folds'];
  for (const t of TASK_ORDER) folds[t] = [];
  const runs: FoldRun[] = [];
  for (let fold = 0; fold < k; fold++) {
    const splits = {} as Record<TaskName, TaskSplit>;
    for (const t of TASK_ORDER) {
      const plan = plans[t][fold] as TaskFold;
      splits[t] = prepareFold(frames[t], plan, settings.sizes);
      folds[t].push({ name: plan.name, describe: splits[t].describe, train: splits[t].train.n, validation: splits[t].validation.n });
    }
    for (const seed of seeds) runs.push(runFold(splits, fold, seed, settings, log));
  }
  return { folds, seeds: [...seeds], tolerance: DEFAULT_GUARD_TOLERANCE, runs, seconds: (performance.now() - t0) / 1000 };
}

function runFold(splits: Record<TaskName, TaskSplit>, fold: number, seed: number, settings: Settings, log: (line: string) => void): FoldRun {
  const base = trainOptions(settings, seed);
  const features = Object.fromEntries(TASK_ORDER.map((t) => [t, splits[t].train.features]));
  const score = (model: MultiTaskModel, t: TaskName) => scoreTask(model, t, splits[t].validation, splits[t].spec, splits[t].scalers);
  const seconds = { shared: 0, single: 0, linear: 0 };
  const steps = { shared: 0, single: 0 };

  const shared = MultiTaskModel.create(modelConfig(TASK_ORDER, features, seed));
  const sharedScores = {} as Record<TaskName, ReturnType<typeof score>>;
  try {
    const r = train(shared, modelData(TASK_ORDER.map((t) => splits[t].train)), { ...base, learningRate: settings.sharedLearningRate, strategy: 'equal', gradientsOn: 'parameters', telemetryEvery: settings.telemetryEvery });
    seconds.shared = r.seconds;
    steps.shared = r.steps;
    for (const t of TASK_ORDER) sharedScores[t] = score(shared, t);
  } finally {
    shared.dispose();
  }
  const tasks = {} as Record<TaskName, FoldTaskScores>;
  for (const t of TASK_ORDER) {
    const single = MultiTaskModel.create(modelConfig([t], features, seed));
    const linear = MultiTaskModel.create(modelConfig([t], features, seed, undefined, 'only'));
    try {
      const rs = train(single, modelData([splits[t].train]), { ...base, strategy: 'equal' });
      const rl = train(linear, modelData([splits[t].train]), { ...base, strategy: 'equal' });
      seconds.single += rs.seconds;
      seconds.linear += rl.seconds;
      steps.single += rs.steps;
      const s = score(single, t);
      const l = score(linear, t);
      const sh = sharedScores[t];
      const servedBy = relativeWorse(sh.metrics, s.metrics) > DEFAULT_GUARD_TOLERANCE ? 'single' : 'shared';
      tasks[t] = { shared: sh.metrics, single: s.metrics, linear: l.metrics, persistence: s.baselines.persistence, seasonal_naive: s.baselines.seasonal_naive, served_by: servedBy, served: servedBy === 'shared' ? sh.metrics : s.metrics };
    } finally {
      single.dispose();
      linear.dispose();
    }
  }
  const stl = Object.fromEntries(TASK_ORDER.map((t) => [t, headline(tasks[t].single)]));
  const dShared = deltaM(Object.fromEntries(TASK_ORDER.map((t) => [t, headline(tasks[t].shared)])), stl);
  const dServed = deltaM(Object.fromEntries(TASK_ORDER.map((t) => [t, headline(tasks[t].served)])), stl);
  const h = (m: MetricsJSON) => headline(m).value.toFixed(3);
  log(`[results] fold ${fold + 1} seed ${seed}: ${TASK_ORDER.map((t) => `${t} shared ${h(tasks[t].shared)} single ${h(tasks[t].single)} linear ${h(tasks[t].linear)} persistence ${h(tasks[t].persistence)}`).join('; ')}; Δm shared ${dShared.deltaM.toFixed(2)}% served ${dServed.deltaM.toFixed(2)}%; ${seconds.shared.toFixed(0)} s shared vs ${seconds.single.toFixed(0)} s single`);
  return { fold, seed, tasks, delta: { shared: dShared.perTask, served: dServed.perTask }, deltaM: { shared: dShared.deltaM, served: dServed.deltaM }, seconds, steps };
}
