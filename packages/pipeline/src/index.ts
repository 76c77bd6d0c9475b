export {
  IngestPipeline,
  DEFAULT_MAX_WRITE_VALUES,
  StoreUnavailableError,
  type CommittedBatch,
  type IngestPipelineOptions,
  type IngestStats,
  type PipelineHealth,
  type SourceHealth,
} from './ingest-pipeline.js';
export { describeDbError, isStoreFailure, isTransient, retry, DEFAULT_RETRY, type RetryOptions } from './retry.js';
export { chunkByBudget, SeriesQuota } from './bounds.js';
