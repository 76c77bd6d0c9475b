import { TASK_NAMES } from '@headstream/tasks';
import type { MetricsJSON, ModelCost, TaskReport, VersionReport, VersionStatus, VersionSummary } from './report.js';

/**
 * Plain-text views of stored versions (`headstream models show/list`, and `headstream train` after a
 * retrain). Pure functions: no trailing newline, the caller prints.
 */

const DASH = '-';
const fixed = (v: number | null | undefined, digits: number): string => (typeof v === 'number' && Number.isFinite(v) ? v.toFixed(digits) : DASH);
const signed = (v: number | null | undefined, digits: number): string => (typeof v === 'number' && Number.isFinite(v) ? `${v > 0 ? '+' : ''}${v.toFixed(digits)}` : DASH);
const integer = (v: number): string => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : DASH);

/** Columns padded to their widest cell: left-aligned where `left` has the index, right-aligned otherwise. */
function table(rows: readonly string[][], left: ReadonlySet<number> = new Set([0])): string[] {
  const widths = (rows[0] ?? []).map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) =>
    r
      .map((c, i) => (left.has(i) ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd(),
  );
}

/** Every version, newest first as given; `*` marks the active one. */
export function formatVersionList(versions: readonly VersionSummary[]): string {
  if (versions.length === 0) return 'no model versions';
  const rows = [
    ['', 'version', 'created', 'status', 'tasks', 'strategy', 'Δm%', 'promoted'],
    ...versions.map((v) => [v.active ? '*' : '', v.version, v.created_at, v.status, v.tasks.join(','), v.strategy, signed(v.delta_m, 2), v.promoted_at ?? DASH]),
  ];
  return table(rows, new Set([0, 1, 2, 3, 4, 5, 7])).join('\n');
}

/** Where a version stands in the registry, for the header of formatVersion. */
export interface VersionState {
  status: VersionStatus;
  active: boolean;
  promoted_at?: string | null;
  /** rejectVersion's reason. */
  rejected?: { reason: string } | null;
}

function headline(metrics: MetricsJSON | undefined, metric: TaskReport['metric']): number | undefined {
  const v = metrics === undefined ? undefined : (metrics as unknown as Record<string, unknown>)[metric];
  return typeof v === 'number' ? v : undefined;
}

function taskRows(report: VersionReport): string[][] {
  const rows = [['task', 'metric', 'shared', 'single-task', 'blend', 'linear', 'persistence', 'seasonal naive', 'active version', 'served by', 'Δ%']];
  for (const task of TASK_NAMES) {
    const r = report.task_reports[task];
    if (!r) continue;
    const value = (m: MetricsJSON | undefined) => fixed(headline(m, r.metric), 3);
    const active = r.active === null ? DASH : `${value(r.active.metrics)} (${r.active.version}, ${r.active.served_by})`;
    rows.push([task, r.metric, value(r.shared), value(r.single), r.blend ? value(r.blend) : DASH, r.linear ? value(r.linear) : DASH, value(r.persistence), value(r.seasonal_naive), active, r.served_by, signed(r.delta_pct, 1)]);
  }
  return rows;
}

function computeRows(compute: VersionReport['compute']): string[][] {
  const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a) ? `${(a / b).toFixed(2)}×` : DASH);
  const row = (name: string, c: ModelCost) => [name, integer(c.parameters), integer(c.flops_per_window), fixed(c.inference_ms_per_window, 3), fixed(c.train_seconds, 1)];
  const { shared, single } = compute;
  return [
    ['compute', 'parameters', 'FLOPs/window', 'inference ms/window', 'train s'],
    row('shared', shared),
    row('single-task (sum)', single),
    [
      'shared ÷ single-task',
      ratio(shared.parameters, single.parameters),
      ratio(shared.flops_per_window, single.flops_per_window),
      ratio(shared.inference_ms_per_window, single.inference_ms_per_window),
      ratio(shared.train_seconds, single.train_seconds),
    ],
  ];
}

/**
 * One version: header (version, created, status, strategy, regime, backend, mode, seed), the per-task
 * table (shared, single-task, their blend, naive baselines, the active version's served model, which model serves,
 * Δ%), Δm% of the shared and the served models, compute, skipped tasks and the guard's decision.
 */
export function formatVersion(report: VersionReport, state: VersionState): string {
  const status = state.active
    ? `active${state.promoted_at ? ` since ${state.promoted_at}` : ''}`
    : state.status === 'rejected' && state.rejected
      ? `rejected: ${state.rejected.reason}`
      : state.status;
  const out = table(
    [
      ['version', report.version],
      ['created', report.created_at],
      ['status', status],
      ['strategy', report.strategy],
      ['regime', report.regime],
      ['backend', report.backend],
      ['mode', report.mode],
      ['seed', String(report.seed)],
    ],
    new Set([0, 1]),
  );
  out.push('', ...table(taskRows(report), new Set([0, 1, 8, 9])));
  out.push(
    '',
    ...table([
      ['Δm% (shared)', signed(report.delta_m, 2)],
      ['Δm% (served)', signed(report.delta_m_served, 2)],
    ]),
  );
  out.push('', ...table(computeRows(report.compute)));
  if (report.affinity) {
    const a = report.affinity;
    // Row: the task whose loss took the step; column: the task whose loss moved (× 10⁴, positive = helped).
    out.push('', `task affinity (TAG lookahead over ${a.steps} steps of the joint training, × 10⁴; row's step onto column's loss)`, ...table([['', ...a.tasks], ...a.tasks.map((t, i) => [t, ...a.tasks.map((_, j) => (i === j ? DASH : signed((a.matrix[i]?.[j] ?? NaN) * 1e4, 1)))])]));
    out.push(`  groups it suggests  ${a.groups.map((g) => g.join('+')).join(' | ')}`);
  }
  if (report.skipped.length > 0) out.push('', 'skipped tasks', ...report.skipped.map((s) => `  ${s.reason.startsWith(`${s.task}:`) ? s.reason : `${s.task}: ${s.reason}`}`));
  const d = report.decision;
  out.push(
    '',
    `guard decision: promote ${d.promote ? 'yes' : 'no'}`,
    `  compared with  ${d.compared_with ?? 'none (no active version)'}`,
    `  tolerance      ${fixed(d.tolerance * 100, 1)} %`,
    `  serving        ${
      Object.entries(d.serving)
        .map(([task, by]) => `${task}=${by}`)
        .join(', ') || DASH
    }`,
    ...(d.reasons.length > 0 ? ['  reasons', ...d.reasons.map((r) => `    ${r}`)] : ['  reasons        none given']),
  );
  return out.join('\n');
}
