import { createHash } from 'node:crypto';
import { quoteIdent, type SqlClient, type SqlExecutor } from './sql-client.js';

/**
 * Versioned, idempotent migrations. Each runs once, recorded in schema_migrations; a
 * transaction-scoped advisory lock keeps two services starting together from racing.
 * TimescaleDB is detected at run time: with the extension, readings become a compressed
 * hypertable with continuous aggregates; without it, the same names exist as plain
 * tables, indexes and views (the "query surface" dashboards rely on).
 */
export interface MigrationContext {
  timescale: boolean;
  /** The schema migrated (current_schema()); names its least-privilege roles. */
  schema: string;
  /** Drop raw readings older than this (TimescaleDB retention policy); null keeps all. */
  retention: string | null;
  /** Drop rollup buckets older than this (TimescaleDB, longer than `retention`); null keeps all. */
  aggregateRetention: string | null;
  /**
   * TimescaleDB with its community features (compression, continuous aggregates): false under an
   * Apache-only build (timescaledb.license = apache), which degrades to plain views.
   */
  timescaleFull: boolean;
}

export interface Migration {
  version: number;
  name: string;
  /** false for statements TimescaleDB refuses inside a transaction (continuous aggregates). */
  transactional: boolean;
  up(db: SqlExecutor, ctx: MigrationContext): Promise<void>;
}

/** The least-privilege roles of the `public` schema. Other schemas get their own: see ingestRoleFor. */
export const INGEST_ROLE = 'headstream_ingest';
export const READER_ROLE = 'headstream_reader';
export const TRAINER_ROLE = 'headstream_trainer';
export const PREDICTOR_ROLE = 'headstream_predictor';

function roleFor(base: string, schema: string): string {
  if (schema === 'public') return base;
  const name = `${base}_${schema}`;
  if (name.length <= 63) return name;
  // PostgreSQL names are at most 63 bytes: shorten, keeping them unique with a hash of the schema.
  return `${base}_${schema.slice(0, 62 - base.length - 1 - 9)}_${createHash('sha256').update(schema).digest('hex').slice(0, 8)}`;
}

/**
 * NOLOGIN role holding what the ingest service needs in `schema` (SELECT/INSERT on series, readings,
 * dead_letters; DELETE on dead_letters for retention; SELECT on schema_migrations). Roles are
 * cluster-wide and grants per schema, so each schema has its own: `headstream_ingest` for public,
 * `headstream_ingest_<schema>` otherwise. Log in as a member of it (CREATE ROLE x LOGIN IN ROLE ...).
 */
export function ingestRoleFor(schema: string): string {
  return roleFor(INGEST_ROLE, schema);
}

/** NOLOGIN role that may read every table of `schema` (dashboards): `headstream_reader[_<schema>]`. */
export function readerRoleFor(schema: string): string {
  return roleFor(READER_ROLE, schema);
}

/**
 * NOLOGIN role of the trainer in `schema` (`headstream_trainer[_<schema>]`): reads series, readings
 * and the rollups, reads and writes the model registry (model_*) and training tables (training_*);
 * no DELETE anywhere, no access to dead letters or predictions.
 */
export function trainerRoleFor(schema: string): string {
  return roleFor(TRAINER_ROLE, schema);
}

/**
 * NOLOGIN role of the prediction service in `schema` (`headstream_predictor[_<schema>]`): reads
 * series, readings, the rollups, model_versions and model_artifacts; inserts and reads predictions;
 * inserts the dead letters of the messages it refuses.
 */
export function predictorRoleFor(schema: string): string {
  return roleFor(PREDICTOR_ROLE, schema);
}

/** Every least-privilege role migrations create for `schema` (e.g. to drop them with a test schema). */
export function schemaRolesFor(schema: string): string[] {
  return [ingestRoleFor(schema), readerRoleFor(schema), trainerRoleFor(schema), predictorRoleFor(schema)];
}

/** Creates the NOLOGIN roles that are missing, or fails saying what an administrator must run. */
async function ensureRoles(db: SqlExecutor, roles: readonly string[]): Promise<void> {
  const missing: string[] = [];
  for (const role of roles) {
    if ((await db.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role])).rowCount === 0) missing.push(role);
  }
  if (missing.length === 0) return;
  const me = (await db.query<{ u: string; ok: boolean }>('SELECT current_user AS u, rolsuper OR rolcreaterole AS ok FROM pg_roles WHERE rolname = current_user')).rows[0];
  if (!me?.ok) {
    // Never record a migration as applied without its roles: fail loudly, saying what to do.
    throw new Error(
      `role(s) ${missing.join(', ')} do not exist and ${me?.u ?? 'the current user'} may not create roles: ` +
        `have an administrator run ${missing.map((r) => `CREATE ROLE ${quoteIdent(r)} NOLOGIN;`).join(' ')} or migrate as a role with CREATEROLE`,
    );
  }
  for (const role of missing) await db.query(`CREATE ROLE ${quoteIdent(role)} NOLOGIN`);
}

/** Creates the schema's ingest and reader roles when missing and grants them their rights (idempotent). */
async function grantRoles(db: SqlExecutor, ctx: MigrationContext): Promise<void> {
  const ingest = ingestRoleFor(ctx.schema);
  const reader = readerRoleFor(ctx.schema);
  await ensureRoles(db, [ingest, reader]);
  const schema = quoteIdent(ctx.schema);
  await exec(db, [
    `GRANT USAGE ON SCHEMA ${schema} TO ${quoteIdent(ingest)}, ${quoteIdent(reader)}`,
    `GRANT SELECT, INSERT ON series, readings, dead_letters TO ${quoteIdent(ingest)}`,
    `GRANT SELECT ON ALL TABLES IN SCHEMA ${schema} TO ${quoteIdent(reader)}`,
  ]);
}

/** Migration 6's roles: the trainer and the predictor, and the reader on the new tables (idempotent). */
async function grantModelRoles(db: SqlExecutor, ctx: MigrationContext): Promise<void> {
  const trainer = quoteIdent(trainerRoleFor(ctx.schema));
  const predictor = quoteIdent(predictorRoleFor(ctx.schema));
  await ensureRoles(db, [trainerRoleFor(ctx.schema), predictorRoleFor(ctx.schema)]);
  const schema = quoteIdent(ctx.schema);
  const inputs = 'series, readings, readings_5m, readings_1h, reading_values, schema_migrations';
  const registry = 'model_versions, model_artifacts, model_promotions, training_metrics, training_requests';
  await exec(db, [
    `GRANT USAGE ON SCHEMA ${schema} TO ${trainer}, ${predictor}`,
    `GRANT SELECT ON ${inputs}, ${registry} TO ${trainer}`,
    `GRANT INSERT, UPDATE ON ${registry} TO ${trainer}`,
    `GRANT SELECT ON ${inputs}, model_versions, model_artifacts TO ${predictor}`,
    `GRANT SELECT, INSERT ON predictions TO ${predictor}`,
    // GRANT ... ON ALL TABLES covers the tables that exist when it runs: again for this version's.
    `GRANT SELECT ON ALL TABLES IN SCHEMA ${schema} TO ${quoteIdent(readerRoleFor(ctx.schema))}`,
  ]);
}

async function exec(db: SqlExecutor, statements: string[]): Promise<void> {
  for (const sql of statements) await db.query(sql);
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'core tables',
    transactional: true,
    up: (db) =>
      exec(db, [
        `CREATE TABLE series (
           id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
           domain text NOT NULL,
           site text NOT NULL,
           metric text NOT NULL,
           unit text,
           created_at timestamptz NOT NULL DEFAULT now(),
           UNIQUE (domain, site, metric)
         )`,
        // Unique per series and time: a re-delivered reading never duplicates. No foreign
        // key to series: its per-row check halves COPY throughput (BENCHMARKS.md), and the
        // writer only uses ids it read back from series, whose rows are never deleted.
        `CREATE TABLE readings (
           time timestamptz NOT NULL,
           series_id integer NOT NULL,
           value double precision NOT NULL,
           UNIQUE (series_id, time)
         )`,
        `CREATE TABLE dead_letters (
           id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
           received_at timestamptz NOT NULL DEFAULT now(),
           source text NOT NULL,
           topic text NOT NULL,
           partition integer,
           "offset" text,
           reason text NOT NULL,
           detail text NOT NULL,
           payload bytea NOT NULL,
           payload_size integer NOT NULL,
           truncated boolean NOT NULL DEFAULT false
         )`,
        'CREATE INDEX dead_letters_received_at ON dead_letters (received_at)',
        'CREATE INDEX dead_letters_reason ON dead_letters (reason, received_at)',
        `CREATE TABLE model_versions (
           version text PRIMARY KEY,
           created_at timestamptz NOT NULL DEFAULT now(),
           tasks text[] NOT NULL,
           strategy text NOT NULL,
           regime text NOT NULL DEFAULT 'joint',
           backend text,
           metrics jsonb NOT NULL DEFAULT '{}',
           metadata jsonb NOT NULL DEFAULT '{}',
           artifact_path text,
           active boolean NOT NULL DEFAULT false
         )`,
        `CREATE TABLE predictions (
           issued_at timestamptz NOT NULL,
           task text NOT NULL,
           site text NOT NULL,
           target_time timestamptz NOT NULL,
           horizon integer NOT NULL DEFAULT 0,
           value double precision,
           lower double precision,
           upper double precision,
           label text,
           probabilities jsonb,
           anomaly_score double precision,
           unit text,
           model_version text NOT NULL,
           UNIQUE (task, site, target_time, horizon, model_version, issued_at)
         )`,
        'CREATE INDEX predictions_target ON predictions (task, site, target_time)',
        `CREATE TABLE training_metrics (
           time timestamptz NOT NULL DEFAULT now(),
           model_version text NOT NULL,
           kind text NOT NULL CHECK (kind IN ('step', 'epoch')),
           step integer NOT NULL,
           epoch integer NOT NULL,
           task text NOT NULL,
           loss double precision,
           weight double precision,
           grad_norm double precision,
           grad_norm_ratio double precision,
           grad_cosine jsonb
         )`,
        'CREATE INDEX training_metrics_version ON training_metrics (model_version, kind, step)',
      ]),
  },
  {
    version: 2,
    name: 'time-series storage (TimescaleDB when present, plain PostgreSQL otherwise)',
    transactional: true,
    up: async (db, ctx) => {
      if (ctx.timescale) {
        await exec(db, [
          'CREATE EXTENSION IF NOT EXISTS timescaledb',
          "SELECT create_hypertable('readings', 'time', chunk_time_interval => interval '1 day', migrate_data => true)",
          "SELECT create_hypertable('predictions', 'issued_at', migrate_data => true)",
          "SELECT create_hypertable('training_metrics', 'time', migrate_data => true)",
        ]);
        if (ctx.timescaleFull) {
          await exec(db, [
            "ALTER TABLE readings SET (timescaledb.compress, timescaledb.compress_segmentby = 'series_id', timescaledb.compress_orderby = 'time')",
            "SELECT add_compression_policy('readings', interval '7 days')",
          ]);
        }
        if (ctx.retention !== null) await db.query("SELECT add_retention_policy('readings', $1::interval)", [ctx.retention]);
      } else {
        // BRIN: tiny, and readings arrive roughly in time order.
        await exec(db, [
          'CREATE INDEX readings_time_brin ON readings USING brin (time)',
          'CREATE INDEX predictions_issued_brin ON predictions USING brin (issued_at)',
        ]);
      }
    },
  },
  {
    version: 3,
    name: 'rollups readings_5m and readings_1h',
    transactional: false,
    up: async (db, ctx) => {
      for (const [name, width] of [
        ['readings_5m', '5 minutes'],
        ['readings_1h', '1 hour'],
      ] as const) {
        if (ctx.timescale && ctx.timescaleFull) {
          await db.query(
            `CREATE MATERIALIZED VIEW IF NOT EXISTS ${name} WITH (timescaledb.continuous) AS
               SELECT time_bucket(interval '${width}', time) AS bucket, series_id,
                      avg(value) AS mean, min(value) AS min, max(value) AS max, count(*) AS n
               FROM readings GROUP BY 1, 2 WITH NO DATA`,
          );
          await db.query(
            `SELECT add_continuous_aggregate_policy('${name}', start_offset => NULL, end_offset => interval '${width}', schedule_interval => interval '${width}', if_not_exists => true)`,
          );
        } else {
          await db.query(
            `CREATE OR REPLACE VIEW ${name} AS
               SELECT date_bin(interval '${width}', time, timestamptz '2000-01-01 00:00:00+00') AS bucket, series_id,
                      avg(value) AS mean, min(value) AS min, max(value) AS max, count(*) AS n
               FROM readings GROUP BY 1, 2`,
          );
        }
      }
      // One readable relation for dashboards and ad-hoc queries.
      await db.query(
        `CREATE OR REPLACE VIEW reading_values AS
           SELECT r.time, s.domain, s.site, s.metric, r.value, s.unit
           FROM readings r JOIN series s ON s.id = r.series_id`,
      );
    },
  },
  {
    version: 4,
    name: 'least-privilege roles',
    transactional: true,
    up: (db, ctx) => grantRoles(db, ctx),
  },
  {
    version: 5,
    name: 'dead letters unique per Kafka record; ingest may read the schema version and expire dead letters',
    transactional: true,
    up: async (db, ctx) => {
      // A re-delivered Kafka record (crash before the offset commit) must not be dead-lettered twice.
      await exec(db, [
        `DELETE FROM dead_letters a USING dead_letters b
           WHERE a.source = 'kafka' AND b.source = 'kafka' AND a.topic = b.topic
             AND a.partition = b.partition AND a."offset" = b."offset" AND a.id > b.id`,
        `CREATE UNIQUE INDEX dead_letters_kafka_record ON dead_letters (topic, partition, "offset") WHERE source = 'kafka'`,
      ]);
      // Version 4 of older releases was recorded without its grants when the owner could not
      // create roles: grant again (idempotent), then what this version adds.
      await grantRoles(db, ctx);
      const ingest = quoteIdent(ingestRoleFor(ctx.schema));
      await exec(db, [`GRANT SELECT ON schema_migrations TO ${ingest}`, `GRANT DELETE ON dead_letters TO ${ingest}`]);
    },
  },
  {
    version: 6,
    name: 'model registry: version status, artifacts in the database, promotion history, training requests; trainer and predictor roles',
    transactional: true,
    up: async (db, ctx) => {
      await exec(db, [
        `ALTER TABLE model_versions
           ADD COLUMN status text NOT NULL DEFAULT 'candidate' CHECK (status IN ('candidate', 'active', 'retired', 'rejected')),
           ADD COLUMN report jsonb,
           ADD COLUMN decision jsonb,
           ADD COLUMN serving jsonb,
           ADD COLUMN promoted_at timestamptz`,
        // Rows from before: at most one stays active (the newest, status 'active'); other active ones are retired.
        `UPDATE model_versions SET active = false, status = 'retired'
           WHERE active AND version <> (SELECT version FROM model_versions WHERE active ORDER BY created_at DESC, version DESC LIMIT 1)`,
        "UPDATE model_versions SET status = 'active' WHERE active",
        "ALTER TABLE model_versions ADD CONSTRAINT model_versions_active_status CHECK (active = (status = 'active'))",
        // At most one active version: a second promotion racing the first fails instead of serving two.
        'CREATE UNIQUE INDEX model_versions_one_active ON model_versions ((true)) WHERE active',
        `CREATE TABLE model_artifacts (
           version text NOT NULL REFERENCES model_versions (version) ON DELETE CASCADE,
           name text NOT NULL,
           metadata jsonb NOT NULL,
           weights bytea NOT NULL,
           sha256 text NOT NULL,
           bytes integer NOT NULL,
           PRIMARY KEY (version, name)
         )`,
        // Every promotion and rollback, in order: what rollback walks back. `kind` tells them
        // apart, so a second rollback goes further back instead of undoing the first.
        `CREATE TABLE model_promotions (
           id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
           at timestamptz NOT NULL DEFAULT now(),
           version text NOT NULL,
           previous text,
           kind text NOT NULL DEFAULT 'promote' CHECK (kind IN ('promote', 'rollback')),
           reason text NOT NULL,
           actor text NOT NULL
         )`,
        'CREATE INDEX model_promotions_version ON model_promotions (version, id)',
        `CREATE TABLE training_requests (
           id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
           requested_at timestamptz NOT NULL DEFAULT now(),
           tasks text[],
           options jsonb NOT NULL DEFAULT '{}',
           requested_by text NOT NULL,
           claimed_at timestamptz,
           finished_at timestamptz,
           result text
         )`,
        'CREATE INDEX training_requests_unclaimed ON training_requests (id) WHERE claimed_at IS NULL',
        // Telemetry per artifact (shared / single-<task>) with the step size and regime of the step.
        `ALTER TABLE training_metrics
           ADD COLUMN model text NOT NULL DEFAULT 'shared',
           ADD COLUMN learning_rate double precision,
           ADD COLUMN regime text`,
        'CREATE INDEX training_metrics_version_model ON training_metrics (model_version, model, kind, step)',
      ]);
      await grantModelRoles(db, ctx);
    },
  },
  {
    version: 7,
    name: 'dead letters name the app that refused them (ingest, predictor); the predictor may write dead letters',
    transactional: true,
    up: (db, ctx) =>
      exec(db, [
        // Rows from before were all written by ingest.
        "ALTER TABLE dead_letters ADD COLUMN app text NOT NULL DEFAULT 'ingest'",
        // Ingest and the predictor both dead-letter a refused Kafka record: once each.
        'DROP INDEX dead_letters_kafka_record',
        `CREATE UNIQUE INDEX dead_letters_kafka_record ON dead_letters (app, topic, partition, "offset") WHERE source = 'kafka'`,
        `GRANT INSERT ON dead_letters TO ${quoteIdent(predictorRoleFor(ctx.schema))}`,
      ]),
  },
  {
    version: 8,
    name: 'one definition of a prediction\'s actual (prediction_actuals); real-time rollups and rollup retention under TimescaleDB',
    transactional: true,
    up: async (db, ctx) => {
      // The actual of a prediction for target time T is the mean of its series' readings in
      // [T - step, T): buckets are labelled by their end, as training and serving build them
      // (target = issue + horizon x step). Persistence, the baseline, is the bucket ending at the issue
      // time (the last value the model saw). The series is the one the prediction's version bound the
      // task to (report.task_reports.<task>.binding), else the catalogue's domain and source metric.
      // LANGUAGE sql STABLE, one SELECT: the planner inlines it, so callers' filters reach predictions.
      await db.query(
        `CREATE OR REPLACE FUNCTION prediction_actuals(p_task text, p_domain text, p_source text, p_step interval)
         RETURNS TABLE (task text, site text, target_time timestamptz, horizon integer, issued_at timestamptz,
                        model_version text, value double precision, lower double precision, upper double precision,
                        label text, probabilities jsonb, anomaly_score double precision, series_id integer,
                        actual double precision, persistence double precision)
         LANGUAGE sql STABLE AS $$
           SELECT p.task, p.site, p.target_time, p.horizon, p.issued_at, p.model_version, p.value, p.lower, p.upper,
                  p.label, p.probabilities, p.anomaly_score, s.id,
                  (SELECT avg(r.value) FROM readings r WHERE r.series_id = s.id AND r.time >= p.target_time - p_step AND r.time < p.target_time),
                  (SELECT avg(r.value) FROM readings r WHERE r.series_id = s.id AND r.time >= p.issued_at - p_step AND r.time < p.issued_at)
           FROM predictions p
           LEFT JOIN model_versions mv ON mv.version = p.model_version
           LEFT JOIN series s ON s.site = p.site
             AND s.domain = COALESCE(mv.report #>> ARRAY['task_reports', p_task, 'binding', 'domain'], p_domain)
             AND s.metric = COALESCE(mv.report #>> ARRAY['task_reports', p_task, 'binding', 'metrics', p_source], p_source)
           WHERE p.task = p_task
         $$`,
      );
      if (!(ctx.timescale && ctx.timescaleFull)) return;
      // Only the rollups that are continuous aggregates: a schema migrated before the extension was there keeps plain views.
      const { rows } = await db.query<{ name: string }>(
        "SELECT view_name AS name FROM timescaledb_information.continuous_aggregates WHERE view_schema = current_schema() AND view_name IN ('readings_5m', 'readings_1h') ORDER BY 1",
      );
      for (const { name } of rows) {
        // Off by default since TimescaleDB 2.13: without it the newest buckets are missing until the policy runs.
        await db.query(`ALTER MATERIALIZED VIEW ${name} SET (timescaledb.materialized_only = false)`);
        if (ctx.aggregateRetention !== null) await db.query(`SELECT add_retention_policy('${name}', $1::interval, if_not_exists => true)`, [ctx.aggregateRetention]);
      }
    },
  },
  {
    version: 9,
    name: 'edge nodes and devices online/offline (Sparkplug B BIRTH/DEATH), recorded by ingest, read by the live view',
    transactional: true,
    up: async (db, ctx) => {
      const ingest = quoteIdent(ingestRoleFor(ctx.schema));
      await exec(db, [
        // One row per edge node (device '') and device: its state now and since when (edge-nodes.ts).
        `CREATE TABLE edge_nodes (
           source text NOT NULL,
           group_id text NOT NULL,
           node text NOT NULL,
           device text NOT NULL DEFAULT '',
           domain text NOT NULL,
           site text NOT NULL,
           online boolean NOT NULL,
           since timestamptz NOT NULL,
           event_at timestamptz NOT NULL,
           bd_seq bigint,
           cause text NOT NULL,
           PRIMARY KEY (source, group_id, node, device)
         )`,
        `GRANT SELECT, INSERT, UPDATE ON edge_nodes TO ${ingest}`,
        `GRANT SELECT ON edge_nodes TO ${quoteIdent(readerRoleFor(ctx.schema))}`,
      ]);
    },
  },
  {
    version: 10,
    name: "a prediction's actual once its step is over (prediction_actuals: the series holds a reading at or after the target time)",
    transactional: true,
    up: async (db) => {
      // As migration 8, with one change: the actual is NULL until the target's step is over, i.e. until its
      // series holds a reading at or after the target time (as the predictor completes a step when a later
      // reading arrives). Before, the newest bucket was scored while it was still filling: an hourly task's
      // last target was the mean of the hour's first minutes. The live view, the dashboards and the alert
      // rules all read this one definition.
      await db.query(
        `CREATE OR REPLACE FUNCTION prediction_actuals(p_task text, p_domain text, p_source text, p_step interval)
         RETURNS TABLE (task text, site text, target_time timestamptz, horizon integer, issued_at timestamptz,
                        model_version text, value double precision, lower double precision, upper double precision,
                        label text, probabilities jsonb, anomaly_score double precision, series_id integer,
                        actual double precision, persistence double precision)
         LANGUAGE sql STABLE AS $$
           SELECT p.task, p.site, p.target_time, p.horizon, p.issued_at, p.model_version, p.value, p.lower, p.upper,
                  p.label, p.probabilities, p.anomaly_score, s.id,
                  CASE WHEN EXISTS (SELECT 1 FROM readings r WHERE r.series_id = s.id AND r.time >= p.target_time)
                       THEN (SELECT avg(r.value) FROM readings r WHERE r.series_id = s.id AND r.time >= p.target_time - p_step AND r.time < p.target_time) END,
                  (SELECT avg(r.value) FROM readings r WHERE r.series_id = s.id AND r.time >= p.issued_at - p_step AND r.time < p.issued_at)
           FROM predictions p
           LEFT JOIN model_versions mv ON mv.version = p.model_version
           LEFT JOIN series s ON s.site = p.site
             AND s.domain = COALESCE(mv.report #>> ARRAY['task_reports', p_task, 'binding', 'domain'], p_domain)
             AND s.metric = COALESCE(mv.report #>> ARRAY['task_reports', p_task, 'binding', 'metrics', p_source], p_source)
           WHERE p.task = p_task
         $$`,
      );
    },
  },
];

async function currentSchema(db: SqlExecutor): Promise<string> {
  const schema = (await db.query<{ s: string | null }>('SELECT current_schema() AS s')).rows[0]?.s;
  if (!schema) throw new Error('no current schema (search_path names no existing schema)');
  quoteIdent(schema); // throws on a name we would not quote
  return schema;
}

/** The latest migration version this build knows. */
export const LATEST_SCHEMA_VERSION = Math.max(...MIGRATIONS.map((m) => m.version));

/** The schema is older than this build: `headstream migrate` (as the owner) must run first. */
export class SchemaBehindError extends Error {
  override name = 'SchemaBehindError';
  constructor(
    readonly schema: string,
    readonly current: number,
    readonly latest: number,
  ) {
    super(
      `database schema "${schema}" is at version ${current}, this build needs ${latest}: run \`headstream migrate\` as the schema owner (same HS_PG_SCHEMA) before starting services`,
    );
  }
}

/**
 * The version recorded in `schema`.schema_migrations (0 when the table is missing). Needs only
 * SELECT on it. Qualified: never the table of another schema on the search path (public).
 */
export async function schemaVersion(db: SqlExecutor, schema: string): Promise<number> {
  const exists = await db.query(
    "SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = $1 AND c.relname = 'schema_migrations'",
    [schema],
  );
  if (exists.rowCount === 0) return 0;
  return (await db.query<{ v: number | null }>(`SELECT max(version) AS v FROM ${quoteIdent(schema)}.schema_migrations`)).rows[0]?.v ?? 0;
}

/**
 * For services, which never migrate a server database themselves (their role may not): resolves
 * with the version when it is current (or newer), throws SchemaBehindError when it is behind.
 */
export async function requireCurrentSchema(db: SqlClient): Promise<number> {
  let current: number;
  try {
    current = await schemaVersion(db, db.schema);
  } catch (error) {
    if ((error as { code?: string }).code !== '42501') throw error;
    throw new Error(
      `this role may not read "${db.schema}".schema_migrations: log in as a member of ${ingestRoleFor(db.schema)} (created by \`headstream migrate\`): ${(error as Error).message}`,
    );
  }
  if (current < LATEST_SCHEMA_VERSION) throw new SchemaBehindError(db.schema, current, LATEST_SCHEMA_VERSION);
  return current;
}

export interface MigrateOptions {
  /** 'auto' (default) uses TimescaleDB when the extension is available to this server. */
  timescale?: 'auto' | boolean;
  /** TimescaleDB: drop raw readings older than this interval (a retention policy); null (default) keeps all. */
  retention?: string | null;
  /** TimescaleDB: drop rollup buckets older than this (keep it longer than `retention`); null (default) keeps all. */
  aggregateRetention?: string | null;
  /** Where the one line about a degraded TimescaleDB goes (default console.warn). */
  log?: (line: string) => void;
  /** Apply migrations up to this version only (tests of upgrades). */
  target?: number;
}

export interface MigrateResult {
  applied: { version: number; name: string }[];
  current: number;
  timescale: boolean;
}

export async function timescaleAvailable(db: SqlExecutor): Promise<boolean> {
  const { rowCount } = await db.query("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'");
  return rowCount > 0;
}

/**
 * Whether TimescaleDB's community features (compression, continuous aggregates) are there: the
 * extension is created when missing and `timescaledb.license` read (apache: Apache-only build).
 */
async function timescaleLicense(db: SqlExecutor): Promise<string> {
  await db.query('CREATE EXTENSION IF NOT EXISTS timescaledb');
  return (await db.query<{ l: string | null }>("SELECT current_setting('timescaledb.license', true) AS l")).rows[0]?.l ?? 'apache';
}

export async function migrate(db: SqlClient, options: MigrateOptions = {}): Promise<MigrateResult> {
  const timescale = options.timescale === 'auto' || options.timescale === undefined ? await timescaleAvailable(db) : options.timescale;
  let timescaleFull = false;
  if (timescale) {
    const license = await timescaleLicense(db);
    timescaleFull = license !== 'apache';
    if (!timescaleFull) {
      (options.log ?? console.warn)(
        `TimescaleDB license is ${license}: no compression or continuous aggregates; readings are an uncompressed hypertable and readings_5m/readings_1h plain views`,
      );
    }
  }
  const ctx: MigrationContext = {
    timescale,
    timescaleFull,
    retention: options.retention ?? null,
    aggregateRetention: options.aggregateRetention ?? null,
    schema: await currentSchema(db),
  };
  await db.query(
    `CREATE TABLE IF NOT EXISTS schema_migrations (
       version integer PRIMARY KEY,
       name text NOT NULL,
       applied_at timestamptz NOT NULL DEFAULT now(),
       timescale boolean NOT NULL
     )`,
  );
  const applied: { version: number; name: string }[] = [];
  const target = options.target ?? Number.POSITIVE_INFINITY;
  for (const migration of MIGRATIONS) {
    if (migration.version > target) break;
    const record = async (tx: SqlExecutor) => {
      // Lock per schema, then re-check: another instance may have just applied it.
      await tx.query("SELECT pg_advisory_xact_lock(hashtext(current_schema() || ':headstream-migrate'))");
      const done = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [migration.version]);
      if (done.rowCount > 0) return false;
      if (migration.transactional) await migration.up(tx, ctx);
      await tx.query('INSERT INTO schema_migrations (version, name, timescale) VALUES ($1, $2, $3)', [migration.version, migration.name, timescale]);
      return true;
    };
    if (migration.transactional) {
      if (await db.transaction(record)) applied.push({ version: migration.version, name: migration.name });
    } else {
      // Statements that cannot run in a transaction are themselves idempotent (IF NOT EXISTS / OR REPLACE).
      const exists = await db.query('SELECT 1 FROM schema_migrations WHERE version = $1', [migration.version]);
      if (exists.rowCount > 0) continue;
      await migration.up(db, ctx);
      if (await db.transaction(record)) applied.push({ version: migration.version, name: migration.name });
    }
  }
  const current = (await db.query<{ v: number | null }>('SELECT max(version) AS v FROM schema_migrations')).rows[0]?.v ?? 0;
  return { applied, current, timescale };
}
