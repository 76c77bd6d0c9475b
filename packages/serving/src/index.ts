export { loadServingVersion, VersionLoadError, type ServedTask, type ServingVersion } from './engine/version.js';
export { PredictionEngine, type DueWindow, type EngineCounters, type EngineOptions, type EngineReading, type SkipReason } from './engine/engine.js';
export { writePredictions, readPredictions, type PredictionWriteResult, type PredictionFilter } from './outputs/predictions-table.js';
export {
  createMqttPredictionPublisher,
  createKafkaPredictionPublisher,
  databasePredictionPublisher,
  fanOut,
  PredictionDeliveryError,
  type PredictionPublisher,
  type MqttPredictionPublisherOptions,
  type KafkaPredictionPublisherOptions,
  type FanOutOptions,
} from './outputs/publishers.js';
export { InvalidPredictionError, checkPredictions } from './outputs/validate.js';
export { startPredictor, type Predictor, type PredictorOptions, type PredictorStatus } from './service.js';
