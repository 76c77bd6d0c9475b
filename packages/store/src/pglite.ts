import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { checkChannel, type QueryResult, type SqlClient, type SqlExecutor } from './sql-client.js';

export interface PgliteOptions {
  /** Directory to keep the database in; omitted = in memory. */
  dataDir?: string;
}

type Queryable = Pick<PGlite, 'query'>;

async function run<R>(db: Queryable, text: string, params: readonly unknown[]): Promise<QueryResult<R>> {
  const result = await db.query<R>(text, params as unknown[]);
  // Like pg: a statement that returns rows counts them; others count the rows they changed.
  return { rows: result.rows, rowCount: result.fields.length > 0 ? result.rows.length : (result.affectedRows ?? 0) };
}

class PgliteClient implements SqlClient {
  readonly kind = 'pglite' as const;
  readonly schema = 'public';
  constructor(private readonly db: PGlite) {}

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

/** Embedded PostgreSQL in this process (PGlite, WASM): the zero-setup default. */
export async function openPglite(options: PgliteOptions = {}): Promise<SqlClient> {
  // PGlite creates its own folder but not the folders above it (.headstream/ on a fresh checkout).
  if (options.dataDir !== undefined && !options.dataDir.includes('://')) mkdirSync(dirname(options.dataDir), { recursive: true });
  const db = await PGlite.create(options.dataDir === undefined ? {} : { dataDir: options.dataDir });
  return new PgliteClient(db);
}
