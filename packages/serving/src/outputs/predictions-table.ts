import type { ClassificationPrediction, Prediction, RegressionPrediction } from '@headstream/core';
import type { TaskName } from '@headstream/tasks';
import type { SqlExecutor } from '@headstream/store';
import { checkPredictions } from './validate.js';

/**
 * The `predictions` table (store migration 1) as the predictor writes it and Grafana reads it:
 * one row per regression horizon (horizon ≥ 1: value, lower, upper, unit) and one row per
 * classification prediction (horizon 0: label, probabilities, anomaly_score).
 */

export interface PredictionWriteResult {
  /** Rows the batch maps to. */
  rows: number;
  /** Rows new to the table; the rest were stored already (a re-sent batch). */
  inserted: number;
}

/** One column per array, in the table's column order (see INSERT_SQL). */
interface Columns {
  issuedAt: string[];
  task: string[];
  site: string[];
  targetTime: string[];
  horizon: number[];
  value: (number | null)[];
  lower: (number | null)[];
  upper: (number | null)[];
  label: (string | null)[];
  probabilities: (string | null)[];
  anomalyScore: (number | null)[];
  unit: (string | null)[];
  modelVersion: string[];
}

interface Row {
  issuedAt: string;
  task: string;
  site: string;
  targetTime: string;
  horizon: number;
  value: number | null;
  lower: number | null;
  upper: number | null;
  label: string | null;
  probabilities: string | null;
  anomalyScore: number | null;
  unit: string | null;
  modelVersion: string;
}

// Timestamps and JSON travel as text and are cast per element: PGlite and pg serialize text[]
// identically, while their handling of timestamptz[]/jsonb[] parameters differs.
const INSERT_SQL = `INSERT INTO predictions (issued_at, task, site, target_time, horizon, value, lower, upper, label, probabilities, anomaly_score, unit, model_version)
  SELECT u.issued_at::timestamptz, u.task, u.site, u.target_time::timestamptz, u.horizon, u.value, u.lower, u.upper, u.label, u.probabilities::jsonb, u.anomaly_score, u.unit, u.model_version
  FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::int4[], $6::float8[], $7::float8[], $8::float8[], $9::text[], $10::text[], $11::float8[], $12::text[], $13::text[])
    AS u(issued_at, task, site, target_time, horizon, value, lower, upper, label, probabilities, anomaly_score, unit, model_version)
  ON CONFLICT (task, site, target_time, horizon, model_version, issued_at) DO NOTHING`;

function rowsOf(prediction: Prediction): Row[] {
  const common = { issuedAt: prediction.issued_at, task: prediction.task, site: prediction.site, modelVersion: prediction.model_version };
  if (prediction.kind === 'regression') {
    return prediction.horizons.map((h) => ({
      ...common,
      targetTime: h.target_time,
      horizon: h.horizon,
      value: h.value,
      lower: h.lower ?? null,
      upper: h.upper ?? null,
      label: null,
      probabilities: null,
      anomalyScore: null,
      unit: prediction.unit,
    }));
  }
  return [
    {
      ...common,
      targetTime: prediction.target_time,
      horizon: 0,
      value: null,
      lower: null,
      upper: null,
      label: prediction.label,
      probabilities: JSON.stringify(prediction.probabilities),
      anomalyScore: prediction.anomaly_score ?? null,
      unit: null,
    },
  ];
}

const cmp = (a: string | number, b: string | number) => (a < b ? -1 : a > b ? 1 : 0);

/** Unique-key order, so concurrent writers lock index entries in the same order and cannot deadlock. */
function byKey(a: Row, b: Row): number {
  return (
    cmp(a.task, b.task) ||
    cmp(a.site, b.site) ||
    cmp(Date.parse(a.targetTime), Date.parse(b.targetTime)) ||
    cmp(a.horizon, b.horizon) ||
    cmp(a.modelVersion, b.modelVersion) ||
    cmp(Date.parse(a.issuedAt), Date.parse(b.issuedAt))
  );
}

function columnsOf(rows: readonly Row[]): Columns {
  const c: Columns = { issuedAt: [], task: [], site: [], targetTime: [], horizon: [], value: [], lower: [], upper: [], label: [], probabilities: [], anomalyScore: [], unit: [], modelVersion: [] };
  for (const r of rows) for (const key of Object.keys(c) as (keyof Columns)[]) (c[key] as unknown[]).push(r[key]);
  return c;
}

/**
 * Stores a batch of predictions in one statement (unnest()ed arrays, on PostgreSQL and PGlite alike).
 * Idempotent: a row already stored (same task, site, target time, horizon, model version and issue
 * time) is skipped, so a re-sent batch adds nothing. The whole batch is checked against
 * predictionSchema first; a bad prediction throws InvalidPredictionError and nothing is written.
 */
export async function writePredictions(db: SqlExecutor, predictions: readonly Prediction[]): Promise<PredictionWriteResult> {
  checkPredictions(predictions);
  const rows = predictions.flatMap(rowsOf).sort(byKey);
  if (rows.length === 0) return { rows: 0, inserted: 0 };
  const c = columnsOf(rows);
  const { rowCount } = await db.query(INSERT_SQL, [
    c.issuedAt,
    c.task,
    c.site,
    c.targetTime,
    c.horizon,
    c.value,
    c.lower,
    c.upper,
    c.label,
    c.probabilities,
    c.anomalyScore,
    c.unit,
    c.modelVersion,
  ]);
  return { rows: rows.length, inserted: rowCount };
}

export interface PredictionFilter {
  task?: TaskName;
  site?: string;
  /** Only predictions issued at or after this instant. */
  since?: Date | string;
}

interface StoredRow {
  issued_ms: number;
  task: TaskName;
  site: string;
  target_ms: number;
  horizon: number;
  value: number | null;
  lower: number | null;
  upper: number | null;
  label: string | null;
  probabilities: Record<string, number> | string | null;
  anomaly_score: number | null;
  unit: string | null;
  model_version: string;
}

// Epoch milliseconds rather than timestamptz values: pg and PGlite parse those differently.
const SELECT_SQL = `SELECT (extract(epoch FROM issued_at) * 1000)::float8 AS issued_ms, task, site,
    (extract(epoch FROM target_time) * 1000)::float8 AS target_ms, horizon, value, lower, upper,
    label, probabilities, anomaly_score, unit, model_version
  FROM predictions
  WHERE ($1::text IS NULL OR task = $1::text) AND ($2::text IS NULL OR site = $2::text) AND ($3::timestamptz IS NULL OR issued_at >= $3::timestamptz)
  ORDER BY issued_at, task, site, model_version, horizon, target_time`;

const iso = (ms: number) => new Date(ms).toISOString();

/**
 * Reads predictions back as the contract's objects, oldest issue time first: a regression
 * prediction from its rows of one (task, site, issue time, model version), horizons ascending;
 * a classification prediction from its one row. Times come back in UTC with millisecond
 * precision ("2025-06-01T12:00:00.000Z"), whatever offset they were written with.
 */
export async function readPredictions(db: SqlExecutor, filter: PredictionFilter = {}): Promise<Prediction[]> {
  const since = filter.since instanceof Date ? filter.since.toISOString() : (filter.since ?? null);
  const { rows } = await db.query<StoredRow>(SELECT_SQL, [filter.task ?? null, filter.site ?? null, since]);
  const out: Prediction[] = [];
  const regressions = new Map<string, RegressionPrediction>();
  for (const row of rows) {
    const common = { task: row.task, site: row.site, issued_at: iso(row.issued_ms), model_version: row.model_version };
    if (row.horizon === 0) {
      const probabilities = typeof row.probabilities === 'string' ? (JSON.parse(row.probabilities) as Record<string, number>) : (row.probabilities ?? {});
      const prediction: ClassificationPrediction = { kind: 'classification', ...common, target_time: iso(row.target_ms), label: row.label ?? '', probabilities };
      if (row.anomaly_score !== null) prediction.anomaly_score = row.anomaly_score;
      out.push(prediction);
      continue;
    }
    const key = JSON.stringify([row.task, row.site, row.issued_ms, row.model_version]);
    let prediction = regressions.get(key);
    if (!prediction) {
      prediction = { kind: 'regression', ...common, unit: row.unit ?? '', horizons: [] };
      regressions.set(key, prediction);
      out.push(prediction);
    }
    const horizon: RegressionPrediction['horizons'][number] = { horizon: row.horizon, target_time: iso(row.target_ms), value: row.value ?? Number.NaN };
    if (row.lower !== null) horizon.lower = row.lower;
    if (row.upper !== null) horizon.upper = row.upper;
    prediction.horizons.push(horizon);
  }
  return out;
}
