export { IngestPipeline, type CommittedBatch, type IngestPipelineOptions, type IngestStats } from './ingest-pipeline.js';
export { isTransient, retry, DEFAULT_RETRY, type RetryOptions } from './retry.js';
