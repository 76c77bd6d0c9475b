import type { SqlClient, SqlExecutor } from './sql-client.js';

/** What stores the data: the engine and, under TimescaleDB, what of it the schema uses. */
export interface StorageInfo {
  /** postgres, pglite, postgres+timescaledb or pglite+timescaledb. */
  engine: string;
  /** The TimescaleDB extension's version in this database (null: not installed). */
  timescaledb: string | null;
  /** Hypertables and continuous aggregates in the client's schema (0 without TimescaleDB). */
  hypertables: number;
  continuous_aggregates: number;
  /** The readings hypertable's compression (null when it is not compressed at all). */
  compression: { chunks: number; compressed_chunks: number; before_bytes: number; after_bytes: number; ratio: number } | null;
}

export async function timescaleVersion(db: SqlExecutor): Promise<string | null> {
  return (await db.query<{ v: string }>("SELECT extversion AS v FROM pg_extension WHERE extname = 'timescaledb'")).rows[0]?.v ?? null;
}

export async function storageInfo(db: SqlClient): Promise<StorageInfo> {
  const version = await timescaleVersion(db);
  const engine = `${db.kind}${version === null ? '' : '+timescaledb'}`;
  if (version === null) return { engine, timescaledb: null, hypertables: 0, continuous_aggregates: 0, compression: null };
  const count = async (sql: string) => Number((await db.query<{ n: string | number }>(sql, [db.schema])).rows[0]?.n ?? 0);
  const hypertables = await count('SELECT count(*) AS n FROM timescaledb_information.hypertables WHERE hypertable_schema = $1');
  const continuousAggregates = await count('SELECT count(*) AS n FROM timescaledb_information.continuous_aggregates WHERE view_schema = $1');
  const { rows } = await db.query<{ chunks: number | null; compressed: number | null; before: string | null; after: string | null }>(
    `SELECT sum(total_chunks)::int AS chunks, sum(number_compressed_chunks)::int AS compressed,
            sum(before_compression_total_bytes)::text AS before, sum(after_compression_total_bytes)::text AS after
     FROM hypertable_compression_stats(format('%I.readings', $1::text)::regclass)`,
    [db.schema],
  );
  const row = rows[0];
  const before = Number(row?.before ?? 0);
  const after = Number(row?.after ?? 0);
  const compression =
    row && (row.compressed ?? 0) > 0 && after > 0
      ? { chunks: row.chunks ?? 0, compressed_chunks: row.compressed ?? 0, before_bytes: before, after_bytes: after, ratio: before / after }
      : null;
  return { engine, timescaledb: version, hypertables, continuous_aggregates: continuousAggregates, compression };
}

/**
 * Runs the schema's TimescaleDB policy jobs now: aggregate refreshes first (so the rollups hold
 * what retention then drops from the raw readings), then compression, then retention; returns how many ran. Embedded PGlite has no background workers: its policies are
 * registered but only run when called (ingest's hourly maintenance, the demo's end). No-op without TimescaleDB.
 */
export async function runTimescaleJobs(db: SqlClient): Promise<number> {
  if ((await timescaleVersion(db)) === null) return 0;
  const { rows } = await db.query<{ id: number }>(`SELECT job_id AS id FROM timescaledb_information.jobs WHERE hypertable_schema = $1
     ORDER BY array_position(ARRAY['policy_refresh_continuous_aggregate', 'policy_compression', 'policy_retention']::name[], proc_name), job_id`, [db.schema]);
  for (const { id } of rows) await db.query('CALL run_job($1)', [id]);
  return rows.length;
}

/** Compresses the readings chunks older than `olderThan` (an interval) that are not yet; returns how many. */
export async function compressReadings(db: SqlClient, olderThan: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `SELECT count(compress_chunk(c, if_not_compressed => true))::int AS n FROM show_chunks(format('%I.readings', $1::text)::regclass, older_than => $2::interval) c`,
    [db.schema, olderThan],
  );
  return rows[0]?.n ?? 0;
}
