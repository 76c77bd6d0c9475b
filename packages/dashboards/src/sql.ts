import { FAULT_LABEL_METRIC } from '@headstream/core';
import { TASKS, tasksOfKind, type TaskName } from '@headstream/tasks';

/**
 * SQL fragments over the store's schema (packages/store/src/migrations.ts) that several panels
 * share: which readings a task's predictions predicted, and what they were (prediction_actuals).
 * Plain PostgreSQL only (no TimescaleDB functions), so every panel runs with or without the extension.
 */


/** A task whose kind is regression (one of REGRESSION_TASKS). */
export type RegressionTask = TaskName;
/** The registry's tasks by kind, never by name. */
export const REGRESSION_TASKS: readonly RegressionTask[] = tasksOfKind('regression');
const classificationTasks = tasksOfKind('classification');
if (classificationTasks.length !== 1) throw new Error(`the dashboards expect one classification task, the catalogue has ${classificationTasks.length}`);
export const CLASSIFICATION_TASK = classificationTasks[0] as TaskName;

/** What a task's predictions forecast: the readings of `source` (renamed by the version's binding) in `domain`. */
export interface TaskTarget {
  task: TaskName;
  domain: string;
  /** The recipe's source name: the key in report.task_reports[task].binding.metrics, and its default metric. */
  source: string;
  /** The task's step: a prediction for target_time T is scored against the mean of readings in [T - step, T) (prediction_actuals). */
  stepSeconds: number;
  unit: string;
}

export function taskTarget(task: TaskName): TaskTarget {
  const definition = TASKS[task];
  const source = definition.kind === 'regression' ? definition.target : FAULT_LABEL_METRIC;
  const unit = definition.kind === 'regression' ? definition.unit : '';
  return { task, domain: definition.domain, source, stepSeconds: definition.intervalMs / 1000, unit };
}

export function faultClasses(): readonly string[] {
  const definition = TASKS[CLASSIFICATION_TASK];
  if (definition.kind !== 'classification') throw new Error(`${CLASSIFICATION_TASK} is not a classification task`);
  return definition.classes;
}

export const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/** SQL array of the fault classes: `(…)[index + 1]` names a class index. */
export const classArray = (): string => `(ARRAY[${faultClasses().map(literal).join(', ')}])`;

/** The series a task's actual reads under the active version's binding (live readings are plotted against what it predicts), else the catalogue's. */
export function activeSeries(target: TaskTarget): { domain: string; metric: string } {
  const from = (path: string, fallback: string) => `COALESCE((SELECT report #>> '{task_reports,${target.task},binding,${path}}' FROM model_versions WHERE active), ${literal(fallback)})`;
  return { domain: from('domain', target.domain), metric: from(`metrics,${target.source}`, target.source) };
}

export const indent = (sql: string, by: string) => sql.replaceAll('\n', `\n${by}`);

/**
 * The task's predictions (alias p) paired with their actual and persistence by the database's one
 * definition, prediction_actuals() (migration 8): the actual for target time T is the mean of the
 * bound series' readings in [T - step, T), the bucket training and serving label T; persistence is
 * the bucket ending at the issue time. The live view and the alert rules read the same function.
 */
export function predictionActuals(target: TaskTarget): string {
  return `prediction_actuals(${literal(target.task)}, ${literal(target.domain)}, ${literal(target.source)}, interval '${target.stepSeconds} seconds') p`;
}

/**
 * Regression predictions of `task` matched with what happened: one row per prediction (task, target_time,
 * site, horizon, issued_at, model_version, value, lower, upper) with `actual`, the mean of the
 * predicted series' readings in the target step. Predictions whose step has no reading yet are left out.
 * `where` filters predictions (alias p).
 */
export function scoredRegression(task: RegressionTask, where: string): string {
  return `SELECT p.task, p.target_time, p.site, p.horizon, p.issued_at, p.model_version, p.value, p.lower, p.upper, p.actual
FROM ${predictionActuals(taskTarget(task))}
WHERE p.horizon >= 1 AND p.actual IS NOT NULL
  AND ${indent(where, '  ')}`;
}

/**
 * Classification predictions matched with the recorded class: task, target_time, site, model_version, label
 * (the predicted class) and `actual` (the class of the label readings in the target step: their rounded mean,
 * as training reads a bucket's label).
 */
export function scoredFault(where: string): string {
  return `SELECT p.task, p.target_time, p.site, p.model_version, p.label, ${classArray()}[round(p.actual)::int + 1] AS actual
FROM ${predictionActuals(taskTarget(CLASSIFICATION_TASK))}
WHERE p.horizon = 0 AND p.actual IS NOT NULL
  AND ${indent(where, '  ')}`;
}
