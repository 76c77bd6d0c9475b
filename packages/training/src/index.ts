// The registry (versions, promotions, telemetry, requests, reports, history reads) is its own package; training
// re-exports it so a trainer needs one import.
export * from '@headstream/registry';
export { inputSpec, protocolDefinition, RECIPES, recipeFor, recipeSpec, taskDefinition, TASK_ORDER, SHARED_LOOKBACK, FAULT_LABEL, BASELINE_STEPS, DAILY_CHANGE_DAYS, type DefinitionOptions, type InputTask, type TaskRecipe } from '@headstream/tasks';
export { framesFromRecords, loadTaskFrames, taskRecords, toFrame, TASK_DATASETS, type TaskFrames, type TaskRecord } from './dataset-frames.js';
export { concatSets, labelled, thin, windowsFor, withChannels, type SiteWindows } from './windows.js';
export { combinationWeight, COMBINATION_BLOCKS, faultJSON, fitTask, headline, regressionJSON, scoreTask, unservableRows, type TaskPredictor, type TaskScore } from './evaluation.js';
export { chooseBackend, modelConfig, taskInputOf } from '@headstream/model';
export { affinityEvery, disposeModels, everyWindow, labelledFor, MIN_CALENDAR_DAYS, prepareInput, prepareTask, settingsFor, STRATEGIES, timeSplit, trainEndOf, trainingSpan, trainModels, trainOptions, trainVersion, windowsPart, type PreparedTask, type Settings, type SplitPlan, type SplitSizes, type TrainedModels, type TrainedVersion, type TrainingMode, type TrainVersionOptions } from './job.js';
export { bindingsSchema, BindingsError, loadBindings, parseBindings, resolveBindings, type Bindings, type RecipeInfo, type ResolvedBinding, type TaskBinding } from './bindings.js';
export { decide, DEFAULT_GUARD_TOLERANCE, pairOf, relativeWorse, weighBlend, weighServing, weighSharing, type GuardInput, type PairedScore, type SharingEvidence } from './guard.js';
export { MIN_WINDOWS, recipeInfos, trainFromDatabase, TrainingInputError, VALIDATION_FRACTION, versionName, type TrainFromDatabaseOptions, type TrainFromDatabaseResult } from './from-db.js';
export { parseDuration, trainingConfigSpec, type TrainingConfig } from './config.js';
export { startTrainerService, type TrainerLog, type TrainerRun, type TrainerService, type TrainerServiceOptions } from './trainer-service.js';
export { versionArtifacts, versionReport, type ModelFeatures, type VersionMeta, type VersionReportOptions } from './version.js';
export { withWeights } from '@headstream/features';
