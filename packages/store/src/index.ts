export type { QueryResult, SqlClient, SqlExecutor } from './sql-client.js';
export { quoteIdent } from './sql-client.js';
export { connectPostgres, type PostgresOptions } from './postgres.js';
export { openPglite, type PgliteOptions } from './pglite.js';
export { openDatabase, type DatabaseOptions } from './open.js';
