import type { SqlClient, SqlExecutor } from './sql-client.js';

/**
 * Versioned, idempotent migrations. Each runs once, recorded in schema_migrations; a
 * transaction-scoped advisory lock keeps two services starting together from racing.
 * TimescaleDB is detected at run time: with the extension, readings become a compressed
 * hypertable with continuous aggregates; without it, the same names exist as plain
 * tables, indexes and views (the "query surface" dashboards rely on).
 */
export interface MigrationContext {
  timescale: boolean;
  /** Drop raw readings older than this (TimescaleDB retention policy); null keeps all. */
  retention: string | null;
}

export interface Migration {
  version: number;
  name: string;
  /** false for statements TimescaleDB refuses inside a transaction (continuous aggregates). */
  transactional: boolean;
  up(db: SqlExecutor, ctx: MigrationContext): Promise<void>;
}

export const INGEST_ROLE = 'headstream_ingest';
export const READER_ROLE = 'headstream_reader';

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
          "ALTER TABLE readings SET (timescaledb.compress, timescaledb.compress_segmentby = 'series_id', timescaledb.compress_orderby = 'time')",
          "SELECT add_compression_policy('readings', interval '7 days')",
          "SELECT create_hypertable('predictions', 'issued_at', migrate_data => true)",
          "SELECT create_hypertable('training_metrics', 'time', migrate_data => true)",
        ]);
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
        if (ctx.timescale) {
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
    up: async (db) => {
      const canCreateRoles = (
        await db.query<{ ok: boolean }>('SELECT rolsuper OR rolcreaterole AS ok FROM pg_roles WHERE rolname = current_user')
      ).rows[0]?.ok;
      if (!canCreateRoles) return;
      // Roles are cluster-wide; grants below are per schema, so each schema gets its own.
      for (const role of [INGEST_ROLE, READER_ROLE]) {
        await db.query(
          `DO $$ BEGIN
             IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '${role}') THEN CREATE ROLE ${role} NOLOGIN; END IF;
           END $$`,
        );
      }
      await exec(db, [
        `GRANT USAGE ON SCHEMA ${await currentSchema(db)} TO ${INGEST_ROLE}, ${READER_ROLE}`,
        `GRANT SELECT, INSERT ON series, readings, dead_letters TO ${INGEST_ROLE}`,
        `GRANT SELECT ON ALL TABLES IN SCHEMA ${await currentSchema(db)} TO ${READER_ROLE}`,
      ]);
    },
  },
];

async function currentSchema(db: SqlExecutor): Promise<string> {
  const schema = (await db.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]?.s;
  if (!schema || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(schema)) throw new Error(`unexpected schema name ${String(schema)}`);
  return `"${schema}"`;
}

export interface MigrateOptions {
  /** 'auto' (default) uses TimescaleDB when the extension is available to this server. */
  timescale?: 'auto' | boolean;
  retention?: string | null;
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

export async function migrate(db: SqlClient, options: MigrateOptions = {}): Promise<MigrateResult> {
  const timescale = options.timescale === 'auto' || options.timescale === undefined ? await timescaleAvailable(db) : options.timescale;
  const ctx: MigrationContext = { timescale, retention: options.retention ?? null };
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
