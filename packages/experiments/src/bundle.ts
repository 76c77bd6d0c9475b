import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isTaskName, type TaskName } from '@headstream/tasks';
import { loadModel, saveModel, type ModelMetadata, type MultiTaskModel, type StrategyName, type TrainingEvent } from '@headstream/model';
import type { FeatureSpec } from '@headstream/features';
import type { SqlExecutor } from '@headstream/store';
import { affinityEvery, disposeModels, everyWindow, getVersion, loadArtifact, readVersionReport, servedByPhrase, servedPredictor, servedScore, SHARED_ARTIFACT, singleArtifact, unservableRows, type SiteWindows, telemetryRows, timeSplit, trainModels, trainVersion, versionArtifacts, windowsPart, versionName, versionReport, windowsFor, withChannels, withWeights, writeVersionFiles, type ModelFeatures, type PairedScore, type Settings, type TaskFrames, type TelemetryRow, type TrainedModels, type TrainedVersion, type VersionMeta, type VersionReport, type BlendEvidence, type ServedBy, type TaskReport } from '@headstream/training';
import { selectionFoldEvidence } from './fold-study.js';
import { chooseBackend, settingsFor, STRATEGIES } from './pipeline.js';
import { loadTaskFrames, PROTOCOL_TASKS, TASK_DATASETS, TASK_ORDER } from './protocols.js';
import { scoreTask, type MetricsJSON, type TaskScoreJSON } from './scoring.js';
import { loadAllFrames, prepareByInput, splitAll, type AllFrames } from './splits.js';

/**
 * /3: the bundle is the registry's file sink (version.json and the version's artifacts, see @headstream/registry
 * writeVersionFiles) plus each task's linear reference and this manifest, which `headstream evaluate` reads.
 * /2 (every saved model with its whole feature spec) had no version.json; evaluate still reads it.
 */
export const MANIFEST_FORMAT = 'headstream-experiment-bundle/3';
const READABLE_FORMATS: readonly string[] = [MANIFEST_FORMAT, 'headstream-experiment-bundle/2'];

export interface BundleManifest {
  format: typeof MANIFEST_FORMAT;
  createdAt: string;
  /** The model version the bundle holds (version.json; `headstream models import` stores it under this name). */
  version: string;
  mode: 'quick' | 'full';
  strategy: StrategyName;
  seed: number;
  /** Model directories, relative to the bundle. */
  shared: string;
  single: Record<TaskName, string>;
  /** The linear autoregressive reference of each task (absent in bundles trained before it). */
  linear?: Record<TaskName, string>;
  /** protocol: the published protocols' splits (held-out station, runs, year); time: the last 20 % of each task's span validates. */
  split: 'protocol' | 'time';
  tasks: Record<TaskName, { dataset: string; recipe: string; train: number; validation: number; describe: string }>;
  validation: Record<TaskName, { shared: MetricsJSON; single: MetricsJSON; blend?: MetricsJSON; persistence: MetricsJSON; linear?: MetricsJSON }>;
  /** Δm% of the shared model vs the single-task models, and the guard's served-by choice per task (the version report's). */
  delta_m: number;
  served_by: Partial<Record<TaskName, ServedBy>>;
  /**
   * What the guard weighed for each task's served-by choice (absent in bundles trained before it): the rule
   * (`folds`: the selection folds' pairs and this split's; `split`: this split's alone), and per task the splits
   * it read, the loss of sharing on each (relative, positive = the shared model is worse), its mean, sd and bound.
   */
  guard?: { rule: GuardRule; tolerance: number; tasks: Partial<Record<TaskName, { splits: string[]; worse: number[]; mean: number; sd: number; bound: number; blend?: BlendEvidence; served_by: ServedBy }>> };
  /**
   * The saved models' own training when they were refit on every window once the guard had chosen (null: the
   * split's models are saved; absent in bundles trained before it). `validation`, the guard and version.json's
   * report stay the split's: they are the estimate of how the refit models do on data neither saw.
   */
  refit?: { seconds: number; tasks: Record<TaskName, { windows: number; sites: string[]; from: string; to: string }> } | null;
}

/**
 * How `train --from-datasets` chooses each task's served model. folds: from the shared and single-task models'
 * paired scores on the task's selection folds beside this split's (two more trainings of every model); split:
 * from this split's one pair, as a retrain from the database must.
 */
export const GUARD_RULES = ['folds', 'split'] as const;
export type GuardRule = (typeof GUARD_RULES)[number];

export interface TrainBundleOptions {
  out: string;
  datasetsDir?: string;
  strategy?: StrategyName;
  mode?: 'quick' | 'full';
  seed?: number;
  /** Epochs of every model instead of the mode's. */
  epochs?: number;
  split?: 'protocol' | 'time';
  /** The tasks to train (default: every registered task); the manifest's records hold these only. */
  tasks?: readonly TaskName[];
  /** The version's name (default: v + the UTC time, as train --from-db names them). */
  version?: string;
  /** What the guard weighs (default folds). */
  guard?: GuardRule;
  /** Once the guard has chosen, train the saved models again on every window (default true; false: the split's models are saved). */
  refit?: boolean;
  log?: (line: string) => void;
}

/**
 * `headstream train --from-datasets`: the shared model of the tasks, their single-task models and linear
 * references, trained by the one train-and-score loop (trainVersion) on the protocol (or time) splits, and
 * written as a model version (version.json: the report with the guard's decision, the artifacts, the
 * telemetry) with a manifest for `headstream evaluate`.
 */
export async function trainBundle(options: TrainBundleOptions): Promise<BundleManifest> {
  const log = options.log ?? (() => {});
  const strategy = options.strategy ?? 'equal';
  if (!STRATEGIES.includes(strategy)) throw new Error(`unknown strategy ${strategy}`);
  const mode = options.mode ?? 'full';
  const seed = options.seed ?? 1;
  const settings = { ...settingsFor(mode), ...(options.epochs === undefined ? {} : { epochs: options.epochs }) };
  const backend = await chooseBackend(log);
  // Head order, whatever order they were asked in.
  const tasks = TASK_ORDER.filter((t) => (options.tasks ?? TASK_ORDER).includes(t));
  if (tasks.length === 0) throw new BundleInputError('no task to train');
  const rule = options.guard ?? 'folds';
  if (!GUARD_RULES.includes(rule)) throw new BundleInputError(`unknown --guard "${String(rule)}"; valid: ${GUARD_RULES.join(', ')}`);
  const refit = options.refit ?? true;
  const frames = await loadAllFrames(options.datasetsDir, tasks);
  // The served-by choice is a bet on data the models have not seen: weigh the task's selection folds too (before
  // this split's windows are built, so one set of windows is in memory at a time).
  const evidence = rule === 'folds' ? selectionFoldEvidence(frames, tasks, { settings, seed, strategy, log }) : undefined;
  const split = options.split ?? 'protocol';
  const meta = { version: options.version ?? versionName(), mode, strategy, regime: 'joint' as const, seed, backend };
  const telemetry: { model: string; rows: TelemetryRow[] }[] = [];
  const onEvent = (model: string, event: TrainingEvent) => {
    let entry = telemetry.find((t) => t.model === model);
    if (!entry) telemetry.push((entry = { model, rows: [] }));
    entry.rows.push(...telemetryRows(event));
  };
  const onModel = (model: string, seconds: number) => log(`[train] ${model}: ${seconds.toFixed(1)} s`);
  const chosen = trainOnSplit(frames, tasks, split, { settings, seed, strategy, onEvent, onModel }, meta, evidence?.pairs);
  const { report, trained } = chosen;
  const served = refit ? refitOnEveryWindow(frames, tasks, { settings, seed, strategy, onModel }, chosen, log) : { models: trained, features: chosen.features, refit: null };
  try {
    // The spec saved with each model carries the combination weights the split's scores fitted for it (fitTask).
    const artifacts = versionArtifacts({ ...served.models, scores: trained.scores }, served.features, meta);
    await writeVersionFiles(options.out, { report, artifacts, telemetry });
    const validation = {} as BundleManifest['validation'];
    for (const t of tasks) {
      const r = report.task_reports[t];
      if (!r) throw new Error(`no report of ${t}`);
      validation[t] = { shared: r.shared, single: r.single, ...(r.blend ? { blend: r.blend } : {}), persistence: r.persistence, ...(r.linear ? { linear: r.linear } : {}) };
      // The linear reference on the same inputs: `headstream evaluate` scores it next to the networks.
      const linear = served.models.linears[t];
      const features = served.features.find((p) => p.task === t);
      if (linear && features) await saveModel(linear, join(options.out, `linear-${t}`), { version: meta.version, features: { [t]: { spec: withWeights(features.spec, { [t]: trained.scores.linear[t]?.weights }), scalers: features.scalers } }, strategy: { name: 'equal' }, regime: 'joint', backend, metrics: { [t]: r.linear } });
    }
    log(`[train] guard: ${tasks.map((t) => `${t} served by ${report.decision.serving[t] ?? '?'}`).join(', ')}; Δm ${report.delta_m.toFixed(2)}%`);
    const manifest: BundleManifest = {
      format: MANIFEST_FORMAT,
      createdAt: report.created_at,
      version: meta.version,
      mode,
      strategy,
      seed,
      split,
      shared: SHARED_ARTIFACT,
      single: Object.fromEntries(tasks.map((t) => [t, singleArtifact(t)])) as Record<TaskName, string>,
      linear: Object.fromEntries(tasks.map((t) => [t, `linear-${t}`])) as Record<TaskName, string>,
      tasks: chosen.records,
      validation,
      delta_m: report.delta_m,
      served_by: report.decision.serving,
      guard: {
        rule,
        tolerance: report.decision.tolerance,
        // What the guard weighed (the decision's evidence, in the order versionReport passed it: folds, then this split).
        tasks: Object.fromEntries(
          tasks.map((t) => {
            const weighed = report.decision.evidence?.[t];
            if (!weighed) throw new Error(`the guard's decision has no evidence of ${t}`);
            const folds = (evidence?.folds[t] ?? []).map((name, i) => `fold ${i + 1}: ${name}`);
            return [t, { splits: [...folds, `this split: ${chosen.records[t].describe}`], ...weighed, served_by: report.decision.serving[t] ?? 'shared' }];
          }),
        ),
      },
      refit: served.refit,
    };
    await writeFile(join(options.out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
    return manifest;
  } finally {
    disposeModels(served.models);
  }
}

/** The models a bundle saves, the features they read, and the refit's record (null: the split's models). */
interface ServedModels {
  models: TrainedModels;
  features: ModelFeatures[];
  refit: NonNullable<BundleManifest['refit']> | null;
}

/**
 * The chosen version trained again on every window (everyWindow: the split's validation part, the latest period,
 * the held-out station and runs, included) with the same budget and seed; it replaces (disposes) the split's
 * models. The choice and every score stay the split's.
 */
function refitOnEveryWindow(
  frames: AllFrames,
  tasks: readonly TaskName[],
  options: { settings: Settings; seed: number; strategy: StrategyName; onModel: (model: string, seconds: number) => void },
  chosen: { trained: TrainedModels; report: VersionReport },
  log: (line: string) => void,
): ServedModels {
  disposeModels(chosen.trained);
  const again = prepareByInput(frames, tasks, (t) => everyWindow(frames[t]), options.settings.sizes);
  const started = Date.now();
  const models = trainModels(tasks.map((t) => again[t]), { ...options, regime: 'joint', onModel: (model, seconds) => options.onModel(`${model} (refit)`, seconds) });
  const record = Object.fromEntries(tasks.map((t) => [t, windowsPart(again[t].train, t, again[t].plan.trainSites)])) as Record<TaskName, ReturnType<typeof windowsPart>>;
  const seconds = (Date.now() - started) / 1000;
  log(`[train] refit on every window: ${tasks.map((t) => `${t} ${record[t].windows} (split ${chosen.report.task_reports[t]?.training.windows ?? 0})`).join(', ')}; ${seconds.toFixed(0)} s`);
  return { models, features: tasks.map((t) => ({ task: t, spec: again[t].spec, scalers: again[t].scalers })), refit: { seconds, tasks: record } };
}

/**
 * The bundle's split: its windows prepared, every model trained and scored by the one train-and-score loop,
 * and the guard's choice (beside the folds' pairs). Returns no windows, so a refit's are the only ones held next.
 */
function trainOnSplit(
  frames: AllFrames,
  tasks: readonly TaskName[],
  split: 'protocol' | 'time',
  options: { settings: Settings; seed: number; strategy: StrategyName; onEvent: (model: string, event: TrainingEvent) => void; onModel: (model: string, seconds: number) => void },
  meta: VersionMeta,
  evidence: Partial<Record<TaskName, readonly PairedScore[]>> | undefined,
): { trained: TrainedVersion; report: VersionReport; features: ModelFeatures[]; records: BundleManifest['tasks'] } {
  const splits =
    split === 'protocol'
      ? splitAll(frames, {}, options.settings.sizes, tasks)
      : prepareByInput(frames, tasks, (t) => timeSplit(frames[t]), options.settings.sizes);
  const prepared = tasks.map((t) => splits[t]);
  const trained = trainVersion(prepared, { ...options, regime: 'joint', keepLinear: true, affinityEvery: affinityEvery(options.settings) });
  try {
    const report = versionReport(trained, prepared, meta, evidence ? { evidence } : {});
    const records = Object.fromEntries(
      tasks.map((t) => [t, { dataset: TASK_DATASETS[t], recipe: frames[t].recipe.name, train: splits[t].train.n, validation: splits[t].validation.n, describe: splits[t].describe }]),
    ) as BundleManifest['tasks'];
    return { trained, report, features: prepared.map((p) => ({ task: p.task, spec: p.spec, scalers: p.scalers })), records };
  } catch (error) {
    disposeModels(trained);
    throw error;
  }
}

/** Raised for a user's mistake (bad task, format or bundle): the CLI prints one line, exit code 2. */
export class BundleInputError extends Error {}

export interface EvaluateFileOptions {
  /** A bundle directory (train --from-datasets --out DIR)… */
  model?: string;
  /** …or a model version in the registry (the trainer's, or an imported bundle). */
  version?: { db: SqlExecutor; name: string };
  task: string;
  file: string;
  format: string;
  /**
   * Writes the served model's forecast of every window serving would predict from (features' `unservable`
   * rule) to this file, one JSON object a line: task, site, issued_at, and per horizon its target time, value
   * and the file's actual (regression), or the label and class probabilities (classification). A predictor
   * serving the same version on the same readings publishes the same forecasts.
   */
  predictions?: string;
}

export interface EvaluationJSON {
  task: TaskName;
  n: number;
  metrics: MetricsJSON;
  baselines: { persistence: MetricsJSON; seasonal_naive: MetricsJSON };
  single_task: MetricsJSON;
  /** The bundle's linear autoregressive reference (absent when the bundle predates it, and for a registry version). */
  linear?: MetricsJSON;
  /** The blend of the shared and single-task models on the file (absent when the version's report does not score it). */
  blend?: MetricsJSON;
  /** The model the version serves the task with (the guard's choice), and its metrics (= metrics, single_task or blend). */
  served_by: ServedBy;
  served: MetricsJSON;
  /** Lines written to --predictions. */
  predictions?: number;
  /**
   * The file's windows that lie in what the served model trained on: a training site, issued within the span its
   * training windows were issued in (the bundle's refit, else the version report's training part). Their scores are
   * not held-out ones. Absent when the source does not say what it trained on (a bundle before version.json).
   */
  seen?: { windows: number; of: number; trained_on: TrainedOn };
}

/** Where a version's served models learned: sites and the span of their training windows' issue times. */
export interface TrainedOn {
  sites: string[];
  from: string;
  to: string;
  /** refit: every window of the shared data sets (train --from-datasets); split: the split's training part. */
  part: 'refit' | 'split';
}

export async function readManifest(dir: string): Promise<BundleManifest> {
  let text: string;
  try {
    text = await readFile(join(dir, 'manifest.json'), 'utf8');
  } catch {
    throw new BundleInputError(`${dir} holds no manifest.json: train one with \`headstream train --from-datasets --out ${dir}\``);
  }
  const m = JSON.parse(text) as BundleManifest;
  if (!READABLE_FORMATS.includes(m.format)) throw new BundleInputError(`${dir}/manifest.json: unsupported format ${JSON.stringify(m.format)}`);
  return m;
}

type Loaded = { model: MultiTaskModel; metadata: ModelMetadata };
/** Where evaluate's models come from: a bundle's directories or a registry version's artifacts. */
interface ModelSource {
  servedBy: ServedBy;
  load: (which: 'shared' | 'single' | 'linear') => Promise<Loaded | undefined>;
  trainedOn?: TrainedOn;
  /** The version report's record of the task (a blend's weights; absent in a /2 bundle). */
  report?: TaskReport;
}

/** A version report's training part of the task, as TrainedOn. */
function splitTraining(report: VersionReport | null | undefined, task: TaskName): TrainedOn | undefined {
  const t = report?.task_reports[task]?.training;
  return t ? { sites: [...t.sites], from: t.from, to: t.to, part: 'split' } : undefined;
}

async function bundleSource(dir: string, task: TaskName): Promise<ModelSource> {
  const manifest = await readManifest(dir);
  const singleDir = manifest.single[task] as string | undefined;
  if (singleDir === undefined) throw new BundleInputError(`${dir} holds no ${task} model (trained: ${Object.keys(manifest.single).join(', ')})`);
  const dirs = { shared: manifest.shared, single: singleDir, linear: manifest.linear?.[task] };
  // Refit: every window it read; else the split's training part (version.json's report; a /2 bundle has none).
  const refit = manifest.refit?.tasks[task];
  const report = await readVersionReport(dir).then((v) => v.report).catch(() => null);
  const trainedOn = refit ? { sites: [...refit.sites], from: refit.from, to: refit.to, part: 'refit' as const } : splitTraining(report, task);
  const record = report?.task_reports[task];
  return { servedBy: manifest.served_by?.[task] ?? 'shared', load: async (which) => (dirs[which] === undefined ? undefined : loadModel(join(dir, dirs[which]))), ...(trainedOn ? { trainedOn } : {}), ...(record ? { report: record } : {}) };
}

async function versionSource(db: SqlExecutor, name: string, task: TaskName): Promise<ModelSource> {
  const version = await getVersion(db, name);
  if (!version) throw new BundleInputError(`no model version "${name}" in the registry`);
  if (!version.tasks.includes(task)) throw new BundleInputError(`version ${name} holds no ${task} model (trained: ${version.tasks.join(', ')})`);
  const artifacts = { shared: SHARED_ARTIFACT, single: singleArtifact(task) };
  const trainedOn = splitTraining(version.report, task);
  const record = version.report?.task_reports[task];
  return { servedBy: version.serving?.[task] ?? 'shared', load: async (which) => (which === 'linear' ? undefined : loadArtifact(db, name, artifacts[which])), ...(trainedOn ? { trainedOn } : {}), ...(record ? { report: record } : {}) };
}

/** `headstream evaluate`: scores a bundle's or a registry version's shared and single-task models on a user's file in the task's loader format. */
export async function evaluateFile(options: EvaluateFileOptions): Promise<EvaluationJSON> {
  if (!isTaskName(options.task)) throw new BundleInputError(`unknown task "${options.task}"; valid: ${TASK_ORDER.join(', ')}`);
  const task = options.task;
  const expected = TASK_DATASETS[task];
  if (options.format !== expected) throw new BundleInputError(`task ${task} reads files in the ${expected} format, not "${options.format}"`);
  if ((options.model === undefined) === (options.version === undefined)) throw new BundleInputError('evaluate needs exactly one of --model DIR (a bundle) or --model-version V (a registry version)');
  const source = options.version ? await versionSource(options.version.db, options.version.name, task) : await bundleSource(options.model as string, task);
  await chooseBackend(() => {});
  let frames: TaskFrames;
  try {
    frames = await loadTaskFrames(task, { path: options.file });
  } catch (error) {
    throw new BundleInputError(`cannot read ${options.file} as ${expected}: ${error instanceof Error ? error.message : String(error)}`);
  }
  type Scored = { score: TaskScoreJSON; set: SiteWindows; spec: FeatureSpec };
  /** A model's saved spec says how to build its input: a source the file lacks is a gap throughout. */
  const windowsOf = (which: string, metadata: ModelMetadata) => {
    const saved = metadata.features[task];
    if (!saved) throw new BundleInputError(`the ${which} model has no ${task} input`);
    const withSources = { ...frames, frames: Object.fromEntries(Object.entries(frames.frames).map(([site, f]) => [site, withChannels(f, saved.spec.sources)])) };
    const set = windowsFor(withSources, Object.keys(frames.frames), saved.spec, saved.scalers);
    if (set.n === 0) throw new BundleInputError(`${options.file} yields no labelled ${task} window (needs more than ${saved.spec.lookback} steps)`);
    return { set, saved };
  };
  const held: Loaded[] = [];
  const scoreOf = async (which: 'shared' | 'single' | 'linear'): Promise<Scored | undefined> => {
    const loaded = await source.load(which);
    if (!loaded) return undefined;
    held.push(loaded);
    const { set, saved } = windowsOf(which, loaded.metadata);
    return { score: scoreTask(loaded.model, task, set, saved.spec, saved.scalers), set, spec: saved.spec };
  };
  let shared: Scored;
  let single: Scored;
  let linear: Scored | undefined;
  let blend: Scored | undefined;
  try {
    shared = (await scoreOf('shared')) as Scored;
    single = (await scoreOf('single')) as Scored;
    linear = await scoreOf('linear');
    // The blend: both networks' outputs averaged (the predictor's averageModels), decoded with the blend's own weights.
    // The shared model's windows: both models read the one prepared spec.
    const mixed = source.report?.blend ? servedPredictor(task, 'blend', held.slice(0, 2), source.report) : undefined;
    if (mixed) blend = { score: scoreTask(mixed.predictor, task, shared.set, mixed.spec, mixed.scalers), set: shared.set, spec: mixed.spec };
  } finally {
    for (const m of held) m.model.dispose();
  }
  if (source.servedBy === 'blend' && !blend) throw new BundleInputError(`${task} is served by the blend of its models, which the version's report does not score`);
  const served = servedScore({ shared, single, blend }, source.servedBy);
  const lines = options.predictions ? await writePredictions(options.predictions, task, served) : undefined;
  const seen = source.trainedOn ? { windows: seenWindows(served.set, source.trainedOn), of: served.set.n, trained_on: source.trainedOn } : undefined;
  return {
    task,
    n: shared.score.n,
    metrics: shared.score.metrics,
    baselines: shared.score.baselines,
    single_task: single.score.metrics,
    ...(linear ? { linear: linear.score.metrics } : {}),
    ...(blend ? { blend: blend.score.metrics } : {}),
    served_by: source.servedBy,
    served: served.score.metrics,
    ...(lines === undefined ? {} : { predictions: lines }),
    ...(seen ? { seen } : {}),
  };
}

/** Windows of `set` at a site the models trained on, issued within the span their training windows were. */
function seenWindows(set: SiteWindows, trainedOn: TrainedOn): number {
  const sites = new Set(trainedOn.sites);
  const from = Date.parse(trainedOn.from);
  const to = Date.parse(trainedOn.to);
  let n = 0;
  for (let i = 0; i < set.n; i++) {
    const t = set.issueTimes[i] ?? NaN;
    if (sites.has(set.sites[set.site[i] ?? 0] ?? '') && t >= from && t <= to) n++;
  }
  return n;
}

/** The served model's forecasts of the windows serving would predict from, as JSON lines (see EvaluateFileOptions.predictions). */
async function writePredictions(file: string, task: TaskName, served: { score: TaskScoreJSON; set: SiteWindows; spec: FeatureSpec }): Promise<number> {
  const { score, set, spec } = served;
  const def = PROTOCOL_TASKS[task];
  const target = set.targets[task];
  const skip = unservableRows(set, spec, task);
  // The horizons, in steps, of the model's own spec (a registry version's may differ from the protocol's).
  const specTarget = spec.targets.find((x) => x.task === task);
  const steps = specTarget?.kind === 'regression' ? specTarget.horizons : [];
  const iso = (t: number) => new Date(t).toISOString();
  const out: string[] = [];
  for (let i = 0; i < set.n; i++) {
    if (skip.has(i)) continue;
    const base = { task, site: set.sites[set.site[i] ?? 0] ?? '', issued_at: iso(set.issueTimes[i] ?? NaN) };
    const t = target;
    if (t?.kind === 'regression') {
      const h = t.horizons;
      const horizons = Array.from({ length: h }, (_, k) => {
        const ahead = steps[k] ?? k + 1;
        const actual = t.raw[i * h + k] ?? NaN;
        return { horizon: ahead, target_time: iso((set.issueTimes[i] ?? NaN) + ahead * spec.intervalMs), value: score.predictions[i * h + k] ?? NaN, ...(Number.isFinite(actual) ? { actual } : {}) };
      });
      out.push(JSON.stringify({ ...base, kind: 'regression', horizons }));
    } else if (def.kind === 'classification') {
      out.push(JSON.stringify({ ...base, kind: 'classification', label: def.classes[score.predictions[i] ?? 0] ?? '?', ...(score.anomaly ? { anomaly_score: score.anomaly[i] } : {}) }));
    }
  }
  await writeFile(file, out.length ? `${out.join('\n')}\n` : '');
  return out.length;
}

/** A readable table of an evaluation (no --json). */
export function formatEvaluation(e: EvaluationJSON, file: string): string {
  const definition = PROTOCOL_TASKS[e.task];
  const classification = definition.kind === 'classification';
  const rows: [string, MetricsJSON][] = [
    ['shared model', e.metrics],
    ['single-task model', e.single_task],
    ...(e.blend ? ([['blend of the two', e.blend]] as [string, MetricsJSON][]) : []),
    ...(e.linear ? ([['linear reference', e.linear]] as [string, MetricsJSON][]) : []),
    [classification ? 'persistence (normal)' : 'persistence', e.baselines.persistence],
    ['seasonal naive', e.baselines.seasonal_naive],
  ];
  const head = classification ? ['model', 'accuracy', 'macro_f1', 'anomaly_f1'] : ['model', 'mae', 'rmse', 'mape %'];
  const body = rows.map(([name, m]) => ['macro_f1' in m ? [name, m.accuracy.toFixed(3), m.macro_f1.toFixed(3), m.anomaly_f1.toFixed(3)] : [name, m.mae.toFixed(3), m.rmse.toFixed(3), m.mape.toFixed(2)]].flat());
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  const unit = definition.kind === 'regression' ? ` [${definition.unit}]` : '';
  const seen = e.seen && e.seen.windows > 0
    ? `note: ${e.seen.windows} of ${e.seen.of} windows lie in what the models trained on (${e.seen.trained_on.part === 'refit' ? 'refit on every window of' : 'the training part of'} ${e.seen.trained_on.sites.length === 1 ? e.seen.trained_on.sites[0] : `${e.seen.trained_on.sites.length} sites`}, ${e.seen.trained_on.from.slice(0, 10)}…${e.seen.trained_on.to.slice(0, 10)}): their scores are not held-out ones\n`
    : '';
  return `${e.task}${unit} on ${file}: ${e.n} windows; served by ${servedByPhrase(e.served_by)}\n${[line(head), ...body.map(line)].join('\n')}\n${seen}`;
}
