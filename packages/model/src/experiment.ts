import type { FeatureScalers, WindowSet } from '@headstream/features';
import type { ModelConfig } from './architecture/config.js';
import { MultiTaskModel } from './architecture/model.js';
import { compareInferenceCost } from './evaluation/cost.js';
import { evaluate, evaluateData, type DataReport, type TaskReport } from './evaluation/evaluate.js';
import { decideGrouping, deltaM, type TaskScore } from './evaluation/metrics.js';
import type { MultiTaskData } from './training/data.js';
import type { DataParallel } from './training/parallel.js';
import { meanConflict, type GradientConflict, type GradientSite, type TrainingEvent } from './training/telemetry.js';
import { singleTaskConfig, train, type Regime, type TrainResult } from './training/trainer.js';
import type { StrategyName } from './weighting/index.js';

/** Held-out data: model data (scaled units), or window sets + scalers (metrics in the metrics' units, with naive baselines). */
export type ValidationData = MultiTaskData | { sets: readonly WindowSet[]; scalers: Record<string, FeatureScalers> };

export interface ExperimentOptions {
  epochs: number;
  strategy?: StrategyName;
  regime?: Regime;
  batchSize?: number;
  learningRate?: number;
  seed?: number;
  gradientsOn?: GradientSite;
  /** Conflict telemetry every k-th step of the shared model (default 1). */
  telemetryEvery?: number;
  /** Δ (%) above which a task is split off by the negative-transfer guard (default 2). */
  tolerance?: number;
  /** Batch size of the inference-cost measurement (default 256). */
  inferenceBatch?: number;
  parallel?: DataParallel;
  /** Also called with every event as it happens; `model` is 'shared' or the single-task model's task. */
  onEvent?: (event: TrainingEvent, model: string) => void;
  /** Return the trained models (the caller disposes them); default: disposed. */
  keepModels?: boolean;
}

export interface TaskComparison {
  shared: TaskScore;
  single: TaskScore;
  /** (±)(M_mtl − M_stl)/M_stl × 100, signed so that negative = the shared model is better. */
  delta: number;
}

/** Everything one retrain produces, for the trainer service, the registry metadata and the evaluation report. */
export interface ExperimentReport {
  config: ModelConfig;
  strategy: StrategyName;
  regime: Regime;
  epochs: number;
  shared: { training: TrainResult; metrics: Record<string, TaskReport | DataReport> };
  single: Record<string, { training: TrainResult; metrics: TaskReport | DataReport | undefined }>;
  tasks: Record<string, TaskComparison>;
  /** Mean of the per-task deltas (DESIGN.md Δm%). */
  deltaM: number;
  /** Shared model ÷ one model per task, per window: measured time, counted FLOPs, parameters (< 1 = the multi-task gain). */
  inferenceCost: { time: number; flops: number; parameters: number };
  /** Negative-transfer guard: tasks that keep the shared encoder, tasks that get their own. */
  grouping: { shared: string[]; own: string[]; tolerance: number };
  /** Mean gradient conflict over the shared run's sampled steps (absent with one task). */
  conflict?: GradientConflict;
  /** Every training event, tagged with the model it came from ('shared' or the single task's name). */
  events: { model: string; event: TrainingEvent }[];
  seconds: number;
  models?: { shared: MultiTaskModel; single: Record<string, MultiTaskModel> };
}

function score(model: MultiTaskModel, validation: ValidationData): Record<string, TaskReport | DataReport> {
  return 'sets' in validation ? evaluate(model, validation.sets, validation.scalers) : evaluateData(model, validation);
}

/**
 * One retrain experiment (DESIGN.md): trains the shared model with the chosen strategy and regime, and one
 * single-task baseline per task (same architecture, one head, same options), scores all of them on the
 * validation data, computes per-task deltas and Δm%, the inference cost of shared vs separate models,
 * and the negative-transfer guard's grouping decision. Training events of every model are collected.
 */
export function runExperiment(config: ModelConfig, trainData: MultiTaskData, validation: ValidationData, options: ExperimentOptions): ExperimentReport {
  const started = performance.now();
  const strategy = options.strategy ?? 'equal';
  const regime = options.regime ?? 'joint';
  const events: { model: string; event: TrainingEvent }[] = [];
  const common = {
    epochs: options.epochs,
    ...(options.batchSize !== undefined ? { batchSize: options.batchSize } : {}),
    ...(options.learningRate !== undefined ? { learningRate: options.learningRate } : {}),
    ...(options.seed !== undefined ? { seed: options.seed } : {}),
    ...(options.gradientsOn ? { gradientsOn: options.gradientsOn } : {}),
    ...(options.parallel ? { parallel: options.parallel } : {}),
  };
  const collect = (model: string) => (event: TrainingEvent) => {
    events.push({ model, event });
    options.onEvent?.(event, model);
  };
  const shared = MultiTaskModel.create(config);
  const singles: Record<string, MultiTaskModel> = {};
  let kept = false;
  try {
    const sharedTraining = train(shared, trainData, { ...common, strategy, regime, telemetryEvery: options.telemetryEvery ?? 1, onEvent: collect('shared') });
    const sharedMetrics = score(shared, validation);
    const single: ExperimentReport['single'] = {};
    for (const task of config.tasks) {
      const model = MultiTaskModel.create(singleTaskConfig(config, task.name));
      singles[task.name] = model;
      const training = train(model, trainData, { ...common, strategy: 'equal', regime: 'joint', onEvent: collect(task.name) });
      single[task.name] = { training, metrics: score(model, validation)[task.name] };
    }
    const mtlScores: Record<string, TaskScore> = {};
    const stlScores: Record<string, TaskScore> = {};
    for (const task of config.tasks) {
      const m = sharedMetrics[task.name]?.score;
      const s = single[task.name]?.metrics?.score;
      if (m && s) {
        mtlScores[task.name] = m;
        stlScores[task.name] = s;
      }
    }
    const d = deltaM(mtlScores, stlScores);
    const tolerance = options.tolerance ?? 2;
    const cost = compareInferenceCost(
      shared,
      config.tasks.map((t) => singles[t.name] as MultiTaskModel),
      options.inferenceBatch ?? 256,
    );
    const epochConflicts = sharedTraining.history.flatMap((h) => (h.conflict ? [h.conflict] : []));
    const conflict = meanConflict(epochConflicts);
    const report: ExperimentReport = {
      config: structuredClone(config),
      strategy,
      regime,
      epochs: options.epochs,
      shared: { training: sharedTraining, metrics: sharedMetrics },
      single,
      tasks: Object.fromEntries(Object.keys(mtlScores).map((t) => [t, { shared: mtlScores[t] as TaskScore, single: stlScores[t] as TaskScore, delta: d.perTask[t] ?? NaN }])),
      deltaM: d.deltaM,
      inferenceCost: cost,
      grouping: { ...decideGrouping(d.perTask, tolerance), tolerance },
      ...(conflict ? { conflict } : {}),
      events,
      seconds: (performance.now() - started) / 1000,
    };
    if (options.keepModels) {
      report.models = { shared, single: singles };
      kept = true;
    }
    return report;
  } finally {
    if (!kept) {
      shared.dispose();
      for (const m of Object.values(singles)) m.dispose();
    }
  }
}
