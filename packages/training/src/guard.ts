import type { TaskName } from '@headstream/tasks';
import { headline } from './evaluation.js';
import type { GuardDecision, MetricsJSON, ServedBy, TaskReport } from './report.js';

/** Default relative tolerance of the guard (HS_GUARD_TOLERANCE): 2 %. */
export const DEFAULT_GUARD_TOLERANCE = 0.02;

/** What the guard reads of a task: the candidate's models and baselines, and the active version's served model. */
export type GuardInput = Pick<TaskReport, 'task' | 'shared' | 'single' | 'persistence' | 'active'>;

/** How much worse `value` is than `reference`, relative (positive = worse), on the metric's own direction. */
export function relativeWorse(value: MetricsJSON, reference: MetricsJSON): number {
  const v = headline(value);
  const r = headline(reference).value;
  const diff = v.higherIsBetter ? r - v.value : v.value - r;
  return diff / Math.max(Math.abs(r), 1e-12);
}

const name = (m: MetricsJSON) => ('macro_f1' in m ? 'macro-F1' : 'MAE');
const fmt = (m: MetricsJSON) => headline(m).value.toFixed(3);
const pct = (x: number) => `${(Math.abs(x) * 100).toFixed(1)} %`;
/** How far `value` is from `reference`: a percentage, or the plain difference when the reference is 0 (a percentage of 0 means nothing). */
const by = (value: MetricsJSON, reference: MetricsJSON) => {
  const r = headline(reference).value;
  return Math.abs(r) < 1e-9 ? Math.abs(headline(value).value - r).toFixed(3) : pct(relativeWorse(value, reference));
};

/**
 * The negative-transfer guard. Per task: served by the shared model unless it is worse than the task's
 * single-task model by more than the tolerance (then the single-task model serves it). The version
 * becomes active on its own only if every task's served model beats persistence on the validation
 * window and is not worse than the active version's served model on the same window by more than
 * the tolerance, and it serves every task the active version serves. Every finding is a reason.
 */
export function decide(tasks: readonly GuardInput[], options: { tolerance?: number; activeVersion?: string | null; activeTasks?: readonly TaskName[] } = {}): GuardDecision {
  const tolerance = options.tolerance ?? DEFAULT_GUARD_TOLERANCE;
  const serving: Partial<Record<TaskName, ServedBy>> = {};
  const reasons: string[] = [];
  let promote = true;
  for (const t of tasks) {
    const sharedVsSingle = relativeWorse(t.shared, t.single);
    const servedBy: ServedBy = sharedVsSingle > tolerance ? 'single' : 'shared';
    serving[t.task] = servedBy;
    const served = servedBy === 'shared' ? t.shared : t.single;
    if (servedBy === 'single') reasons.push(`${t.task}: the shared model's ${name(t.shared)} ${fmt(t.shared)} is ${pct(sharedVsSingle)} worse than the single-task model's ${fmt(t.single)} (tolerance ${pct(tolerance)}): served by its single-task model`);
    else reasons.push(`${t.task}: served by the shared model (${name(t.shared)} ${fmt(t.shared)}, single-task ${fmt(t.single)})`);
    const vsPersistence = relativeWorse(served, t.persistence);
    if (vsPersistence < 0) reasons.push(`${t.task}: served ${name(served)} ${fmt(served)} beats persistence ${fmt(t.persistence)} by ${by(served, t.persistence)}`);
    else {
      promote = false;
      reasons.push(`${t.task}: REFUSED: served ${name(served)} ${fmt(served)} does not beat persistence ${fmt(t.persistence)}`);
    }
    if (t.active) {
      const vsActive = relativeWorse(served, t.active.metrics);
      if (vsActive > tolerance) {
        promote = false;
        reasons.push(`${t.task}: REFUSED: served ${name(served)} ${fmt(served)} is ${pct(vsActive)} worse than active version ${t.active.version} (${fmt(t.active.metrics)}) on the same validation windows (tolerance ${pct(tolerance)})`);
      } else reasons.push(`${t.task}: ${vsActive <= 0 ? `${pct(vsActive)} better than` : `within the tolerance of`} active version ${t.active.version} (${fmt(t.active.metrics)}) on the same validation windows`);
    }
  }
  const covered = new Set(tasks.map((t) => t.task));
  for (const task of options.activeTasks ?? []) {
    if (covered.has(task)) continue;
    promote = false;
    reasons.push(`${task}: REFUSED: active version ${options.activeVersion ?? '?'} serves ${task}, which this version does not`);
  }
  if (tasks.length === 0) {
    promote = false;
    reasons.push('REFUSED: the version serves no task');
  }
  return { promote, tolerance, compared_with: options.activeVersion ?? null, serving, reasons };
}
