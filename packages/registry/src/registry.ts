import { createHash } from 'node:crypto';
import { TASK_NAMES, type TaskName } from '@headstream/tasks';
import { averageModels, deserializeModel, readMetadata, serializeModel, type ModelMetadata, type MultiTaskModel, type SaveInfo, type TrainingEvent } from '@headstream/model';
import type { SqlClient, SqlExecutor } from '@headstream/store';
import { z } from 'zod';
import type { FeatureScalers, FeatureSpec } from '@headstream/features';
import { servedArtifacts, servedSpec, type GuardDecision, type MetricsJSON, type ServedBy, type TaskReport, type VersionReport, type VersionStatus, type VersionSummary } from './report.js';

/**
 * The model registry in the database (migration 6): versions with their report and the guard's
 * decision, their models as bytes (model_artifacts), the promotion history rollback walks, training
 * telemetry and training requests. Every function takes a SqlClient, so it runs on PostgreSQL and
 * on embedded PGlite alike.
 */

// The plain-text views of versions go with the registry (index.ts re-exports this module).

/** NOTIFY channel of promotions and rollbacks; payload {"version","previous","kind"}. */
export const MODEL_PROMOTED_CHANNEL = 'hs_model_promoted';
/** NOTIFY channel of new training requests; payload {"id"}. */
export const TRAINING_REQUESTS_CHANNEL = 'hs_train_requests';


/** A version asked for by name does not exist (the CLI answers it with exit code 2). */
export class UnknownVersionError extends Error {
  override name = 'UnknownVersionError';
  constructor(readonly version: string) {
    super(`no model version ${JSON.stringify(version)}`);
  }
}

// Names go into the database only as bound parameters; the patterns keep them printable and short.
const versionName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._:+-]{0,127}$/, 'a version is 1-128 letters, digits and . _ : + - (starting with a letter or digit)');
const artifactName = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'an artifact name is 1-63 lower-case letters, digits, _ and -');
const who = z.string().trim().min(1).max(200);

function parse<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new Error(`${what}: ${result.error.issues.map((i) => `${i.path.length ? `${i.path.join('.')}: ` : ''}${i.message}`).join('; ')}`);
  return result.data;
}

const iso = (value: unknown): string => (value instanceof Date ? value : new Date(String(value))).toISOString();
const isoOrNull = (value: unknown): string | null => (value === null || value === undefined ? null : iso(value));
const json = (value: unknown): string => JSON.stringify(value);
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

/** One artifact of a version: the shared model (SHARED_ARTIFACT) or a single-task one (singleArtifact(task)). */
export interface VersionArtifact {
  name: string;
  model: MultiTaskModel;
  info: SaveInfo;
}

/** The headline metric of each task, as model_versions.metrics holds it (for SQL and dashboards). */
export interface HeadlineMetrics {
  metric: TaskReport['metric'];
  shared: number | null;
  single: number | null;
  persistence: number | null;
  seasonal_naive: number | null;
  /** The linear autoregressive reference (null in versions trained before it). */
  linear: number | null;
  /** The blend of the shared and single-task models (null in versions trained before it). */
  blend: number | null;
  served_by: ServedBy;
  delta_pct: number;
}

function headline(metrics: MetricsJSON, metric: TaskReport['metric']): number | null {
  const value = (metrics as unknown as Record<string, unknown>)[metric];
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function headlineMetrics(report: VersionReport): Partial<Record<TaskName, HeadlineMetrics>> {
  const out: Partial<Record<TaskName, HeadlineMetrics>> = {};
  for (const [task, r] of Object.entries(report.task_reports) as [TaskName, TaskReport][]) {
    out[task] = {
      metric: r.metric,
      shared: headline(r.shared, r.metric),
      single: headline(r.single, r.metric),
      persistence: headline(r.persistence, r.metric),
      seasonal_naive: headline(r.seasonal_naive, r.metric),
      linear: r.linear ? headline(r.linear, r.metric) : null,
      blend: r.blend ? headline(r.blend, r.metric) : null,
      served_by: r.served_by,
      delta_pct: r.delta_pct,
    };
  }
  return out;
}

export interface SavedArtifact {
  name: string;
  sha256: string;
  bytes: number;
}

export interface SaveVersionInput {
  report: VersionReport;
  artifacts: readonly VersionArtifact[];
  /** Training telemetry per artifact (see telemetryRows), written in the same transaction. */
  telemetry?: readonly { model: string; rows: readonly TelemetryRow[] }[];
}

/**
 * Stores a candidate version in one transaction: its model_versions row (status 'candidate'), every
 * artifact's metadata and weights, and its telemetry if given. Each artifact's info.version must be
 * the report's version.
 */
export async function saveVersion(db: SqlClient, input: SaveVersionInput): Promise<{ version: string; artifacts: SavedArtifact[] }> {
  const { report } = input;
  const version = parse(versionName, report.version, 'model version');
  if (input.artifacts.length === 0) throw new Error(`model version ${JSON.stringify(version)}: no artifacts to save`);
  const names = new Set<string>();
  const serialized = input.artifacts.map(({ name, model, info }) => {
    parse(artifactName, name, `model version ${JSON.stringify(version)}: artifact name`);
    if (names.has(name)) throw new Error(`model version ${JSON.stringify(version)}: artifact ${JSON.stringify(name)} given twice`);
    names.add(name);
    if (info.version !== version) throw new Error(`artifact ${JSON.stringify(name)} says version ${JSON.stringify(info.version)}, the report ${JSON.stringify(version)}`);
    const { metadata, weights } = serializeModel(model, info);
    return { name, metadata, weights, sha256: sha256(weights) };
  });
  await db.transaction(async (tx) => {
    if ((await tx.query('SELECT 1 FROM model_versions WHERE version = $1', [version])).rowCount > 0) throw duplicate(version);
    try {
      await tx.query(
        `INSERT INTO model_versions (version, created_at, tasks, strategy, regime, backend, metrics, report, decision, serving, status)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, $8::jsonb, $9::jsonb, $10::jsonb, 'candidate')`,
        [version, report.created_at, report.tasks, report.strategy, report.regime, report.backend, json(headlineMetrics(report)), json(report), json(report.decision), json(report.decision.serving)],
      );
    } catch (error) {
      // A concurrent save of the same version got there first.
      if ((error as { code?: string }).code === '23505') throw duplicate(version);
      throw error;
    }
    for (const a of serialized) {
      await tx.query('INSERT INTO model_artifacts (version, name, metadata, weights, sha256, bytes) VALUES ($1, $2, $3::jsonb, $4, $5, $6)', [
        version,
        a.name,
        json(a.metadata),
        Buffer.from(a.weights.buffer, a.weights.byteOffset, a.weights.byteLength),
        a.sha256,
        a.weights.byteLength,
      ]);
    }
    for (const t of input.telemetry ?? []) await writeTrainingMetrics(tx, { version, model: t.model, rows: t.rows });
  });
  return { version, artifacts: serialized.map((a) => ({ name: a.name, sha256: a.sha256, bytes: a.weights.byteLength })) };
}

const duplicate = (version: string) => new Error(`model version ${JSON.stringify(version)} already exists: a new version needs a new name`);

/**
 * Loads one artifact of a version on the current backend. The weights must match their stored
 * SHA-256 and size; an error names the version and the artifact.
 */
export async function loadArtifact(db: SqlExecutor, version: string, name: string): Promise<{ model: MultiTaskModel; metadata: ModelMetadata }> {
  const { rows } = await db.query<{ metadata: ModelMetadata; weights: Uint8Array; sha256: string; bytes: number }>(
    'SELECT metadata, weights, sha256, bytes FROM model_artifacts WHERE version = $1 AND name = $2',
    [version, name],
  );
  const row = rows[0];
  const label = `artifact ${JSON.stringify(name)} of model version ${JSON.stringify(version)}`;
  if (!row) {
    if ((await db.query('SELECT 1 FROM model_versions WHERE version = $1', [version])).rowCount === 0) throw new UnknownVersionError(version);
    const others = (await db.query<{ name: string }>('SELECT name FROM model_artifacts WHERE version = $1 ORDER BY name', [version])).rows.map((r) => r.name);
    throw new Error(`no ${label} (it has ${others.length ? others.join(', ') : 'no artifacts'})`);
  }
  const weights = row.weights;
  const actual = sha256(weights);
  if (weights.byteLength !== row.bytes || actual !== row.sha256) {
    throw new Error(`${label} is corrupt: ${weights.byteLength} bytes with SHA-256 ${actual}, stored as ${row.bytes} bytes with ${row.sha256}`);
  }
  try {
    const metadata = readMetadata(row.metadata);
    return { model: deserializeModel(metadata, weights), metadata };
  } catch (error) {
    throw new Error(`${label} cannot be loaded: ${(error as Error).message}`, { cause: error });
  }
}


/** A task's served model as scoring and serving read it: its predictor (a blend's members averaged), the spec it decodes with, the scalers. */
export interface ServedPredictor {
  predictor: Pick<MultiTaskModel, 'task' | 'inputOf' | 'predict'>;
  spec: FeatureSpec;
  scalers: FeatureScalers;
}

/**
 * The served model of `task` from its loaded artifacts (servedArtifacts' order): one model, or a blend's two with
 * their outputs averaged (averageModels), and the spec it decodes with (servedSpec: a blend's own weights from the
 * task's report). Every member reads the first's window (a version prepares one spec and scalers for both).
 * Undefined when an artifact has no input of the task.
 */
export function servedPredictor(task: TaskName, servedBy: ServedBy, members: readonly { model: MultiTaskModel; metadata: ModelMetadata }[], report: Pick<TaskReport, 'blend' | 'blend_weights'> | undefined): ServedPredictor | undefined {
  if (servedBy === 'blend' && !report?.blend) throw new Error(`${task} is served by the blend, which its report does not score`);
  const saved = members[0]?.metadata.features[task];
  if (!saved || members.some((m) => !m.metadata.features[task])) return undefined;
  const models = members.map((m) => m.model);
  return { predictor: models.length === 1 ? (models[0] as MultiTaskModel) : averageModels(models), spec: servedSpec(servedBy, task, saved.spec, report), scalers: saved.scalers };
}

/** A served model loaded for scoring, with its artifacts to dispose. */
export interface ServedModel extends ServedPredictor {
  dispose(): void;
}

/**
 * Loads the model that serves `task` in a version (servedArtifacts: one artifact, or a blend's two averaged) with
 * the spec it decodes with (servedSpec: a blend's own weights from the version's report). Undefined when the
 * artifact has no input of the task.
 */
export async function loadServed(db: SqlExecutor, version: string, task: TaskName, servedBy: ServedBy): Promise<ServedModel | undefined> {
  const report = servedBy === 'blend' ? (await getVersion(db, version))?.report?.task_reports[task] : undefined;
  const members: { model: MultiTaskModel; metadata: ModelMetadata }[] = [];
  const dispose = () => {
    for (const m of members) m.model.dispose();
  };
  try {
    for (const name of servedArtifacts(servedBy, task)) members.push(await loadArtifact(db, version, name));
    const served = servedPredictor(task, servedBy, members, report);
    if (served) return { ...served, dispose };
  } catch (error) {
    dispose();
    throw error;
  }
  dispose();
  return undefined;
}

/** Everything stored about a version but its weights. */
export interface VersionDetails extends VersionSummary {
  regime: string;
  backend: string | null;
  metrics: Partial<Record<TaskName, HeadlineMetrics>>;
  report: VersionReport | null;
  decision: GuardDecision | null;
  /** Set by rejectVersion. */
  rejected: { reason: string; at: string } | null;
  artifacts: SavedArtifact[];
}

interface VersionRow {
  version: string;
  created_at: Date | string;
  status: VersionStatus;
  active: boolean;
  tasks: TaskName[];
  strategy: string;
  delta_m: number | null;
  promoted_at: Date | string | null;
  serving: GuardDecision['serving'] | null;
}

const SUMMARY_COLUMNS = "version, created_at, status, active, tasks, strategy, (report->>'delta_m')::float8 AS delta_m, promoted_at, serving";

function summary(row: VersionRow): VersionSummary {
  return {
    version: row.version,
    created_at: iso(row.created_at),
    status: row.status,
    active: row.active,
    tasks: row.tasks,
    strategy: row.strategy,
    delta_m: row.delta_m,
    promoted_at: isoOrNull(row.promoted_at),
    serving: row.serving ?? null,
  };
}

/** Every version, newest first. */
export async function listVersions(db: SqlExecutor): Promise<VersionSummary[]> {
  const { rows } = await db.query<VersionRow>(`SELECT ${SUMMARY_COLUMNS} FROM model_versions ORDER BY created_at DESC, version DESC`);
  return rows.map(summary);
}

/** One version with its report and decision; undefined when there is none of that name. */
export async function getVersion(db: SqlExecutor, version: string): Promise<VersionDetails | undefined> {
  const { rows } = await db.query<
    VersionRow & { regime: string; backend: string | null; metrics: VersionDetails['metrics']; report: VersionReport | null; decision: GuardDecision | null; rejected: { reason: string; at: string } | null }
  >(`SELECT ${SUMMARY_COLUMNS}, regime, backend, metrics, report, decision, metadata->'rejected' AS rejected FROM model_versions WHERE version = $1`, [version]);
  const row = rows[0];
  if (!row) return undefined;
  const artifacts = await db.query<SavedArtifact>('SELECT name, sha256, bytes FROM model_artifacts WHERE version = $1 ORDER BY name', [version]);
  return {
    ...summary(row),
    regime: row.regime,
    backend: row.backend,
    metrics: row.metrics,
    report: row.report,
    decision: row.decision,
    rejected: row.rejected ?? null,
    artifacts: artifacts.rows,
  };
}

/** The version serving predictions, if any. */
export async function activeVersion(db: SqlExecutor): Promise<VersionSummary | undefined> {
  const { rows } = await db.query<VersionRow>(`SELECT ${SUMMARY_COLUMNS} FROM model_versions WHERE active`);
  return rows[0] ? summary(rows[0]) : undefined;
}

export interface PromotionInput {
  reason: string;
  /** Who decided: a user name, "guard", "trainer". */
  actor: string;
}

export interface Promotion {
  version: string;
  /** The version that was active before, now retired (null: none was). */
  previous: string | null;
  kind: 'promote' | 'rollback';
}

/**
 * Makes `version` the active one, in one transaction: the previous active version is retired, the
 * promotion recorded in model_promotions, and a NOTIFY on MODEL_PROMOTED_CHANNEL sent on commit.
 * Refuses an unknown version, one without artifacts, and the version already active.
 */
export async function promote(db: SqlClient, version: string, input: PromotionInput): Promise<Promotion> {
  const { reason, actor } = parse(z.object({ reason: who, actor: who }), input, 'promote');
  return db.transaction((tx) => activate(tx, version, { reason, actor, kind: 'promote' }));
}

/**
 * Re-activates the version that was active before the current one. Walks model_promotions: the
 * current version's latest promotion (not a rollback) names its predecessor, so rolling back twice
 * goes two versions back. Refuses when nothing is active or nothing was active before it.
 */
export async function rollback(db: SqlClient, input: PromotionInput): Promise<Promotion> {
  const { reason, actor } = parse(z.object({ reason: who, actor: who }), input, 'rollback');
  return db.transaction(async (tx) => {
    await lockPromotions(tx);
    const current = (await tx.query<{ version: string }>('SELECT version FROM model_versions WHERE active')).rows[0]?.version;
    if (current === undefined) throw new Error('nothing to roll back: no model version is active');
    const previous = (
      await tx.query<{ previous: string | null }>("SELECT previous FROM model_promotions WHERE version = $1 AND kind = 'promote' ORDER BY id DESC LIMIT 1", [current])
    ).rows[0]?.previous;
    if (previous === undefined || previous === null) throw new Error(`nothing to roll back to: no version was active before ${JSON.stringify(current)}`);
    return activate(tx, previous, { reason, actor, kind: 'rollback' });
  });
}

// Promotions and rollbacks take turns (per schema): each reads the active version, then replaces it.
const lockPromotions = (tx: SqlExecutor) => tx.query("SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':headstream-promote'))");

async function activate(tx: SqlExecutor, version: string, how: PromotionInput & { kind: Promotion['kind'] }): Promise<Promotion> {
  await lockPromotions(tx);
  const target = (await tx.query<{ active: boolean }>('SELECT active FROM model_versions WHERE version = $1 FOR UPDATE', [version])).rows[0];
  if (!target) throw new UnknownVersionError(version);
  if (target.active) throw new Error(`model version ${JSON.stringify(version)} is already active`);
  const artifacts = (await tx.query('SELECT 1 FROM model_artifacts WHERE version = $1 LIMIT 1', [version])).rowCount;
  if (artifacts === 0) throw new Error(`model version ${JSON.stringify(version)} has no artifacts: there is no model to serve`);
  const previous = (await tx.query<{ version: string }>("UPDATE model_versions SET active = false, status = 'retired' WHERE active RETURNING version")).rows[0]?.version ?? null;
  await tx.query("UPDATE model_versions SET active = true, status = 'active', promoted_at = now() WHERE version = $1", [version]);
  await tx.query('INSERT INTO model_promotions (version, previous, kind, reason, actor) VALUES ($1, $2, $3, $4, $5)', [version, previous, how.kind, how.reason, how.actor]);
  const promotion: Promotion = { version, previous, kind: how.kind };
  await tx.query('SELECT pg_notify($1, $2)', [MODEL_PROMOTED_CHANNEL, json(promotion)]);
  return promotion;
}

/** Marks a version rejected (never served unless promoted by hand), keeping the reason. */
export async function rejectVersion(db: SqlClient, version: string, reason: string): Promise<void> {
  const why = parse(who, reason, 'reject: reason');
  await db.transaction(async (tx) => {
    const row = (await tx.query<{ active: boolean }>('SELECT active FROM model_versions WHERE version = $1 FOR UPDATE', [version])).rows[0];
    if (!row) throw new UnknownVersionError(version);
    if (row.active) throw new Error(`model version ${JSON.stringify(version)} is active: promote another version or roll back before rejecting it`);
    await tx.query("UPDATE model_versions SET status = 'rejected', metadata = metadata || jsonb_build_object('rejected', jsonb_build_object('reason', $2::text, 'at', now())) WHERE version = $1", [
      version,
      why,
    ]);
  });
}

/** A row of model_promotions. */
export interface PromotionRecord extends Promotion {
  id: number;
  at: string;
  reason: string;
  actor: string;
}

/** The promotion history (what rollback walks), oldest first. */
export async function listPromotions(db: SqlExecutor): Promise<PromotionRecord[]> {
  const { rows } = await db.query<Omit<PromotionRecord, 'at'> & { at: Date | string }>('SELECT id, at, version, previous, kind, reason, actor FROM model_promotions ORDER BY id');
  return rows.map((r) => ({ ...r, at: iso(r.at) }));
}

// ---------------------------------------------------------------- training telemetry

const finiteOrNull = z.preprocess((v) => (typeof v === 'number' && Number.isFinite(v) ? v : null), z.number().nullable());

/** One row of training_metrics: one task at one sampled step, or its epoch mean. Non-finite numbers are stored as null. */
export interface TelemetryRow {
  kind: 'step' | 'epoch';
  step: number;
  epoch: number;
  task: string;
  loss: number | null;
  weight: number | null;
  grad_norm: number | null;
  grad_norm_ratio: number | null;
  /** Cosine of this task's gradient with each other task's (null where one had none). */
  grad_cosine: Record<string, number | null> | null;
  learning_rate: number | null;
  regime: string | null;
  /** Default: the database's now(). */
  time?: Date | string;
}

const telemetryRowSchema = z.object({
  kind: z.enum(['step', 'epoch']),
  step: z.number().int().nonnegative(),
  epoch: z.number().int().nonnegative(),
  task: z.string().min(1),
  loss: finiteOrNull,
  weight: finiteOrNull,
  grad_norm: finiteOrNull,
  grad_norm_ratio: finiteOrNull,
  grad_cosine: z.record(z.string(), finiteOrNull).nullable(),
  learning_rate: finiteOrNull,
  regime: z.string().nullable(),
  time: z.union([z.date(), z.string()]).optional(),
});

/**
 * The training_metrics rows of one trainer event: one per task of the event. Step rows carry the
 * global step and its learning rate; epoch rows carry the number of steps the epoch ran as `step`,
 * the epoch's mean losses and mean gradient conflict, and no weight or learning rate.
 */
export function telemetryRows(event: TrainingEvent): TelemetryRow[] {
  const conflict = event.conflict;
  return event.tasks.map((task, i) => ({
    kind: event.type,
    step: event.type === 'step' ? event.step : event.steps,
    epoch: event.epoch,
    task,
    loss: event.losses[task] ?? null,
    weight: event.type === 'step' ? (event.weights[task] ?? null) : null,
    grad_norm: conflict?.norms[i] ?? null,
    grad_norm_ratio: conflict?.normRatio[i] ?? null,
    grad_cosine: conflict ? Object.fromEntries(event.tasks.flatMap((other, j) => (j === i ? [] : [[other, conflict.cosine[i]?.[j] ?? null]]))) : null,
    learning_rate: event.type === 'step' ? event.learningRate : null,
    regime: event.regime,
  }));
}

const TELEMETRY_COLUMNS = ['time', 'model_version', 'model', 'kind', 'step', 'epoch', 'task', 'loss', 'weight', 'grad_norm', 'grad_norm_ratio', 'grad_cosine', 'learning_rate', 'regime'] as const;
/** Rows per INSERT: 14 parameters each, far below PostgreSQL's 65,535. */
const TELEMETRY_BATCH = 500;

/** Appends telemetry rows of one artifact (`model`: "shared" or "single-<task>") of a version; returns the count. */
export async function writeTrainingMetrics(db: SqlExecutor, input: { version: string; model: string; rows: readonly TelemetryRow[] }): Promise<number> {
  const version = parse(versionName, input.version, 'training metrics: version');
  const model = parse(artifactName, input.model, 'training metrics: model');
  const rows = input.rows.map((r, i) => parse(telemetryRowSchema, r, `training metrics row ${i}`));
  for (let start = 0; start < rows.length; start += TELEMETRY_BATCH) {
    const batch = rows.slice(start, start + TELEMETRY_BATCH);
    const params: unknown[] = [];
    const tuples = batch.map((r) => {
      const values = [
        r.time === undefined ? null : iso(r.time),
        version,
        model,
        r.kind,
        r.step,
        r.epoch,
        r.task,
        r.loss,
        r.weight,
        r.grad_norm,
        r.grad_norm_ratio,
        r.grad_cosine === null ? null : json(r.grad_cosine),
        r.learning_rate,
        r.regime,
      ];
      const at = params.length;
      params.push(...values);
      const p = (k: number) => `$${at + k + 1}`;
      return `(COALESCE(${p(0)}::timestamptz, now()), ${p(1)}, ${p(2)}, ${p(3)}, ${p(4)}::int, ${p(5)}::int, ${p(6)}, ${p(7)}::float8, ${p(8)}::float8, ${p(9)}::float8, ${p(10)}::float8, ${p(11)}::jsonb, ${p(12)}::float8, ${p(13)})`;
    });
    await db.query(`INSERT INTO training_metrics (${TELEMETRY_COLUMNS.join(', ')}) VALUES ${tuples.join(', ')}`, params);
  }
  return rows.length;
}

// ---------------------------------------------------------------- training requests

export interface TrainingRequest {
  id: number;
  requested_at: string;
  /** null: every task. */
  tasks: TaskName[] | null;
  options: Record<string, unknown>;
  requested_by: string;
  claimed_at: string | null;
  finished_at: string | null;
  result: string | null;
}

const trainingRequestInput = z.object({
  tasks: z.array(z.enum(TASK_NAMES)).min(1).optional(),
  options: z.record(z.string(), z.unknown()).optional(),
  requestedBy: who,
});

interface TrainingRequestRow {
  id: number;
  requested_at: Date | string;
  tasks: TaskName[] | null;
  options: Record<string, unknown>;
  requested_by: string;
  claimed_at: Date | string | null;
  finished_at: Date | string | null;
  result: string | null;
}

const request = (r: TrainingRequestRow): TrainingRequest => ({
  ...r,
  requested_at: iso(r.requested_at),
  claimed_at: isoOrNull(r.claimed_at),
  finished_at: isoOrNull(r.finished_at),
});

/** Queues a training request and NOTIFYs TRAINING_REQUESTS_CHANNEL on commit; returns its id. */
export async function requestTraining(db: SqlClient, input: z.input<typeof trainingRequestInput>): Promise<number> {
  const { tasks, options, requestedBy } = parse(trainingRequestInput, input, 'training request');
  return db.transaction(async (tx) => {
    const { rows } = await tx.query<{ id: number }>('INSERT INTO training_requests (tasks, options, requested_by) VALUES ($1::text[], $2::jsonb, $3) RETURNING id', [
      tasks ?? null,
      json(options ?? {}),
      requestedBy,
    ]);
    const id = rows[0]?.id;
    if (id === undefined) throw new Error('training request: INSERT returned no id');
    await tx.query('SELECT pg_notify($1, $2)', [TRAINING_REQUESTS_CHANNEL, json({ id })]);
    return id;
  });
}

/**
 * Claims the oldest unclaimed request (marks it claimed) or returns undefined. Concurrent trainers
 * never claim the same one: the row is locked and others skip it (FOR UPDATE SKIP LOCKED).
 */
export async function claimTrainingRequest(db: SqlExecutor): Promise<TrainingRequest | undefined> {
  const { rows } = await db.query<TrainingRequestRow>(
    `UPDATE training_requests SET claimed_at = now()
     WHERE id = (SELECT id FROM training_requests WHERE claimed_at IS NULL ORDER BY id LIMIT 1 FOR UPDATE SKIP LOCKED)
     RETURNING id, requested_at, tasks, options, requested_by, claimed_at, finished_at, result`,
  );
  return rows[0] ? request(rows[0]) : undefined;
}

/** Records how a claimed request ended (e.g. the version it produced, or the error). */
export async function finishTrainingRequest(db: SqlExecutor, id: number, result: string): Promise<void> {
  const { rowCount } = await db.query('UPDATE training_requests SET finished_at = now(), result = $2 WHERE id = $1 AND claimed_at IS NOT NULL AND finished_at IS NULL', [id, result]);
  if (rowCount === 1) return;
  const row = (await db.query<{ claimed: boolean; finished: boolean }>('SELECT claimed_at IS NOT NULL AS claimed, finished_at IS NOT NULL AS finished FROM training_requests WHERE id = $1', [id])).rows[0];
  if (!row) throw new Error(`no training request ${id}`);
  throw new Error(`training request ${id} ${row.finished ? 'is already finished' : 'was never claimed'}`);
}

/** A training request by id (undefined when there is none). */
export async function getTrainingRequest(db: SqlExecutor, id: number): Promise<TrainingRequest | undefined> {
  const { rows } = await db.query<TrainingRequestRow>('SELECT id, requested_at, tasks, options, requested_by, claimed_at, finished_at, result FROM training_requests WHERE id = $1', [id]);
  return rows[0] ? request(rows[0]) : undefined;
}
