import { readFile, writeFile, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { isTaskName, type TaskName } from '@headstream/tasks';
import { loadModel, MultiTaskModel, saveModel, train, type StrategyName } from '@headstream/model';
import { prepareTask, timeSplit, windowsFor, withChannels, type TaskFrames } from '@headstream/training';
import { chooseBackend, settingsFor, STRATEGIES, trainOptions } from './pipeline.js';
import { loadTaskFrames, PROTOCOL_TASKS, TASK_DATASETS, TASK_ORDER } from './protocols.js';
import { modelConfig, modelData, scoreTask, type MetricsJSON, type TaskScoreJSON } from './scoring.js';
import { loadAllFrames, splitAll, type TaskSplit } from './splits.js';

/** /2: each saved model carries its whole feature spec (derived channels, history, target transform). */
export const MANIFEST_FORMAT = 'headstream-experiment-bundle/2';

export interface BundleManifest {
  format: typeof MANIFEST_FORMAT;
  createdAt: string;
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
  validation: Record<TaskName, { shared: MetricsJSON; single: MetricsJSON; persistence: MetricsJSON; linear?: MetricsJSON }>;
}

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
  log?: (line: string) => void;
}

/** `headstream train --from-datasets`: the shared model of the tasks and their single-task baselines, saved with a manifest. */
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
  const frames = await loadAllFrames(options.datasetsDir, tasks);
  const split = options.split ?? 'protocol';
  const splits =
    split === 'protocol'
      ? splitAll(frames, {}, settings.sizes, tasks)
      : (Object.fromEntries(tasks.map((t) => { const plan = timeSplit(frames[t]); return [t, { ...prepareTask(frames[t], PROTOCOL_TASKS[t], plan, settings.sizes), describe: plan.describe }]; })) as Record<TaskName, TaskSplit>);
  const common = trainOptions(settings, seed);
  const features = Object.fromEntries(tasks.map((t) => [t, splits[t].train.features]));
  const info = (names: readonly TaskName[], name: string, metrics: Record<string, unknown>) => ({
    version: `experiments-${mode}-${name}`,
    features: Object.fromEntries(names.map((t) => [t, { spec: splits[t].spec, scalers: splits[t].scalers }])),
    strategy: { name },
    regime: 'joint',
    backend,
    metrics,
  });
  const validation = {} as BundleManifest['validation'];
  const shared = MultiTaskModel.create(modelConfig(tasks, features, seed));
  try {
    const r = train(shared, modelData(tasks.map((t) => splits[t].train)), { ...common, learningRate: settings.sharedLearningRate, strategy, gradientsOn: 'parameters' });
    log(`[train] shared model (${strategy}): ${r.seconds.toFixed(1)} s`);
    const scores = Object.fromEntries(tasks.map((t) => [t, scoreTask(shared, t, splits[t].validation, splits[t].spec, splits[t].scalers)])) as Record<TaskName, TaskScoreJSON>;
    for (const t of tasks) validation[t] = { shared: scores[t].metrics, single: scores[t].metrics, persistence: scores[t].baselines.persistence };
    await saveModel(shared, join(options.out, 'shared'), info(tasks, strategy, Object.fromEntries(tasks.map((t) => [t, scores[t].metrics]))));
  } finally {
    shared.dispose();
  }
  for (const t of tasks) {
    const model = MultiTaskModel.create(modelConfig([t], features, seed));
    try {
      const r = train(model, modelData([splits[t].train]), { ...common, strategy: 'equal' });
      const s = scoreTask(model, t, splits[t].validation, splits[t].spec, splits[t].scalers);
      validation[t].single = s.metrics;
      log(`[train] single ${t}: ${r.seconds.toFixed(1)} s`);
      await saveModel(model, join(options.out, `single-${t}`), info([t], 'equal', { [t]: s.metrics }));
    } finally {
      model.dispose();
    }
    // The linear reference on the same inputs: `headstream evaluate` scores it next to the networks.
    const linear = MultiTaskModel.create(modelConfig([t], features, seed, undefined, 'only'));
    try {
      train(linear, modelData([splits[t].train]), { ...common, strategy: 'equal' });
      const s = scoreTask(linear, t, splits[t].validation, splits[t].spec, splits[t].scalers);
      validation[t].linear = s.metrics;
      await saveModel(linear, join(options.out, `linear-${t}`), info([t], 'equal', { [t]: s.metrics }));
    } finally {
      linear.dispose();
    }
  }
  const manifest: BundleManifest = {
    format: MANIFEST_FORMAT,
    createdAt: new Date().toISOString(),
    mode,
    strategy,
    seed,
    split,
    shared: 'shared',
    single: Object.fromEntries(tasks.map((t) => [t, `single-${t}`])) as Record<TaskName, string>,
    linear: Object.fromEntries(tasks.map((t) => [t, `linear-${t}`])) as Record<TaskName, string>,
    tasks: Object.fromEntries(
      tasks.map((t) => [t, { dataset: TASK_DATASETS[t], recipe: frames[t].recipe.name, train: splits[t].train.n, validation: splits[t].validation.n, describe: splits[t].describe }]),
    ) as BundleManifest['tasks'],
    validation,
  };
  await mkdir(options.out, { recursive: true });
  await writeFile(join(options.out, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

/** Raised for a user's mistake (bad task, format or bundle): the CLI prints one line, exit code 2. */
export class BundleInputError extends Error {}

export interface EvaluateFileOptions {
  model: string;
  task: string;
  file: string;
  format: string;
}

export interface EvaluationJSON {
  task: TaskName;
  n: number;
  metrics: MetricsJSON;
  baselines: { persistence: MetricsJSON; seasonal_naive: MetricsJSON };
  single_task: MetricsJSON;
  /** The bundle's linear autoregressive reference (absent when the bundle predates it). */
  linear?: MetricsJSON;
}

export async function readManifest(dir: string): Promise<BundleManifest> {
  let text: string;
  try {
    text = await readFile(join(dir, 'manifest.json'), 'utf8');
  } catch {
    throw new BundleInputError(`${dir} holds no manifest.json: train one with \`headstream train --from-datasets --out ${dir}\``);
  }
  const m = JSON.parse(text) as BundleManifest;
  if (m.format !== MANIFEST_FORMAT) throw new BundleInputError(`${dir}/manifest.json: unsupported format ${JSON.stringify(m.format)}`);
  return m;
}

/** `headstream evaluate`: scores the saved shared and single-task models on a user's file in the task's loader format. */
export async function evaluateFile(options: EvaluateFileOptions): Promise<EvaluationJSON> {
  if (!isTaskName(options.task)) throw new BundleInputError(`unknown task "${options.task}"; valid: ${TASK_ORDER.join(', ')}`);
  const task = options.task;
  const expected = TASK_DATASETS[task];
  if (options.format !== expected) throw new BundleInputError(`task ${task} reads files in the ${expected} format, not "${options.format}"`);
  const manifest = await readManifest(options.model);
  await chooseBackend(() => {});
  let frames: TaskFrames;
  try {
    frames = await loadTaskFrames(task, { path: options.file });
  } catch (error) {
    throw new BundleInputError(`cannot read ${options.file} as ${expected}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const score = async (dir: string): Promise<TaskScoreJSON> => {
    const { model, metadata } = await loadModel(join(options.model, dir));
    try {
      const saved = metadata.features[task];
      if (!saved) throw new BundleInputError(`model ${dir} has no ${task} input`);
      // The saved spec says how to build the model's input: a source the file lacks is a gap throughout.
      const withSources = { ...frames, frames: Object.fromEntries(Object.entries(frames.frames).map(([site, f]) => [site, withChannels(f, saved.spec.sources)])) };
      const set = windowsFor(withSources, Object.keys(frames.frames), saved.spec, saved.scalers);
      if (set.n === 0) throw new BundleInputError(`${options.file} yields no labelled ${task} window (needs more than ${saved.spec.lookback} steps)`);
      return scoreTask(model, task, set, saved.spec, saved.scalers);
    } finally {
      model.dispose();
    }
  };
  const singleDir = manifest.single[task] as string | undefined;
  if (singleDir === undefined) throw new BundleInputError(`${options.model} holds no ${task} model (trained: ${Object.keys(manifest.single).join(', ')})`);
  const shared = await score(manifest.shared);
  const single = await score(singleDir);
  const linearDir = manifest.linear?.[task];
  const linear = linearDir ? await score(linearDir) : undefined;
  return { task, n: shared.n, metrics: shared.metrics, baselines: shared.baselines, single_task: single.metrics, ...(linear ? { linear: linear.metrics } : {}) };
}

/** A readable table of an evaluation (no --json). */
export function formatEvaluation(e: EvaluationJSON, file: string): string {
  const definition = PROTOCOL_TASKS[e.task];
  const classification = definition.kind === 'classification';
  const rows: [string, MetricsJSON][] = [
    ['shared model', e.metrics],
    ['single-task model', e.single_task],
    ...(e.linear ? ([['linear reference', e.linear]] as [string, MetricsJSON][]) : []),
    [classification ? 'persistence (normal)' : 'persistence', e.baselines.persistence],
    ['seasonal naive', e.baselines.seasonal_naive],
  ];
  const head = classification ? ['model', 'accuracy', 'macro_f1', 'anomaly_f1'] : ['model', 'mae', 'rmse', 'mape %'];
  const body = rows.map(([name, m]) => ['macro_f1' in m ? [name, m.accuracy.toFixed(3), m.macro_f1.toFixed(3), m.anomaly_f1.toFixed(3)] : [name, m.mae.toFixed(3), m.rmse.toFixed(3), m.mape.toFixed(2)]].flat());
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join('  ');
  const unit = definition.kind === 'regression' ? ` [${definition.unit}]` : '';
  return `${e.task}${unit} on ${file}: ${e.n} windows\n${[line(head), ...body.map(line)].join('\n')}\n`;
}
