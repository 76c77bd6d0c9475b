import type { TaskName } from '@headstream/tasks';
import { bestGrouping, deltaM, type Regime, type StrategyName } from '@headstream/model';
import { SHARED_ARTIFACT, singleArtifact, type TaskBindingReport, type TaskReport, type VersionArtifact, type VersionReport } from '@headstream/registry';
import { decide, DEFAULT_GUARD_TOLERANCE, pairOf, type PairedScore } from './guard.js';
import { withWeights } from '@headstream/features';
import { headline } from './evaluation.js';
import type { PreparedTask, TrainedVersion, TrainingMode } from './job.js';

/** What a version is, besides what it learned. */
export interface VersionMeta {
  version: string;
  mode: TrainingMode;
  strategy: StrategyName;
  regime: Regime;
  seed: number;
  backend: string;
}

export interface VersionReportOptions {
  /** The active version (the guard compares with its served models' scores on the same windows). */
  active?: { version: string; tasks: readonly TaskName[]; scores: Partial<Record<TaskName, TaskReport['active']>> } | undefined;
  tolerance?: number;
  skipped?: VersionReport['skipped'];
  /** Per task: the series it was trained from (train --from-db). */
  bindings?: ReadonlyMap<TaskName, TaskBindingReport>;
  /**
   * Per task: the shared and single-task models' paired scores on other splits of its data (train
   * --from-datasets: the selection folds), weighed by the guard beside this version's own pair.
   */
  evidence?: Partial<Record<TaskName, readonly PairedScore[]>>;
}

/**
 * A trained version's report, with the guard's decision (served-by per task, promote or not) against the
 * active version when there is one: one report for every way a version is trained (the trainer, train
 * --from-db, train --from-datasets), stored in the registry or written with the version's files.
 */
export function versionReport(trained: TrainedVersion, prepared: readonly PreparedTask[], meta: VersionMeta, options: VersionReportOptions = {}): VersionReport {
  const inputs = prepared.map((p) => {
    const r = trained.reports[p.task] as Omit<TaskReport, 'active' | 'served_by'>;
    return { ...r, active: options.active?.scores[p.task] ?? null };
  });
  // The guard weighs this version's own pair, after any earlier evidence of the task.
  const weighed = inputs.map((r) => {
    const more = options.evidence?.[r.task] ?? [];
    return more.length ? { ...r, pairs: [...more, pairOf(r)] } : r;
  });
  const decision = decide(weighed, { tolerance: options.tolerance ?? DEFAULT_GUARD_TOLERANCE, activeVersion: options.active?.version ?? null, activeTasks: options.active?.tasks ?? [] });
  const measured = trained.sharedRun.affinity;
  const affinity = measured && measured.tasks.length > 1 ? { tasks: measured.tasks as TaskName[], matrix: measured.matrix, steps: measured.steps, ...(bestGrouping(measured.tasks, measured.matrix) as { groups: TaskName[][]; score: number }) } : undefined;
  const taskReports: VersionReport['task_reports'] = {};
  let servedDelta = 0;
  for (const r of inputs) {
    const servedBy = decision.serving[r.task] ?? 'shared';
    const binding = options.bindings?.get(r.task);
    taskReports[r.task] = { ...r, served_by: servedBy, ...(binding ? { binding } : {}) };
    servedDelta += servedBy === 'shared' ? r.delta_pct : servedBy === 'blend' && r.blend ? blendDelta(r) : 0;
  }
  return {
    version: meta.version,
    created_at: new Date().toISOString(),
    mode: meta.mode,
    strategy: meta.strategy,
    regime: meta.regime,
    seed: meta.seed,
    backend: meta.backend,
    tasks: prepared.map((p) => p.task),
    skipped: options.skipped ?? [],
    task_reports: taskReports,
    delta_m: trained.deltaM,
    delta_m_served: servedDelta / prepared.length,
    compute: trained.compute,
    decision,
    ...(affinity ? { affinity } : {}),
  };
}

/** The blend's change vs the single-task model on the headline metric, % (negative = the blend is better), as delta_pct is the shared model's. */
function blendDelta(r: Pick<TaskReport, 'task' | 'single' | 'blend'>): number {
  const d = deltaM({ [r.task]: headline(r.task, r.blend as NonNullable<TaskReport['blend']>) }, { [r.task]: headline(r.task, r.single) });
  return d.perTask[r.task] ?? NaN;
}

/** What a saved model's features are built from: the task's spec and scalers (not its windows). */
export type ModelFeatures = Pick<PreparedTask, 'task' | 'spec' | 'scalers'>;

/**
 * A trained version's artifacts as the registry stores them: the shared model and each task's single-task model,
 * each with its features (spec with the fitted combination weights of `scores`, scalers) and metrics. A bundle's
 * refit passes the refit models and their spec and scalers with the split's scores.
 */
export function versionArtifacts(trained: Pick<TrainedVersion, 'shared' | 'singles' | 'scores'>, prepared: readonly ModelFeatures[], meta: VersionMeta): VersionArtifact[] {
  const info = (tasks: readonly ModelFeatures[], name: string, shared: boolean) => {
    const scores = shared ? trained.scores.shared : trained.scores.single;
    // The spec saved with the model carries the combination weights fitted for it (fitTask).
    const weights = Object.fromEntries(tasks.map((p) => [p.task, scores[p.task]?.weights]));
    return {
    version: meta.version,
    features: Object.fromEntries(tasks.map((p) => [p.task, { spec: withWeights(p.spec, weights), scalers: p.scalers }])),
    strategy: { name },
    regime: meta.regime,
    metrics: Object.fromEntries(tasks.map((p) => [p.task, scores[p.task]?.metrics])),
    backend: meta.backend,
    };
  };
  return [
    { name: SHARED_ARTIFACT, model: trained.shared, info: info(prepared, meta.strategy, true) },
    ...prepared.map((p) => ({ name: singleArtifact(p.task), model: trained.singles[p.task] as NonNullable<TrainedVersion['singles'][TaskName]>, info: info([p], 'equal', false) })),
  ];
}
