import { FAULT_LABEL_METRIC, TASKS, type TaskName } from '@headstream/core';

/**
 * SQL fragments over the store's schema (packages/store/src/migrations.ts) that several panels
 * share: which readings a task's predictions predicted, and what they were. Plain PostgreSQL
 * only (no TimescaleDB functions), so every panel runs with or without the extension.
 */


export type RegressionTask = Exclude<TaskName, 'fault'>;
export const REGRESSION_TASKS: readonly RegressionTask[] = ['traffic', 'air_quality', 'throughput'];

/** What a task's predictions forecast: the readings of `source` (renamed by the version's binding) in `domain`. */
export interface TaskTarget {
  task: TaskName;
  domain: string;
  /** The recipe's source name: the key in report.task_reports[task].binding.metrics, and its default metric. */
  source: string;
  /** The task's step: a prediction for target_time T is scored against the mean of readings in [T, T + step). */
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
  const fault = TASKS.fault;
  if (fault.kind !== 'classification') throw new Error('TASKS.fault is not a classification task');
  return fault.classes;
}

export const literal = (text: string): string => `'${text.replaceAll("'", "''")}'`;

/** SQL array of the fault classes: `(…)[index + 1]` names a class index. */
export const classArray = (): string => `(ARRAY[${faultClasses().map(literal).join(', ')}])`;

/**
 * The domain and metric a version (alias `mv`, model_versions) bound `task` to when trained; the
 * catalogue's when the version recorded none (or is unknown: a LEFT JOIN's nulls).
 */
export function boundSeries(target: TaskTarget, mv: string): { domain: string; metric: string } {
  return {
    domain: `COALESCE(${mv}.report #>> '{task_reports,${target.task},binding,domain}', ${literal(target.domain)})`,
    metric: `COALESCE(${mv}.report #>> '{task_reports,${target.task},binding,metrics,${target.source}}', ${literal(target.source)})`,
  };
}

/** The same for the active version (live readings are plotted against what it predicts). */
export function activeSeries(target: TaskTarget): { domain: string; metric: string } {
  const from = (path: string, fallback: string) => `COALESCE((SELECT report #>> '{task_reports,${target.task},binding,${path}}' FROM model_versions WHERE active), ${literal(fallback)})`;
  return { domain: from('domain', target.domain), metric: from(`metrics,${target.source}`, target.source) };
}

export const indent = (sql: string, by: string) => sql.replaceAll('\n', `\n${by}`);

/**
 * FROM predictions p, joined with the series that predicted task's actuals are read from (as the prediction's
 * version bound it) and, as `a.actual`, `aggregate` over that series' readings in the target step.
 */
function withActual(target: TaskTarget, aggregate: string): string {
  const bound = boundSeries(target, 'mv');
  return `FROM predictions p
LEFT JOIN model_versions mv ON mv.version = p.model_version
JOIN series s ON s.site = p.site
  AND s.domain = ${bound.domain}
  AND s.metric = ${bound.metric}
CROSS JOIN LATERAL (
  SELECT ${aggregate} AS actual FROM readings r
  WHERE r.series_id = s.id AND r.time >= p.target_time AND r.time < p.target_time + interval '${target.stepSeconds} seconds'
) a`;
}

/**
 * Regression predictions of `task` matched with what happened: one row per prediction (task, target_time,
 * site, horizon, issued_at, model_version, value, lower, upper) with `actual`, the mean of the
 * predicted series' readings in the target step. Predictions whose step has no reading yet are left out.
 * `where` filters predictions (alias p).
 */
export function scoredRegression(task: RegressionTask, where: string): string {
  return `SELECT p.task, p.target_time, p.site, p.horizon, p.issued_at, p.model_version, p.value, p.lower, p.upper, a.actual
${withActual(taskTarget(task), 'avg(r.value)')}
WHERE p.task = ${literal(task)} AND p.horizon >= 1 AND a.actual IS NOT NULL
  AND ${indent(where, '  ')}`;
}

/**
 * Fault predictions matched with the recorded class: task, target_time, site, model_version, label (the
 * predicted class) and `actual` (the class of the label readings in the target step, most frequent first).
 */
export function scoredFault(where: string): string {
  return `SELECT p.task, p.target_time, p.site, p.model_version, p.label, a.actual
${withActual(taskTarget('fault'), `${classArray()}[(mode() WITHIN GROUP (ORDER BY r.value))::int + 1]`)}
WHERE p.task = 'fault' AND p.horizon = 0 AND a.actual IS NOT NULL
  AND ${indent(where, '  ')}`;
}
