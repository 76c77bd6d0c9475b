import type { TaskDefinition } from '@headstream/core';
import { headlineMetric, INPUT_NAMES, inputSpec, recipeFor, type SplitPlan, type TaskName } from '@headstream/tasks';
import { deriveChannels, fitScalers, windowEnds, type FeatureScalers, type FeatureSpec, type WindowOptions } from '@headstream/features';
import { averageModels, deltaM, fromWindowSets, measureInference, modelConfig, MultiTaskModel, STRATEGY_NAMES, train, type Regime, type StrategyName, type TrainingEvent, type TrainOptions, type TrainResult } from '@headstream/model';
import type { TaskFrames } from './dataset-frames.js';
import { fitTask, headline, type TaskScore } from './evaluation.js';
import { SHARED_ARTIFACT, singleArtifact, type ModelCost, type TaskReport } from '@headstream/registry';
import { concatSets, thin, windowsFor, type SiteWindows } from './windows.js';

export const STRATEGIES: readonly StrategyName[] = STRATEGY_NAMES;
export type TrainingMode = 'quick' | 'full';

export interface SplitSizes {
  /** Most training windows per task (evenly thinned). */
  maxTrain: number;
  /** Most validation windows per task (evenly thinned; Infinity = all). */
  maxValidation: number;
  /**
   * Most training windows of an input whose recipe keeps them all (`allTrainingWindows`: each epoch draws
   * `maxTrain` of them afresh), evenly strided; default all. Training draws at most epochs × maxTrain, so a
   * pool of twice that keeps every epoch's draw mostly new without windowing years of data for it.
   */
  pool?: number;
}

export interface Settings {
  epochs: number;
  sizes: SplitSizes;
  batchSize: number;
  learningRate: number;
  /** Cosine decay floor as a fraction of learningRate (TrainOptions.minLearningRateFactor). */
  learningRateFloor: number;
  telemetryEvery: number;
  /** Cross-validation of the single-task models over all stations / runs (full only; experiments). */
  cv: { epochs: number; maxTrain: number } | null;
  /** Share of the training steps the final weights average over (TrainOptions.weightAverage; 0 = the last iterate). */
  weightAverage: number;
  /** Learning rate of a model of several tasks (`learningRate` is the single-task models'). */
  sharedLearningRate: number;
}

/**
 * The final weights average the last ~16 % of the steps (an EMA; decay 0.995 for a single-task model in full
 * mode). Chosen on the selection folds (docs/RESULTS.md, "Choices"): MAE fell on traffic, air quality and
 * throughput on both folds against the last iterate, and against decay 0.998 and 0.99.
 */
export const WEIGHT_AVERAGE = 0.16;

/**
 * The multi-task model's learning rate, twice the single-task models' 3e-3: each of its steps carries a batch
 * of every task, and on the selection folds 6e-3 was better for it (Δm −4.5 % and −2.2 % vs −1.9 % and +2.9 % at
 * 3e-3) while the single-task models were better at 3e-3 (throughput and air quality worse at 6e-3).
 */
export const SHARED_LEARNING_RATE = 6e-3;

/**
 * The learning-rate floor 0.3 (cosine decay from 3e-3 to 9e-4): single-task models of the four tasks, full mode,
 * seeds 1–2, against a constant rate and a 0.05 floor — best fault macro-F1, traffic as good as 0.05, air quality
 * and throughput within seed noise of the best (docs/RESULTS.md, protocol notes).
 */
export function settingsFor(mode: TrainingMode): Settings {
  return mode === 'quick'
    ? { epochs: 10, sizes: { maxTrain: 3000, maxValidation: 2500, pool: 2 * 10 * 3000 }, batchSize: 128, learningRate: 3e-3, learningRateFloor: 0.3, telemetryEvery: 4, cv: null, weightAverage: WEIGHT_AVERAGE, sharedLearningRate: SHARED_LEARNING_RATE }
    : { epochs: 16, sizes: { maxTrain: 10_000, maxValidation: Infinity }, batchSize: 128, learningRate: 3e-3, learningRateFloor: 0.3, telemetryEvery: 8, cv: { epochs: 10, maxTrain: 4000 }, weightAverage: WEIGHT_AVERAGE, sharedLearningRate: SHARED_LEARNING_RATE };
}

/**
 * How often the shared model's training measures inter-task affinity (the TAG lookahead): every other
 * telemetry step (quick every 8th step, full every 16th). On a telemetry step it reuses the per-task gradients
 * and costs a forward pass per task and lookahead; measured on fold 1 (quick budget, 4 epochs, tensorflow
 * backend) it adds ~45 % to the all-task model's training on every telemetry step, half of that here.
 */
export const affinityEvery = (settings: Settings): number => 2 * settings.telemetryEvery;

/** Training options of a mode; each epoch draws at most the budget per input (`allTrainingWindows` inputs keep every window, drawn afresh each epoch). */
export function trainOptions(settings: Settings, seed: number, budget: { epochs: number; maxTrain: number } = { epochs: settings.epochs, maxTrain: settings.sizes.maxTrain }): Omit<TrainOptions, 'onEvent'> {
  return {
    epochs: budget.epochs,
    batchSize: settings.batchSize,
    learningRate: settings.learningRate,
    minLearningRateFactor: settings.learningRateFloor,
    weightAverage: settings.weightAverage,
    // A batch of every task in each step (LibMTL's loop): the four-task model takes as many steps as one
    // single-task model, so it trains in about the time of the four together (docs/RESULTS.md, training cost).
    batchPer: 'input',
    seed,
    windowsPerEpoch: Object.fromEntries(INPUT_NAMES.map((input) => [input, budget.maxTrain])),
  };
}


/** Which sites train and validate, and the time split (Infinity: no time split, the sites split). */
export type { SplitPlan };

/**
 * One task ready to train: its definition, the spec and scalers saved with the model, and its windows. Tasks
 * prepared together on one input (prepareInput) share the spec, the scalers and the window sets: each window
 * carries the labels of every one of them.
 */
export interface PreparedTask {
  task: TaskName;
  frames: TaskFrames;
  definition: TaskDefinition;
  spec: FeatureSpec;
  scalers: FeatureScalers;
  train: SiteWindows;
  validation: SiteWindows;
  plan: SplitPlan;
}

/** A site's split time under a plan. */
export function trainEndOf(plan: SplitPlan, site: string): number {
  return plan.siteTrainEnd?.[site] ?? plan.trainEnd;
}

/**
 * The time split of a task's history: the latest `fraction` of each site's own span validates,
 * everything before trains; every site is on both sides. Per site, not one time for all: sites
 * streaming side by side split alike either way, while sites whose histories lie apart (test-bed
 * runs recorded one after another) would otherwise leave whole fault classes out of training.
 */
export function timeSplit(frames: TaskFrames, fraction = 0.2): SplitPlan {
  const sites = Object.keys(frames.frames);
  const siteTrainEnd: Record<string, number> = {};
  let first = Infinity;
  let last = -Infinity;
  for (const [site, f] of Object.entries(frames.frames)) {
    const end = f.start + f.length * f.intervalMs;
    siteTrainEnd[site] = f.start + Math.floor(((1 - fraction) * (end - f.start)) / f.intervalMs) * f.intervalMs;
    first = Math.min(first, f.start);
    last = Math.max(last, end);
  }
  const ends = Object.values(siteTrainEnd);
  const trainEnd = ends.length ? Math.max(...ends) : last;
  const iso = (t: number) => new Date(t).toISOString();
  const describe =
    ends.length && Math.min(...ends) === trainEnd
      ? `${sites.length} site(s): ${iso(first)}…${iso(trainEnd)} train, ${iso(trainEnd)}…${iso(last)} validates`
      : `${sites.length} site(s), ${iso(first)}…${iso(last)}: the first ${Math.round((1 - fraction) * 100)} % of each site's history trains, the rest validates`;
  return { trainSites: sites, validationSites: sites, trainEnd, siteTrainEnd, describe };
}

/**
 * A refit's plan: every labelled window of every site trains and nothing validates. train --from-datasets
 * trains the served models on it once the guard has chosen from the split (and folds): the choice and the
 * scores are the split's, the models have also learned from the windows that measured them.
 */
export function everyWindow(frames: TaskFrames): SplitPlan {
  const sites = Object.keys(frames.frames);
  return { trainSites: sites, validationSites: [], trainEnd: Infinity, describe: `every window of ${sites.length} site(s) trains (refit)` };
}

/**
 * Days of training history a calendar needs (every weekday seen at least twice). With less, the calendar
 * channels name each training day's hours uniquely and the network learns them as a lookup table of that
 * day's levels instead of reading the recent values: on a day it has not seen (a weekday or weekend day
 * first met in validation or live) it then loses to persistence. Measured on six simulated days (the demo's
 * history then; seed 1, quick mode): traffic validation MAE 7.74 with the calendar, 4.42 without, persistence 5.96.
 */
export const MIN_CALENDAR_DAYS = 14;
const DAY_MS = 86_400_000;

/** The longest training part of a site under the plan, ms (the whole frame without a time split). */
export function trainingSpan(frames: TaskFrames, plan: SplitPlan): number {
  let span = 0;
  for (const site of plan.trainSites) {
    const f = frames.frames[site];
    if (!f) continue;
    const end = Math.min(f.start + f.length * f.intervalMs, trainEndOf(plan, site));
    span = Math.max(span, end - f.start);
  }
  return span;
}

/** The input's spec, without calendar channels when the training part is too short to learn a calendar from. */
function taskSpec(frames: TaskFrames, definitions: readonly TaskDefinition[], plan: SplitPlan): FeatureSpec {
  const tasks = definitions.map((definition) => ({ recipe: definition.name === frames.task ? frames.recipe : recipeFor(definition.name as TaskName), definition }));
  const spec = inputSpec(tasks, frames.bound, frames.timeZone);
  if (!spec.calendar || trainingSpan(frames, plan) >= MIN_CALENDAR_DAYS * DAY_MS) return spec;
  const { timeZone: _zone, ...rest } = spec;
  return { ...rest, calendar: false };
}

/**
 * Builds a task's spec (recipe + definition + the sources the data has; calendar channels only with
 * MIN_CALENDAR_DAYS of training history), fits scalers on the training part only, and the training and
 * validation windows: strided first (never hundreds of MB of windows), then thinned evenly to the budget.
 * The spec names the task's input (its module's), with this task's target alone: prepareInput prepares
 * every task that reads an input on one window set.
 */
export function prepareTask(frames: TaskFrames, definition: TaskDefinition, plan: SplitPlan, sizes: SplitSizes): PreparedTask {
  const [prepared] = prepareInput(frames, [definition], plan, sizes);
  if (!prepared) throw new Error(`${frames.task}: nothing prepared`);
  return prepared;
}

/**
 * The tasks that read one input (`definitions`, in head order), prepared together from one set of frames (the
 * input's sources, every task's target among them) under one plan: one spec with a target per task, scalers
 * fitted on the training part, and one training and one validation window set whose windows carry every task's
 * labels (a window is kept when any task has one). One PreparedTask per definition, sharing all of it, so the
 * joint model batches the input once for all its heads.
 */
export function prepareInput(frames: TaskFrames, definitions: readonly TaskDefinition[], plan: SplitPlan, sizes: SplitSizes): PreparedTask[] {
  const task = frames.task;
  const spec = taskSpec(frames, definitions, plan);
  const trainFrames = plan.trainSites.map((s) => {
    const f = frames.frames[s];
    if (!f) throw new Error(`${task}: no site ${s}`);
    return f;
  });
  const scalers = fitScalers(trainFrames, spec, plan.trainSites.map((s) => trainEndOf(plan, s)));
  const timeSplit = Number.isFinite(plan.trainEnd);
  // Stride over the labelled windows (counted without building any), so sparse labels are not skipped over.
  const stride = (list: readonly string[], options: (site: string) => WindowOptions, max: number) => {
    if (!Number.isFinite(max)) return 1;
    let candidates = 0;
    for (const s of list) {
      const f = frames.frames[s];
      if (f) candidates += windowEnds(deriveChannels(f, spec.derived), spec, { ...options(s), labelledOnly: true }).length;
    }
    return Math.max(1, Math.floor(candidates / (max * 1.2)));
  };
  const maxTrain = frames.recipe.allTrainingWindows ? (sizes.pool ?? Infinity) : sizes.maxTrain;
  const valTo = plan.validationEnd ?? Infinity;
  const end = (s: string) => trainEndOf(plan, s);
  const trainWindows = (s: string): WindowOptions => (timeSplit ? { to: end(s), labelsBefore: end(s), labelledOnly: true } : { labelledOnly: true });
  const validationWindows = (s: string): WindowOptions => (timeSplit ? { from: end(s), ...(Number.isFinite(valTo) ? { to: valTo } : {}), labelledOnly: true } : { labelledOnly: true });
  const trainStride = stride(plan.trainSites, trainWindows, maxTrain);
  const valStride = stride(plan.validationSites, validationWindows, sizes.maxValidation);
  const trainSet = thin(windowsFor(frames, plan.trainSites, spec, scalers, (s) => ({ ...trainWindows(s), stride: trainStride })), maxTrain);
  // A refit's plan validates nothing: an empty set of the input's shape.
  const validation = plan.validationSites.length
    ? thin(windowsFor(frames, plan.validationSites, spec, scalers, (s) => ({ ...validationWindows(s), stride: valStride })), sizes.maxValidation)
    : { ...concatSets([trainSet], () => false), sites: [] };
  const train = { ...trainSet, sites: plan.trainSites };
  const validated = { ...validation, sites: plan.validationSites };
  return definitions.map((definition) => ({ task: definition.name as TaskName, frames, definition, spec, scalers, train, validation: validated, plan }));
}

/** Windows of `set` that carry a label of `task` (a window of a shared input may carry another task's only). */
export function labelledFor(set: SiteWindows, task: TaskName): number {
  const t = set.targets[task];
  if (!t) return 0;
  const w = t.kind === 'regression' ? t.horizons : 1;
  let n = 0;
  for (let i = 0; i < set.n; i++) {
    for (let k = 0; k < w; k++) {
      if ((t.mask[i * w + k] ?? 0) > 0) {
        n++;
        break;
      }
    }
  }
  return n;
}

export interface TrainVersionOptions {
  /** The budget's mode (default full); `settings` overrides it. */
  mode?: TrainingMode;
  strategy: StrategyName;
  regime: Regime;
  seed: number;
  /** Telemetry of every model trained: artifact name + the trainer's event. */
  onEvent?: (model: string, event: TrainingEvent) => void;
  /** After each model: its name and training seconds. */
  onModel?: (model: string, seconds: number) => void;
  /** Replaces the mode's epochs (tests, the guard's deliberately bad candidates). */
  epochs?: number;
  /** The mode's settings with overrides (the fold study's, a test's smoke budget); default settingsFor(mode). */
  settings?: Settings;
  /** Measure inter-task affinity (the TAG lookahead) every this many steps of the shared model's training (the fold study). */
  affinityEvery?: number;
  /** Keep each task's linear reference (a bundle saves it); by default it is disposed once scored. */
  keepLinear?: boolean;
  /** Measure inference cost (default true; the fold study does without). */
  measureCost?: boolean;
}

export interface TrainedVersion {
  shared: MultiTaskModel;
  singles: Partial<Record<TaskName, MultiTaskModel>>;
  /** With keepLinear: each task's linear reference (the caller disposes them). */
  linears: Partial<Record<TaskName, MultiTaskModel>>;
  /** The shared model's training run (steps, history, the affinity summary when measured). */
  sharedRun: TrainResult;
  /** Validation scores (fitTask: cross-fitted where the transform fits combination weights, which each score carries). */
  scores: { shared: Partial<Record<TaskName, TaskScore>>; single: Partial<Record<TaskName, TaskScore>>; blend: Partial<Record<TaskName, TaskScore>>; linear: Partial<Record<TaskName, TaskScore>> };
  /** Per task, without the guard's choice and the active version (filled by the caller). */
  reports: Partial<Record<TaskName, Omit<TaskReport, 'active' | 'served_by'>>>;
  deltaM: number;
  /** Parameters and FLOPs counted; inference time measured (NaN with measureCost false). */
  compute: { shared: ModelCost; single: ModelCost };
  seconds: { shared: number; single: number; linear: number };
  steps: { shared: number; single: number };
}

/**
 * The one train-and-score loop: the shared model of the prepared tasks, each task's single-task model and its
 * linear reference, trained with the same budget and scored alike on the same validation windows. The trainer
 * (train --from-db), train --from-datasets (a bundle), the fold study and the results pipeline all train
 * through it.
 */
export function trainVersion(tasks: readonly PreparedTask[], options: TrainVersionOptions): TrainedVersion {
  const models = trainModels(tasks, options);
  const { shared, singles, linears, sharedRun } = models;
  try {
    const scores: TrainedVersion['scores'] = { shared: {}, single: {}, blend: {}, linear: {} };
    const reports: TrainedVersion['reports'] = {};
    for (const t of tasks) {
      const s = fitTask(shared, t.task, t.validation, t.spec, t.scalers);
      const single = singles[t.task] as MultiTaskModel;
      const one = fitTask(single, t.task, t.validation, t.spec, t.scalers);
      // The blend of the two (their outputs averaged), with its own combination weights: the guard's third choice.
      const blend = fitTask(averageModels([shared, single]), t.task, t.validation, t.spec, t.scalers);
      // The linear reference: a gap to it is visible on every retrain (seconds per task; not saved or served).
      const linear = linears[t.task] as MultiTaskModel;
      const lin = fitTask(linear, t.task, t.validation, t.spec, t.scalers);
      if (!options.keepLinear) {
        linear.dispose();
        delete linears[t.task];
      }
      scores.shared[t.task] = s;
      scores.single[t.task] = one;
      scores.blend[t.task] = blend;
      scores.linear[t.task] = lin;
      const d = deltaM({ [t.task]: headline(t.task, s.metrics) }, { [t.task]: headline(t.task, one.metrics) });
      reports[t.task] = {
        task: t.task,
        metric: headlineMetric(t.task).key,
        higherIsBetter: headlineMetric(t.task).higherIsBetter,
        validation: windowsPart(t.validation, t.task, t.plan.validationSites),
        training: windowsPart(t.train, t.task, t.plan.trainSites),
        shared: s.metrics,
        single: one.metrics,
        persistence: s.baselines.persistence,
        seasonal_naive: s.baselines.seasonal_naive,
        linear: lin.metrics,
        blend: blend.metrics,
        ...(blend.weights ? { blend_weights: blend.weights } : {}),
        delta_pct: d.perTask[t.task] ?? NaN,
      };
    }
    const all = deltaM(Object.fromEntries(tasks.map((t) => [t.task, headline(t.task, (scores.shared[t.task] as TaskScore).metrics)])), Object.fromEntries(tasks.map((t) => [t.task, headline(t.task, (scores.single[t.task] as TaskScore).metrics)])));
    const singleList = tasks.map((t) => singles[t.task] as MultiTaskModel);
    const cost = (list: readonly MultiTaskModel[], seconds: number): ModelCost => {
      let ms = 0;
      for (const m of list) ms += options.measureCost === false ? NaN : (Object.keys(m.config.inputs).length * 1000) / measureInference(m, 64, { repeats: 3 }).windowsPerSecond;
      return {
        parameters: list.reduce((a, m) => a + m.parameterCounts().total, 0),
        flops_per_window: list.reduce((a, m) => a + m.flopsPerWindow(), 0),
        inference_ms_per_window: ms,
        train_seconds: seconds,
      };
    };
    return {
      shared,
      singles,
      linears,
      sharedRun,
      scores,
      reports,
      deltaM: all.deltaM,
      compute: { shared: cost([shared], sharedRun.seconds), single: cost(singleList, models.seconds.single) },
      seconds: models.seconds,
      steps: models.steps,
    };
  } catch (error) {
    disposeModels({ shared, singles, linears });
    throw error;
  }
}

/** A version's models as trainModels returns them: trained, not scored. */
export type TrainedModels = Pick<TrainedVersion, 'shared' | 'singles' | 'linears' | 'sharedRun' | 'seconds' | 'steps'>;

/**
 * The training half of the one train-and-score loop: the shared model of the prepared tasks, then each task's
 * single-task model, then each task's linear reference (every one kept; the caller disposes them), with the
 * same budget and seed. trainVersion scores what it returns; train --from-datasets also calls it alone to refit
 * the chosen models on every window (everyWindow).
 */
export function trainModels(tasks: readonly PreparedTask[], options: TrainVersionOptions): TrainedModels {
  if (tasks.length === 0) throw new Error('no task to train');
  const settings = options.settings ?? settingsFor(options.mode ?? 'full');
  const base = { ...trainOptions(settings, options.seed), ...(options.epochs !== undefined ? { epochs: options.epochs } : {}) };
  const features = Object.fromEntries(tasks.map((t) => [t.task, t.train.features]));
  const data = (list: readonly PreparedTask[]) => fromSets(list);
  const shared = MultiTaskModel.create(modelConfig(tasks.map((t) => t.definition), features, options.seed));
  const singles: TrainedVersion['singles'] = {};
  const linears: TrainedVersion['linears'] = {};
  try {
    const sharedRun = train(shared, data(tasks), {
      ...base,
      ...(tasks.length > 1 ? { learningRate: settings.sharedLearningRate } : {}),
      strategy: options.strategy,
      regime: options.regime,
      gradientsOn: 'parameters',
      telemetryEvery: settings.telemetryEvery,
      ...(options.affinityEvery ? { affinityEvery: options.affinityEvery } : {}),
      ...(options.onEvent ? { onEvent: (e: TrainingEvent) => options.onEvent?.(SHARED_ARTIFACT, e) } : {}),
    });
    options.onModel?.(SHARED_ARTIFACT, sharedRun.seconds);
    let singleSeconds = 0;
    let singleSteps = 0;
    let linearSeconds = 0;
    for (const t of tasks) {
      const model = MultiTaskModel.create(modelConfig([t.definition], features, options.seed));
      singles[t.task] = model;
      const run = train(model, data([t]), { ...base, strategy: 'equal', ...(options.onEvent ? { onEvent: (e: TrainingEvent) => options.onEvent?.(singleArtifact(t.task), e) } : {}) });
      singleSeconds += run.seconds;
      singleSteps += run.steps;
      options.onModel?.(singleArtifact(t.task), run.seconds);
    }
    for (const t of tasks) {
      // The linear reference: a gap to it is visible on every retrain (seconds per task; saved with a bundle, not served).
      const linear = MultiTaskModel.create(modelConfig([t.definition], features, options.seed, undefined, 'only'));
      linears[t.task] = linear;
      linearSeconds += train(linear, data([t]), { ...base, strategy: 'equal' }).seconds;
    }
    return { shared, singles, linears, sharedRun, seconds: { shared: sharedRun.seconds, single: singleSeconds, linear: linearSeconds }, steps: { shared: sharedRun.steps, single: singleSteps } };
  } catch (error) {
    disposeModels({ shared, singles, linears });
    throw error;
  }
}

/** Disposes every model of a version (MultiTaskModel.dispose may be called again). */
export function disposeModels(models: Pick<TrainedModels, 'shared' | 'singles' | 'linears'>): void {
  for (const m of [models.shared, ...Object.values(models.singles), ...Object.values(models.linears)]) m?.dispose();
}

/** A part of a task's windows as a report states it: the span of their issue times, the task's labelled windows, the sites. */
export function windowsPart(set: SiteWindows, task: TaskName, sites: readonly string[]): { from: string; to: string; windows: number; sites: string[] } {
  return { ...issueRange(set.issueTimes), windows: labelledFor(set, task), sites: [...sites] };
}

function issueRange(issueTimes: Float64Array): { from: string; to: string } {
  let a = Infinity;
  let b = -Infinity;
  for (const t of issueTimes) {
    a = Math.min(a, t);
    b = Math.max(b, t);
  }
  const iso = (t: number) => (Number.isFinite(t) ? new Date(t).toISOString() : '');
  return { from: iso(a), to: iso(b) };
}

function fromSets(tasks: readonly PreparedTask[]) {
  return fromWindowSets(tasks.map((t) => t.train));
}
