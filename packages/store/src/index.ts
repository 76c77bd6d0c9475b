export type { QueryResult, SqlClient, SqlExecutor } from './sql-client.js';
export { quoteIdent } from './sql-client.js';
export { connectPostgres, type PostgresOptions } from './postgres.js';
export { openPglite, type PgliteOptions } from './pglite.js';
export { openDatabase, type DatabaseOptions } from './open.js';
export { migrate, MIGRATIONS, timescaleAvailable, INGEST_ROLE, READER_ROLE, type MigrateOptions, type MigrateResult, type Migration } from './migrations.js';
export { SeriesCache, type SeriesKey } from './series-cache.js';
export { insertDeadLetters, DEAD_LETTER_PAYLOAD_CAP, type DeadLetter } from './dead-letters.js';
export { ReadingWriter, type ReadingBatchItem, type WriteMode, type WriteResult } from './reading-writer.js';
