export {
  IngestPipeline,
  StoreUnavailableError,
  type CommittedBatch,
  type IngestPipelineOptions,
  type IngestStats,
  type PipelineHealth,
  type SourceHealth,
} from './ingest-pipeline.js';
export { describeDbError, isStoreFailure, isTransient, retry, DEFAULT_RETRY, type RetryOptions } from './retry.js';
