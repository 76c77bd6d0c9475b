export { alignTime, coarsen, fillGaps, readingsToFrame, resample, type SeriesFrame, type TimedValue } from './resample.js';
export { CALENDAR_CHANNELS, calendarFeatures } from './calendar.js';
export { StandardScaler, type ScalerJSON } from './scaler.js';
export { deriveChannels, derivedContext, deviationBaseline, type DerivedChannel, type SiteFrame } from './derive.js';
export {
  contextSteps,
  featureCount,
  featureNames,
  featureSpecFor,
  frameChannels,
  readFeatureSpec,
  SPREAD_FLOOR,
  withWeights,
  type FeatureScalers,
  type FeatureSpec,
  type FeatureSpecOptions,
  type TargetSpec,
  type TargetTransform,
} from './spec.js';
export {
  buildWindows,
  planWindows,
  decodeForecast,
  windowEnds,
  fitScalers,
  servingWindow,
  unscaleTarget,
  type ClassificationTargets,
  type RegressionTargets,
  type ForecastBaseline,
  type PlannedWindows,
  type ScaledForecast,
  type ServingWindow,
  type TaskTargets,
  type WindowOptions,
  type WindowSet,
} from './windows.js';
export { SiteWindowBuffer, type SiteBufferOptions } from './buffer.js';
export { unservable, type UnservableReason } from './servable.js';
