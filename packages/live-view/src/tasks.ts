import { FAULT_LABEL_METRIC } from '@headstream/core';
import { TASKS, type TaskName } from '@headstream/tasks';
import type { SqlExecutor } from '@headstream/store';

/**
 * Which database metric holds each task's actuals: the regression target (core's TASKS[task].target)
 * or the fault label (class index), renamed where the shown version's bindings rename it
 * (model_versions.report → task_reports[task].binding.metrics, training's TaskBindingReport).
 */

/** The fault label metric when no binding renames it (core's, as training's). */
export const DEFAULT_FAULT_LABEL = FAULT_LABEL_METRIC;

/** One task as the page shows it (GET /api/overview lists them with their sites). */
export interface TaskView {
  task: TaskName;
  kind: 'regression' | 'classification';
  domain: string;
  description: string;
  /** Database metric of the actuals: the regression target, or the fault task's class index. */
  metric: string;
  /** Unit of the target (regression); null for the fault task. */
  unit: string | null;
  interval_ms: number;
  /** Forecast horizons in steps (regression); [0] for the fault task, which predicts the current state. */
  horizons: number[];
  /** Fault classes in index order (class 0 is normal); null for regression. */
  classes: string[] | null;
}

/** A task and its sites (GET /api/overview). */
export interface TaskWithSites extends TaskView {
  /** Sites with readings of `metric` or with predictions of the task, sorted. */
  sites: string[];
}

/** What a version's report says about a task's binding (the parts used here). */
export interface TaskBindingInfo {
  domain?: string;
  metrics?: Record<string, string>;
}

/** The metric and domain of a task's actuals under `binding` (undefined: the catalogue's names). */
export function actualsOf(task: TaskName, binding: TaskBindingInfo | undefined): { metric: string; domain: string } {
  const def = TASKS[task];
  const source = def.kind === 'regression' ? def.target : DEFAULT_FAULT_LABEL;
  return { metric: binding?.metrics?.[source] ?? source, domain: binding?.domain ?? def.domain };
}

// Distinct sites of a task's predictions by skip scan over the (task, site, target_time) index:
// one index probe per site instead of reading every prediction row.
const PREDICTION_SITES_SQL = `WITH RECURSIVE s(site) AS (
    (SELECT site FROM predictions WHERE task = $1 ORDER BY site LIMIT 1)
    UNION ALL
    SELECT (SELECT p.site FROM predictions p WHERE p.task = $1 AND p.site > s.site ORDER BY p.site LIMIT 1) FROM s WHERE s.site IS NOT NULL
  )
  SELECT site FROM s WHERE site IS NOT NULL
  UNION
  SELECT site FROM series WHERE domain = $2 AND metric = $3`;

/** The task as the page shows it, under the shown version's binding of it. */
export function taskView(task: TaskName, binding: TaskBindingInfo | undefined): TaskView {
  const def = TASKS[task];
  const { metric, domain } = actualsOf(task, binding);
  return {
    task,
    kind: def.kind,
    domain,
    description: def.description,
    metric,
    unit: def.kind === 'regression' ? def.unit : null,
    interval_ms: def.intervalMs,
    horizons: def.kind === 'regression' ? [...def.horizons] : [0],
    classes: def.kind === 'classification' ? [...def.classes] : null,
  };
}

export async function withSites(db: SqlExecutor, view: TaskView): Promise<TaskWithSites> {
  const { rows } = await db.query<{ site: string }>(PREDICTION_SITES_SQL, [view.task, view.domain, view.metric]);
  return { ...view, sites: rows.map((r) => r.site).sort() };
}
