export { newLoadStats, asyncIterableOf, type DataRecord, type DatasetSource, type LoadStats } from './records.js';
export type { DatasetLoader, LabelInfo, LoaderInfo, LoadOptions, MetricInfo } from './loader.js';
export { resolveDatasetsDir, datasetFolder, DATASETS_DIR_ENV, type LocateOptions } from './locate.js';
export { LOADER_NAMES, loaders, getLoader, isLoaderName, readDataset, type LoaderName } from './registry.js';
export { LOS_LOOP_START_MS } from './loaders/los-loop.js';
export { HYDRAULIC_START_MS } from './loaders/hydraulic.js';
export { compassToDegrees } from './loaders/beijing-air.js';
export { sanitizeName } from './names.js';
export { compileTimePattern, localTimeToEpoch, timeZoneProblem, type LocalDateTime, type TimePattern } from './zoned-time.js';
export {
  resolveCsvMapping,
  loadCsvMappingFile,
  csvMappingFromFlags,
  parseColumnList,
  CsvMappingError,
  DEFAULT_MISSING,
  type CsvMapping,
  type CsvMappingFlags,
  type ResolvedCsvMapping,
} from './csv-mapping.js';
export { openCsvFile } from './generic-csv.js';
export { mergeByTime, type TimedStream } from './merge.js';
export {
  recordToFrame,
  framesInBatches,
  createFrameBatcher,
  labelAsNumber,
  GROUND_TRUTH_PREFIX,
  type FrameOptions,
  type FrameBatcher,
  type ReadingBatch,
} from './frames.js';
export { ReadingChecksum, checksumRecords, checksumReadings, type ChecksumResult } from './checksum.js';
export {
  replay,
  parseSpeed,
  systemClock,
  type ReplayClock,
  type ReplayOptions,
  type ReplayProgress,
  type ReplaySpeed,
  type ReplaySummary,
} from './replay.js';
export { formatProgressLine, formatReplaySummary, formatDuration } from './progress.js';
export { openSources, estimateTotal, type OpenSourcesOptions, type OpenedSources } from './open-sources.js';
