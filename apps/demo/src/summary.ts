import { TASK_NAMES, TASKS, type TaskName } from '@headstream/tasks';
import { headline, type MetricsJSON, type ServedBy, type VersionReport } from '@headstream/training';
import type { MaeDifference, MaeVerdict } from '@headstream/live-view';
import type { StorageInfo } from '@headstream/store';
import type { Promotion } from './training.js';
import type { OracleScore } from './oracle.js';

/** One task of the trained version, as the summary shows it. */
export interface TaskSummary {
  metric: 'MAE' | 'macro-F1';
  higher_is_better: boolean;
  shared: number;
  single: number;
  /** The blend of the two (absent when the version's report does not score it). */
  blend?: number;
  persistence: number;
  /** Shared vs single-task model, % (negative = the shared model is better). */
  delta_pct: number;
  served_by: ServedBy;
  validation_windows: number;
}

/**
 * A task's served predictions scored by the live view over the live part (its targets): MAE of the model and of
 * persistence (regression), or the error rate of the model and of "always normal" (fault); lower is better.
 */
export interface LiveScore {
  metric: 'MAE' | 'error rate';
  /** Scored targets: (site, target time, horizon). */
  n: number;
  model: number | null;
  persistence: number | null;
  /** MAE only: model − persistence on the same targets with its standard error (Driscoll–Kraay: per target time, serially correlated), and what that tells. */
  difference?: MaeDifference | null;
  verdict?: MaeVerdict;
  /**
   * The simulated city's regression tasks: the simulator's own forecast of the same targets (the median of
   * futures forked from its true hidden state at each issue time; cityOracle) and persistence's. Where it loses
   * to persistence, the live part went against the odds: a forecaster right on average loses there too.
   */
  oracle?: OracleScore;
}

/** Everything the demo reports at the end (--json prints this object). */
export interface DemoSummary {
  ok: boolean;
  mode: 'embedded' | 'stack';
  source: 'simulator' | 'replay';
  description: string;
  wall_seconds: number;
  readings: {
    /** Readings (one metric value at one time) published on MQTT. */
    published: number;
    /** New rows stored by ingest. */
    ingested: number;
    duplicates: number;
    dead_letters: number;
    records: number;
    /** MQTT messages (frames and Sparkplug B). */
    messages: number;
    /** --factory opcua: readings written as OPC UA values (the factory's live part; included in published). */
    opcua_values?: number;
    history: { from: string; to: string };
    live: { from: string; to: string };
  };
  training: {
    version: string;
    seconds: number;
    mode: string;
    backend: string;
    strategy: string;
    tasks: TaskName[];
    skipped: { task: TaskName; reason: string }[];
    per_task: Partial<Record<TaskName, TaskSummary>>;
    /** Mean over tasks of the shared model's change vs the single-task models, % (negative = sharing helped). */
    delta_m_pct: number;
    /** The same for the models actually served (a task the guard gives to its single-task model counts 0). */
    delta_m_served_pct: number;
  };
  guard: {
    /** The guard's own decision. */
    promote: boolean;
    /** Who made the version active: the guard, the demo (first version, refused by the guard), or nobody. */
    promoted_by: Promotion;
    serving: string | null;
    reasons: string[];
  };
  predictions: {
    total: number;
    /** Per task: predictions received on MQTT by the demo's own subscriber, their sites, and predictions stored in the table. */
    per_task: Record<TaskName, { mqtt: number; sites: string[]; table: number }>;
    outputs: string[];
  };
  /** The live view's scores of the predictions with targets in the live part, per task that has any. */
  live_scores: Partial<Record<TaskName, LiveScore>>;
  /** The engine and, under TimescaleDB, its hypertables, continuous aggregates and the readings' compression. */
  storage: StorageInfo;
  where: {
    database: string;
    data_dir?: string;
    mqtt: string;
    topics: string;
    /** A command that shows the version from another terminal (after the demo stopped, for the embedded database). */
    inspect: string;
  };
  subscribe: string;
  /** --serve: the live view's URL. */
  live_view?: string;
  /** --serve: why there is no live view. */
  live_view_note?: string;
  /** Why ok is false. */
  problems: string[];
  /** What a person should know that is not a failure (e.g. steps predicted by an earlier run). */
  notes: string[];
}

/**
 * What the summary's description adds for the factory's protocol (--factory): nothing for frames; for
 * OPC UA, plainly, that only the live part went over OPC UA and whose clock stamped it.
 */
export function factoryDescription(protocol: 'frame' | 'sparkplug' | 'opcua', context: { opcuaUrl?: string | undefined; liveSpeed?: string } = {}): string {
  if (protocol === 'sparkplug') return '; the factory as Sparkplug B edge nodes (group factory: one per line, a device per machine)';
  if (protocol === 'opcua') {
    return (
      `; the factory's history as frames on MQTT, its live part over OPC UA: each value written to its variable of a node-opcua server` +
      `${context.opcuaUrl ? ` (${context.opcuaUrl})` : ''} at the live pace${context.liveSpeed ? ` (${context.liveSpeed})` : ''},` +
      ' stamped with its reading time, and read by ingest and the predictor through the opcua source (one subscription each; server timestamps are the reading times)'
    );
  }
  return '';
}

const iso = (ms: number) => new Date(ms).toISOString();
export const timeRange = (from: number, to: number) => ({ from: iso(from), to: iso(to) });

export function taskSummaries(report: VersionReport): Partial<Record<TaskName, TaskSummary>> {
  const out: Partial<Record<TaskName, TaskSummary>> = {};
  for (const task of report.tasks) {
    const r = report.task_reports[task];
    if (!r) continue;
    const value = (m: MetricsJSON) => headline(task, m).value;
    out[task] = {
      metric: r.metric === 'macro_f1' ? 'macro-F1' : 'MAE',
      higher_is_better: r.higherIsBetter,
      shared: value(r.shared),
      single: value(r.single),
      ...(r.blend ? { blend: value(r.blend) } : {}),
      persistence: value(r.persistence),
      delta_pct: r.delta_pct,
      served_by: r.served_by,
      validation_windows: r.validation.windows,
    };
  }
  return out;
}

const n = (x: number) => x.toLocaleString('en-US');
const num = (x: number) => (Math.abs(x) >= 100 ? x.toFixed(1) : x.toFixed(3));
const pct = (x: number) => `${x > 0 ? '+' : x < 0 ? '−' : ''}${Math.abs(x).toFixed(1)} %`;
/** A live score's verdict in words: beyond noise with its 2-standard-error band, within noise, or too few target times to tell. */
function told(l: LiveScore): string {
  const d = l.difference;
  const band = d && d.se !== null ? ` (${d.mean > 0 ? '+' : d.mean < 0 ? '−' : ''}${num(Math.abs(d.mean))} ± ${num(2 * d.se)} over ${n(d.clusters)} target times)` : '';
  if (l.verdict === 'better' || l.verdict === 'worse') return `${l.verdict} than persistence beyond noise${band}`;
  if (l.verdict === 'within noise') return `within noise${band}`;
  return `too few target times to tell${d ? ` (${n(d.clusters)})` : ''}`;
}
const pad = (s: string, w: number) => s.padEnd(w);

/** The summary for people: what came in, what was learnt, what the guard did, what went out, where to look. */
export function formatSummary(s: DemoSummary): string {
  const lines: string[] = [];
  const label = (name: string, text: string) => lines.push(`${pad(name, 14)}${text}`);
  const more = (text: string) => lines.push(`${pad('', 14)}${text}`);
  lines.push('');
  lines.push(`Headstream demo ${s.ok ? 'finished' : 'FAILED'} in ${s.wall_seconds.toFixed(0)} s (${s.mode === 'embedded' ? 'embedded: PGlite and an in-process MQTT broker' : 'against the stack'}; ${s.source})`);
  lines.push('');
  const opcua = s.readings.opcua_values === undefined ? '' : ` and ${n(s.readings.opcua_values)} OPC UA values`;
  label('Readings', `${n(s.readings.ingested)} ingested (${n(s.readings.published)} published in ${n(s.readings.messages)} MQTT messages${opcua}; ${n(s.readings.duplicates)} duplicates, ${n(s.readings.dead_letters)} dead letters)`);
  more(`history ${s.readings.history.from} … ${s.readings.history.to}, live ${s.readings.live.from} … ${s.readings.live.to}`);
  if (s.readings.opcua_values !== undefined) more(`the factory's live part came over OPC UA (${n(s.readings.opcua_values)} values from the simulator's node-opcua server, server timestamps as reading times); its history and the city as frames`);
  label('Training', `version ${s.training.version}: ${s.training.mode}, ${s.training.strategy} weights, ${s.training.backend} backend, ${s.training.seconds.toFixed(0)} s`);
  const header = `${pad('task', 12)}${pad('metric', 10)}${pad('shared', 10)}${pad('single', 10)}${pad('blend', 10)}${pad('persistence', 13)}${pad('Δ vs single', 13)}served by`;
  more(header);
  for (const task of TASK_NAMES) {
    const t = s.training.per_task[task];
    if (!t) continue;
    more(`${pad(task, 12)}${pad(t.metric, 10)}${pad(num(t.shared), 10)}${pad(num(t.single), 10)}${pad(t.blend === undefined ? '–' : num(t.blend), 10)}${pad(num(t.persistence), 13)}${pad(pct(t.delta_pct), 13)}${t.served_by}`);
  }
  for (const skipped of s.training.skipped) more(`skipped ${skipped.reason}`);
  more(`Δm% ${pct(s.training.delta_m_pct)} (shared vs single-task models, mean over tasks; negative = sharing helped; lower MAE and higher macro-F1 are better)`);
  const guard = s.guard.promote
    ? `promoted ${s.training.version}: every task's served model beats persistence`
    : s.guard.promoted_by === 'demo'
      ? `REFUSED ${s.training.version}; no version was active, so the demo promoted it to show the loop`
      : `REFUSED ${s.training.version}; ${s.guard.serving ?? 'no version'} keeps serving`;
  label('Guard', guard);
  // What differs from the default (every task served by the shared model): refusals, sharing that hurts, another served model.
  for (const reason of s.guard.reasons.filter((r) => r.includes('REFUSED') || r.endsWith(': sharing hurts') || /served by its (single-task|blend)/.test(r))) more(reason);
  label('Predictions', `${n(s.predictions.total)} published by ${s.guard.serving ?? '(none)'}:`);
  for (const task of TASK_NAMES) {
    const p = s.predictions.per_task[task];
    more(`${pad(task, 12)}${pad(n(p.mqtt), 8)}on MQTT (${p.sites.length} site${p.sites.length === 1 ? '' : 's'}: ${p.sites.join(', ') || '-'}), ${n(p.table)} in the table`);
  }
  more(`to ${s.predictions.outputs.join('; ')}`);
  const scored = TASK_NAMES.filter((t) => s.live_scores[t]);
  label('Live scores', scored.length ? 'the live view\'s scores of the live part (data the model did not train on):' : 'no prediction of the live part has its actual yet');
  for (const task of scored) {
    const l = s.live_scores[task] as LiveScore;
    const base = TASKS[task].kind === 'classification' ? 'always normal' : 'persistence';
    const rel = l.model !== null && l.persistence !== null && l.persistence !== 0 ? ` (${pct(((l.model - l.persistence) / l.persistence) * 100)})` : '';
    const value = (x: number | null) => (x === null ? '-' : num(x));
    more(`${pad(task, 12)}${l.metric} ${value(l.model)} vs ${base} ${value(l.persistence)}${rel} over ${n(l.n)} targets${l.verdict ? `: ${told(l)}` : ''}`);
    if (l.oracle && Number.isFinite(l.oracle.oracle)) {
      const o = l.oracle;
      more(
        `${pad('', 12)}the simulator's own forecast (it knows its hidden state) ${num(o.oracle)} vs ${num(o.persistence)}${o.oracle > o.persistence ? ': this live part went against the odds, so a forecaster right on average loses to persistence here too' : ''}`,
      );
    }
  }
  label('Data', s.where.database);
  const c = s.storage.compression;
  more(
    `storage ${s.storage.engine}${s.storage.timescaledb ? ` ${s.storage.timescaledb}: ${s.storage.hypertables} hypertables, ${s.storage.continuous_aggregates} continuous aggregates, ` + (c ? `readings compressed ${c.ratio.toFixed(1)}× (${c.compressed_chunks} of ${c.chunks} chunks)` : 'readings not compressed') : ''}`,
  );
  more(`MQTT ${s.where.mqtt}, topics ${s.where.topics}`);
  more(`inspect: ${s.where.inspect}`);
  label('Subscribe', s.subscribe);
  if (s.live_view) label('Live view', s.live_view);
  else if (s.live_view_note) label('Live view', s.live_view_note);
  for (const note of s.notes) label('Note', note);
  for (const problem of s.problems) label('PROBLEM', problem);
  lines.push('');
  return lines.join('\n');
}
