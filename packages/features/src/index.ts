export { alignTime, coarsen, fillGaps, readingsToFrame, resample, type SeriesFrame, type TimedValue } from './resample.js';
export { CALENDAR_CHANNELS, calendarFeatures } from './calendar.js';
export { StandardScaler, type ScalerJSON } from './scaler.js';
export {
  featureCount,
  featureNames,
  featureSpecFor,
  frameChannels,
  type FeatureScalers,
  type FeatureSpec,
  type FeatureSpecOptions,
  type TargetSpec,
} from './spec.js';
export {
  buildWindows,
  fitScalers,
  servingWindow,
  unscaleTarget,
  type ClassificationTargets,
  type RegressionTargets,
  type TaskTargets,
  type WindowOptions,
  type WindowSet,
} from './windows.js';
