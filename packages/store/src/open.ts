import { connectPostgres } from './postgres.js';
import { openPglite, type EmbeddedEngine } from './pglite.js';
import type { SqlClient } from './sql-client.js';

export interface DatabaseOptions {
  /** postgres:// URL; unset = embedded PGlite. */
  url?: string;
  schema?: string;
  /** PGlite data directory when embedded; unset = in memory. */
  dataDir?: string;
  /** The embedded build when no URL is given: plain PGlite (default) or PGlite with TimescaleDB. */
  engine?: EmbeddedEngine;
  applicationName?: string;
  /** PostgreSQL server only (see PostgresOptions); PGlite has no concurrent sessions to wait on. */
  statementTimeoutMs?: number;
  lockTimeoutMs?: number;
  idleInTransactionTimeoutMs?: number;
  /** PostgreSQL server: create the schema when missing (default true; services pass false). */
  createSchema?: boolean;
}

/** The configured PostgreSQL, or the embedded one when no URL is given. */
export function openDatabase(options: DatabaseOptions): Promise<SqlClient> {
  if (options.url === undefined) {
    return openPglite({ ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }), ...(options.engine === undefined ? {} : { engine: options.engine }) });
  }
  return connectPostgres({
    url: options.url,
    ...(options.schema === undefined ? {} : { schema: options.schema }),
    ...(options.applicationName === undefined ? {} : { applicationName: options.applicationName }),
    ...(options.statementTimeoutMs === undefined ? {} : { statementTimeoutMs: options.statementTimeoutMs }),
    ...(options.lockTimeoutMs === undefined ? {} : { lockTimeoutMs: options.lockTimeoutMs }),
    ...(options.idleInTransactionTimeoutMs === undefined ? {} : { idleInTransactionTimeoutMs: options.idleInTransactionTimeoutMs }),
    ...(options.createSchema === undefined ? {} : { createSchema: options.createSchema }),
  });
}
