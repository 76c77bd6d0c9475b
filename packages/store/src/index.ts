export type { QueryResult, SqlClient, SqlExecutor } from './sql-client.js';
export { checkChannel, quoteIdent } from './sql-client.js';
export { connectPostgres, type PostgresOptions } from './postgres.js';
export { openPglite, EMBEDDED_ENGINES, type EmbeddedEngine, type PgliteOptions } from './pglite.js';
export { openDatabase, type DatabaseOptions } from './open.js';
export {
  migrate,
  MIGRATIONS,
  LATEST_SCHEMA_VERSION,
  timescaleAvailable,
  schemaVersion,
  requireCurrentSchema,
  SchemaBehindError,
  INGEST_ROLE,
  READER_ROLE,
  ingestRoleFor,
  readerRoleFor,
  TRAINER_ROLE,
  PREDICTOR_ROLE,
  trainerRoleFor,
  predictorRoleFor,
  schemaRolesFor,
  type MigrateOptions,
  type MigrateResult,
  type Migration,
} from './migrations.js';
export { DEFAULT_EMBEDDED_DATA_DIR, engineConfigSpec, storeConfigSpec, type EngineConfig, type StoreConfig } from './config.js';
export { SeriesCache, seriesKeyOf, DEFAULT_SERIES_CACHE_ENTRIES, type SeriesKey } from './series-cache.js';
export { expireDeadLetters, insertDeadLetters, DEAD_LETTER_PAYLOAD_CAP, type DeadLetter } from './dead-letters.js';
export { readEdgeNodes, recordEdgeNodes, type EdgeNodeRow, type EdgeNodesAnswer } from './edge-nodes.js';
export { ReadingWriter, type ReadingBatchItem, type WriteMode, type WriteResult } from './reading-writer.js';
export { compressReadings, runTimescaleJobs, storageInfo, timescaleVersion, type StorageInfo } from './storage.js';
