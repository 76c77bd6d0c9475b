import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import pg from 'pg';
import { from as copyFromStdin } from 'pg-copy-streams';
import { checkChannel, quoteIdent, type QueryResult, type SqlClient, type SqlExecutor } from './sql-client.js';

export interface PostgresOptions {
  url: string;
  /** Schema for unqualified names; created if missing. Default: public. */
  schema?: string;
  poolSize?: number;
  applicationName?: string;
  /** Server-side limits, ms; 0 or unset = none. A write blocked by a lock or a hung
   * statement then fails (SQLSTATE 55P03 / 57014) and is retried, instead of holding its
   * batch (and the partition or MQTT session behind it) forever. */
  statementTimeoutMs?: number;
  lockTimeoutMs?: number;
  /** A session idle inside a transaction this long is closed by the server (25P03). */
  idleInTransactionTimeoutMs?: number;
  /** Create the schema when missing (default true). Services pass false: only `headstream migrate` creates. */
  createSchema?: boolean;
}

// int8 (counts, ids) and numeric as JS numbers: ids and counts stay far below 2^53.
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

class PostgresClient implements SqlClient {
  readonly kind = 'postgres' as const;
  constructor(
    private readonly pool: pg.Pool,
    readonly schema: string,
    /** For listen's dedicated connection (no pooled one: a LISTEN belongs to its session). */
    private readonly listenConfig: pg.ClientConfig,
  ) {}

  async query<R>(text: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
    const result = await this.pool.query(text, params as unknown[]);
    return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const conn = await this.pool.connect();
    // A checked-out client whose server goes away (restart, 57P01) emits 'error' besides failing
    // its query; without a listener that would be an uncaught exception.
    const onError = () => undefined;
    conn.on('error', onError);
    let broken: unknown;
    try {
      await conn.query('BEGIN');
      const tx: SqlExecutor = {
        async query<R>(text: string, params: readonly unknown[] = []) {
          const result = await conn.query(text, params as unknown[]);
          return { rows: result.rows as R[], rowCount: result.rowCount ?? 0 };
        },
        copyFrom: (sql, body) => copyInto(conn, sql, body),
      };
      const value = await fn(tx);
      await conn.query('COMMIT');
      return value;
    } catch (error) {
      await conn.query('ROLLBACK').catch((rollbackError: unknown) => {
        broken = rollbackError; // connection is unusable: drop it from the pool
      });
      throw error;
    } finally {
      conn.off('error', onError);
      conn.release(broken instanceof Error ? broken : undefined);
    }
  }

  async copyFrom(sql: string, body: string): Promise<void> {
    const conn = await this.pool.connect();
    const onError = () => undefined;
    conn.on('error', onError);
    try {
      await copyInto(conn, sql, body);
    } finally {
      conn.off('error', onError);
      conn.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  async listen(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
    const name = checkChannel(channel);
    const client = new pg.Client(this.listenConfig);
    // A lost server ends the listening (no reconnect); it must not crash the process.
    client.on('error', () => undefined);
    client.on('notification', (message) => {
      if (message.channel === name) onPayload(message.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(`LISTEN ${name}`);
    } catch (error) {
      await client.end().catch(() => undefined);
      throw error;
    }
    let stopped = false;
    return async () => {
      if (stopped) return;
      stopped = true;
      await client.query(`UNLISTEN ${name}`).catch(() => undefined);
      await client.end().catch(() => undefined);
    };
  }
}

async function copyInto(conn: pg.PoolClient, sql: string, body: string): Promise<void> {
  await pipeline(Readable.from([body]), conn.query(copyFromStdin(sql)));
}

/** Connects to PostgreSQL and checks the connection with one round trip. */
export async function connectPostgres(options: PostgresOptions): Promise<SqlClient> {
  const schema = options.schema ?? 'public';
  const ms = (v: number | undefined) => (v ? Math.trunc(v) : undefined);
  const statementTimeout = ms(options.statementTimeoutMs);
  const lockTimeout = ms(options.lockTimeoutMs);
  const idleInTransactionTimeout = ms(options.idleInTransactionTimeoutMs);
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize ?? 4,
    application_name: options.applicationName ?? 'headstream',
    options: `-c search_path=${quoteIdent(schema)},public`,
    connectionTimeoutMillis: 10_000,
    // Sent as startup parameters: every pooled connection has them from its first statement.
    ...(statementTimeout === undefined ? {} : { statement_timeout: statementTimeout }),
    ...(lockTimeout === undefined ? {} : { lock_timeout: lockTimeout }),
    ...(idleInTransactionTimeout === undefined ? {} : { idle_in_transaction_session_timeout: idleInTransactionTimeout }),
  });
  // An idle client losing its server (restart, failover) must not crash the process.
  pool.on('error', () => undefined);
  try {
    // Create the schema only when missing: a least-privilege role may use it but not create one.
    const exists = await pool.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
    if (exists.rowCount === 0 && (options.createSchema ?? true)) await pool.query(`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  return new PostgresClient(pool, schema, {
    connectionString: options.url,
    application_name: `${options.applicationName ?? 'headstream'}-listen`,
    connectionTimeoutMillis: 10_000,
  });
}
