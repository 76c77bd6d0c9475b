export { startLiveView, DEFAULT_LIVE_VIEW_HOST, DEFAULT_LIVE_VIEW_PORT, type LiveView, type LiveViewOptions } from './server.js';
export {
  answerApi,
  overview,
  BadParameter,
  DEFAULT_STEPS,
  DEFAULT_WINDOW,
  MAX_STEPS,
  MAX_WINDOW,
  type Overview,
  type SeriesAnswer,
  type RegressionSeries,
  type ClassificationSeries,
  type TaskErrors,
  type GradCosine,
  type EdgeNodes,
  type EdgeNodeRow,
  DEFAULT_EDGE_NODES,
  MAX_EDGE_NODES,
  type ShownVersion,
  type TaskView,
  type TaskWithSites,
} from './api.js';
export { regressionScores, classificationScores, Confusion, bandwidth, maeDifference, maeVerdict, MIN_CLUSTERS, type MaeDifference, type MaeVerdict, type SerialCorrelation, type RegressionPair, type ClassPair, type RegressionScores, type ClassificationScores } from './scores.js';
export { actualsOf, DEFAULT_FAULT_LABEL } from './tasks.js';
