import { TASKS, type TaskName } from '@headstream/tasks';
import { ReadingWriter, type ReadingBatchItem, type SqlClient } from '@headstream/store';

/**
 * A small, exactly known history for the live view's tests: readings of every task's actuals,
 * an active model version whose bindings rename traffic's flow, served predictions (regression
 * forecasts = actual + FORECAST_OFFSET; fault predictions wrong on every 10th step) and the shared
 * model's gradient cosines. Bucket k of a task ends at T0 + k × interval; its one reading lies mid-bucket.
 */

export const T0 = Date.UTC(2025, 5, 1);
export const VERSION = 'v-live-test';
/** Traffic's target as this database names it (the version's binding maps flow → it). */
export const TRAFFIC_METRIC = 'vehicle_flow';
export const FORECAST_OFFSET = 3;
/** Every task's sites. */
export const SITES: Record<TaskName, string[]> = { traffic: ['road-1', 'road-2'], air_quality: ['aq-1'], fault: ['pump-1'], throughput: ['line-1'], emissions: ['turbine-1'] };
export const METRIC: Record<TaskName, string> = { traffic: TRAFFIC_METRIC, air_quality: 'pm25', fault: 'gt_fault', throughput: 'throughput', emissions: 'nox' };

export const interval = (task: TaskName) => TASKS[task].intervalMs;
export const bucketEnd = (task: TaskName, k: number) => T0 + k * interval(task);

/** The actual of bucket k (for fault: the class index). */
export function actual(task: TaskName, site: string, k: number): number {
  const phase = site.endsWith('2') ? 1.3 : 0;
  switch (task) {
    case 'traffic':
      return Math.round(300 + 180 * Math.sin((2 * Math.PI * k) / 288 + phase) + 25 * Math.sin(k / 3));
    case 'air_quality':
      return Math.round((60 + 35 * Math.sin(k / 9) + 10 * Math.cos(k / 2.5)) * 10) / 10;
    case 'emissions':
      return Math.round((60 + 8 * Math.sin((2 * Math.PI * k) / 24 + 0.5) + 2 * Math.cos(k / 2.3)) * 10) / 10;
    case 'throughput':
      return Math.round((140 + 12 * Math.sin((2 * Math.PI * k) / 24) + 3 * Math.cos(k / 1.7)) * 10) / 10;
    case 'fault':
      return k % 60 < 40 ? 0 : k % 120 < 60 ? 1 : 2;
  }
}

/** The fault class the "served model" predicted for bucket k: the label, except "normal" on every 10th step. */
export const predictedClass = (k: number) => (k % 10 === 0 ? 0 : actual('fault', 'pump-1', k));

const json = (v: unknown) => JSON.stringify(v);

/** The active version, with a report whose bindings rename traffic's flow (as training writes it). */
export async function seedVersion(db: SqlClient): Promise<void> {
  const report = { version: VERSION, task_reports: { traffic: { binding: { recipe: 'road-flow', domain: 'city', sites: SITES.traffic, metrics: { flow: TRAFFIC_METRIC } } } } };
  await db.query(
    `INSERT INTO model_versions (version, tasks, strategy, regime, status, active, report, promoted_at)
     VALUES ($1, $2, 'pcgrad', 'joint', 'active', true, $3::jsonb, now())`,
    [VERSION, ['traffic', 'air_quality', 'fault', 'throughput'], json(report)],
  );
}

/** Cosine between tasks i < j at a training step: smooth, in (-1, 1), distinct per pair. */
export const cosineAt = (i: number, j: number, step: number) => Math.round(0.6 * Math.sin(step / 15 + i + 2 * j) * 1000) / 1000;

/** Step telemetry of the shared model for steps [from, to): one row per task, each with its cosines to the others. */
export async function seedTrainingMetrics(db: SqlClient, from: number, to: number): Promise<void> {
  const tasks = ['traffic', 'air_quality', 'fault', 'throughput'];
  const rows: { step: number; task: string; cosine: string }[] = [];
  for (let step = from; step < to; step++) {
    for (const [i, task] of tasks.entries()) {
      const cos = Object.fromEntries(tasks.flatMap((other, j) => (i === j ? [] : [[other, cosineAt(Math.min(i, j), Math.max(i, j), step)]])));
      rows.push({ step, task, cosine: json(cos) });
    }
  }
  await db.query(
    `INSERT INTO training_metrics (time, model_version, model, kind, step, epoch, task, loss, weight, grad_norm, grad_cosine, learning_rate, regime)
     SELECT now(), $1, 'shared', 'step', u.step, u.step / 20, u.task, 1.0 / (1 + u.step), 1, 0.5, u.cosine::jsonb, 0.001, 'joint'
     FROM unnest($2::int4[], $3::text[], $4::text[]) AS u(step, task, cosine)`,
    [VERSION, rows.map((r) => r.step), rows.map((r) => r.task), rows.map((r) => r.cosine)],
  );
}

interface PredictionRow {
  issued: number;
  task: TaskName;
  site: string;
  target: number;
  horizon: number;
  value: number | null;
  lower: number | null;
  upper: number | null;
  label: string | null;
  probabilities: string | null;
  anomaly: number | null;
  unit: string | null;
}

/** Served predictions issued at bucket ends i (each task's horizons; the fault task's state at i). */
function predictionsIssued(task: TaskName, site: string, i: number): PredictionRow[] {
  const def = TASKS[task];
  const issued = bucketEnd(task, i);
  const common = { issued, task, site };
  if (def.kind === 'regression') {
    return def.horizons.map((h) => {
      const value = actual(task, site, i + h) + FORECAST_OFFSET;
      const spread = 0.08 * Math.abs(value) + h;
      return { ...common, target: bucketEnd(task, i + h), horizon: h, value, lower: value - spread, upper: value + spread, label: null, probabilities: null, anomaly: null, unit: def.unit };
    });
  }
  const k = predictedClass(i);
  const probabilities = Object.fromEntries(def.classes.map((c, j) => [c, j === k ? 0.85 : 0.05]));
  return [{ ...common, target: issued, horizon: 0, value: null, lower: null, upper: null, label: def.classes[k] ?? 'normal', probabilities: json(probabilities), anomaly: k === 0 ? 0.1 : 0.8, unit: null }];
}

async function insertPredictions(db: SqlClient, rows: readonly PredictionRow[]): Promise<void> {
  if (rows.length === 0) return;
  const iso = (ms: number) => new Date(ms).toISOString();
  await db.query(
    `INSERT INTO predictions (issued_at, task, site, target_time, horizon, value, lower, upper, label, probabilities, anomaly_score, unit, model_version)
     SELECT u.issued::timestamptz, u.task, u.site, u.target::timestamptz, u.horizon, u.value, u.lower, u.upper, u.label, u.probabilities::jsonb, u.anomaly, u.unit, $13
     FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int4[], $6::float8[], $7::float8[], $8::float8[], $9::text[], $10::text[], $11::float8[], $12::text[])
       AS u(issued, task, site, target, horizon, value, lower, upper, label, probabilities, anomaly, unit)`,
    [
      rows.map((r) => iso(r.issued)),
      rows.map((r) => r.task),
      rows.map((r) => r.site),
      rows.map((r) => iso(r.target)),
      rows.map((r) => r.horizon),
      rows.map((r) => r.value),
      rows.map((r) => r.lower),
      rows.map((r) => r.upper),
      rows.map((r) => r.label),
      rows.map((r) => r.probabilities),
      rows.map((r) => r.anomaly),
      rows.map((r) => r.unit),
      VERSION,
    ],
  );
}

/**
 * Buckets [from, to) of every task and site: their readings (through the store's ReadingWriter, as
 * ingest writes them) and the predictions issued at their ends.
 */
export async function writeSteps(db: SqlClient, from: number, to: number): Promise<void> {
  const writer = new ReadingWriter(db);
  const items: ReadingBatchItem[] = [];
  const predictions: PredictionRow[] = [];
  for (const task of Object.keys(SITES) as TaskName[]) {
    for (const site of SITES[task]) {
      for (let k = from; k < to; k++) {
        items.push({ domain: TASKS[task].domain, site, time: bucketEnd(task, k) - interval(task) / 2, values: { [METRIC[task]]: actual(task, site, k) } });
        predictions.push(...predictionsIssued(task, site, k));
      }
    }
  }
  await writer.write(items);
  await insertPredictions(db, predictions);
}

/** Steps seeded before a test looks. */
export const SEEDED_STEPS = 200;

export async function seed(db: SqlClient): Promise<void> {
  await seedVersion(db);
  await seedTrainingMetrics(db, 0, 60);
  await writeSteps(db, 1, SEEDED_STEPS + 1);
}
