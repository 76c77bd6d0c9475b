import { SQL_IDENTIFIER_PATTERN } from '@headstream/core';

/**
 * One SQL interface over a real PostgreSQL server (pg) and embedded PGlite, so every
 * store component runs unchanged against both. Parameters are always bound ($1, $2 …);
 * no SQL text is ever built from payload strings.
 */
export interface QueryResult<R> {
  rows: R[];
  rowCount: number;
}

export interface SqlExecutor {
  query<R = Record<string, unknown>>(text: string, params?: readonly unknown[]): Promise<QueryResult<R>>;
  /** COPY ... FROM STDIN with a text-format body; only on a real PostgreSQL server. */
  copyFrom?: (sql: string, body: string) => Promise<void>;
}

export interface SqlClient extends SqlExecutor {
  readonly kind: 'postgres' | 'pglite';
  /** Schema that unqualified names resolve to (search_path), e.g. an isolated test schema. */
  readonly schema: string;
  /** Runs fn in one transaction: COMMIT when it resolves, ROLLBACK when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /**
   * LISTEN on `channel` (lower-case identifier, see checkChannel): `onPayload` gets each NOTIFY
   * payload sent to it after this resolves. Resolves with a function that stops listening. On
   * PostgreSQL this holds one dedicated connection (not reconnected: a lost connection ends it).
   */
  listen?(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
}

/** Quotes an identifier we generated ourselves (schema names); never used on payload strings. */
export function quoteIdent(name: string): string {
  if (!SQL_IDENTIFIER_PATTERN.test(name)) throw new Error(`refusing identifier ${JSON.stringify(name)}`);
  return `"${name}"`;
}

/** Notification channels we LISTEN on: lower-case, so the unquoted LISTEN and pg_notify('...') name the same channel. */
const CHANNEL_PATTERN = /^[a-z_][a-z0-9_]{0,62}$/;

/** Returns `channel` when it is a channel name we accept; throws otherwise (it is written into SQL text). */
export function checkChannel(channel: string): string {
  if (!CHANNEL_PATTERN.test(channel)) throw new Error(`refusing notification channel ${JSON.stringify(channel)} (expected ${String(CHANNEL_PATTERN)})`);
  return channel;
}
