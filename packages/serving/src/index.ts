export { loadServingVersion, VersionLoadError, type ServedTask, type ServingVersion } from './engine/version.js';
export { PredictionEngine, type DueWindow, type EngineCounters, type EngineOptions, type EngineReading, type SkipReason } from './engine/engine.js';
