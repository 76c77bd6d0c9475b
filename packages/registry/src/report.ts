import type { TaskName } from '@headstream/tasks';
import { withWeights, type FeatureSpec } from '@headstream/features';

/** One task's headline metrics, as evaluation reports them (regression: mean over horizons). */
export interface RegressionMetricsJSON {
  mae: number;
  rmse: number;
  mape: number;
  by_horizon: { horizon: number; count: number; mae: number; rmse: number; mape: number }[];
}

export interface FaultMetricsJSON {
  count: number;
  accuracy: number;
  macro_f1: number;
  anomaly_f1: number;
}

export type MetricsJSON = RegressionMetricsJSON | FaultMetricsJSON;

/**
 * Which model of a version predicts a task: its shared model, its single-task model, or the blend of the two
 * (their outputs averaged, decoded with combination weights fitted on the average: servedArtifacts).
 */
export type ServedBy = 'shared' | 'single' | 'blend';

/** A task of a version: its validation window and the models scored on it. */
export interface TaskReport {
  task: TaskName;
  /** The headline metric (Δm% and the guard use it): mean MAE over horizons, or macro-F1 for fault. */
  metric: 'mae' | 'macro_f1';
  higherIsBetter: boolean;
  /** Time-based validation split: windows issued in [from, to). */
  validation: { from: string; to: string; windows: number; sites: string[] };
  training: { windows: number; sites: string[]; from: string; to: string };
  shared: MetricsJSON;
  single: MetricsJSON;
  persistence: MetricsJSON;
  seasonal_naive: MetricsJSON;
  /** The linear autoregressive reference on the same windows (same inputs, loss and decoding); absent in versions trained before it. */
  linear?: MetricsJSON;
  /**
   * The blend: the shared and the single-task model's outputs averaged per window, decoded with combination
   * weights fitted on the average (`blend_weights`); absent in versions trained before it.
   */
  blend?: MetricsJSON;
  /** A fitted change target's weights of the blend's predicted change per horizon (features' TargetTransform.weights). */
  blend_weights?: number[];
  /** The active version's served model for this task, rescored on the same validation windows (null: none active). */
  active: { version: string; served_by: ServedBy; metrics: MetricsJSON } | null;
  /** Shared vs single-task model on the headline metric, % (negative = the shared model is better). */
  delta_pct: number;
  served_by: ServedBy;
  /** Where the task's readings come from: serving routes live readings with it (database metric → the spec's source). */
  binding?: TaskBindingReport;
}

export interface TaskBindingReport {
  recipe: string;
  domain: string;
  /** The sites it was trained on (serving accepts any site of the domain that carries the metrics). */
  sites: string[];
  /** The spec's source (or label) name → the database metric. */
  metrics: Record<string, string>;
}

export interface ModelCost {
  parameters: number;
  flops_per_window: number;
  /** Measured, one window at a time through the batch path, ms. */
  inference_ms_per_window: number;
  train_seconds: number;
}

/** The guard's verdict on a candidate version (stored with it, shown by `headstream models show`). */
export interface GuardDecision {
  /** True when the version became active on its own. */
  promote: boolean;
  /** Relative tolerance, e.g. 0.02 = 2 %. */
  tolerance: number;
  /** The version it was compared with (the active one at the time), or null. */
  compared_with: string | null;
  serving: Partial<Record<TaskName, ServedBy>>;
  /**
   * Per task, what the served-by choice weighed (absent in versions decided before it): the relative loss of
   * sharing on each paired score (positive = the shared model is worse; the version's own validation split last),
   * their mean, sd and mean + sd, which the choice holds against the tolerance.
   */
  evidence?: Partial<Record<TaskName, { worse: number[]; mean: number; sd: number; bound: number; blend?: BlendEvidence }>>;
  /** One line per finding, e.g. "traffic: served MAE 6.91 beats persistence 7.40 by 6.6 %". */
  reasons: string[];
}

/**
 * What the blend's choice weighed: per paired score, how much worse the blend is than the model the sharing
 * rule chose (relative, positive = the blend is worse), the mean, sd and mean + sd, which must stay below 0.
 */
export interface BlendEvidence {
  worse: number[];
  mean: number;
  sd: number;
  bound: number;
}

/** Everything a version says about itself; stored as JSON in model_versions.report. */
export interface VersionReport {
  version: string;
  created_at: string;
  mode: 'quick' | 'full';
  strategy: string;
  regime: 'joint' | 'sequential';
  seed: number;
  backend: string;
  tasks: TaskName[];
  /** Tasks the trainer could not train, with the one-line reason. */
  skipped: { task: TaskName; reason: string }[];
  task_reports: Partial<Record<TaskName, TaskReport>>;
  /** Mean over tasks of delta_pct (the plain shared model vs single-task models). */
  delta_m: number;
  /** Mean over tasks of the served model's change vs the single-task model, %. */
  delta_m_served: number;
  compute: { shared: ModelCost; single: ModelCost };
  decision: GuardDecision;
  /**
   * Inter-task affinity measured during the shared model's joint training (the TAG lookahead: how a step on
   * one task's loss changes each other task's loss, averaged over `steps` measured steps; row i, column j:
   * task i's step on task j), and the partition of the tasks with the highest total affinity (absent in
   * versions trained before it, and with one task).
   */
  affinity?: { tasks: TaskName[]; matrix: number[][]; steps: number; groups: TaskName[][]; score: number };
}

/** Artifact names inside a version: the shared model and one single-task model per task. */
export const SHARED_ARTIFACT = 'shared';
export const singleArtifact = (task: TaskName): string => `single-${task}`;

/** The artifacts whose outputs answer a task served by `servedBy` (a blend's: both, averaged). */
export function servedArtifacts(servedBy: ServedBy, task: TaskName): string[] {
  if (servedBy === 'shared') return [SHARED_ARTIFACT];
  if (servedBy === 'single') return [singleArtifact(task)];
  return [SHARED_ARTIFACT, singleArtifact(task)];
}

/** How a report names the model a served-by choice serves with ("served by …"). */
export const servedByPhrase = (servedBy: ServedBy): string => (servedBy === 'shared' ? 'its shared model' : servedBy === 'single' ? 'its single-task model' : 'its blend of shared and single-task models');

/** The score (metrics, or any value kept per model) of the model `servedBy` names; a blend must have been scored. */
export function servedScore<T>(scores: { shared: T; single: T; blend?: T | undefined }, servedBy: ServedBy): T {
  if (servedBy !== 'blend') return scores[servedBy];
  if (scores.blend === undefined) throw new Error('served by the blend, which was not scored');
  return scores.blend;
}

/** A version's place in the registry (model_versions.status). */
export type VersionStatus = 'candidate' | 'active' | 'retired' | 'rejected';

/** A version as listVersions shows it. */
export interface VersionSummary {
  version: string;
  created_at: string;
  status: VersionStatus;
  active: boolean;
  tasks: TaskName[];
  strategy: string;
  /** The report's Δm% (shared vs single-task models), null without a report. */
  delta_m: number | null;
  promoted_at: string | null;
  /** Which model serves each task (the guard's decision.serving), null without a decision. */
  serving: GuardDecision['serving'] | null;
}

/**
 * The spec a task served by `servedBy` decodes with: its artifact's saved spec, or for a blend the shared model's
 * saved spec with the blend's own combination weights (the report's `blend_weights`; features' withWeights).
 */
export function servedSpec(servedBy: ServedBy, task: TaskName, saved: FeatureSpec, report: Pick<TaskReport, 'blend_weights'> | undefined): FeatureSpec {
  return servedBy === 'blend' ? withWeights(saved, { [task]: report?.blend_weights }) : saved;
}
