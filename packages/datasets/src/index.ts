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
export { defaultDatasetsCacheDir, datasetsSearchPath, datasetsDirCandidates, fetchTargetDir } from './locate.js';
export type { DatasetManifest, ManifestFile } from './manifest-types.js';
export { DATASET_MANIFEST } from './manifest.js';
export { SOURCE_NOTES } from './source-notes.js';
export { selectDatasets, listDatasets, UnknownDatasetError, type ListDatasetsOptions } from './catalogue.js';
export { checkDataset, checkFile, describeFileProblem, type DatasetCheck, type DatasetState, type FileCheck, type FileState } from './verify.js';
export { sha256File } from './file-hash.js';
export { downloadToPart, DownloadError, type DownloadOptions, type DownloadResult } from './download.js';
export {
  fetchDatasets,
  mirrorUrl,
  mirrorProblem,
  DATASETS_MIRROR_ENV,
  type FetchDatasetsOptions,
  type FetchEvent,
  type FetchFailure,
  type FetchSummary,
} from './fetch-datasets.js';
export { formatBytes, formatDatasetList, datasetListEntries, type DatasetListEntry } from './format-datasets.js';
