import { headlineMetric, headlineValue, isTaskName, TASK_NAMES, type TaskName } from '@headstream/tasks';
import { STRATEGIES, trainBundle, type BundleManifest, type GuardRule } from '@headstream/experiments';
import type { Regime, StrategyName } from '@headstream/model';
import { DEFAULT_EMBEDDED_DATA_DIR, openDatabase, requireCurrentSchema } from '@headstream/store';
import { hostname } from 'node:os';
import { BindingsError, getVersion, loadBindings, requestTraining, trainFromDatabase, TrainingInputError, type TrainFromDatabaseResult } from '@headstream/training';
import type { CliConfig } from '../config.js';
import { trainingProgress } from '../progress.js';
import { UsageError } from '../usage-error.js';
import { showVersion } from './models.js';

export interface TrainCommandOptions {
  fromDatasets?: boolean;
  fromDb?: boolean;
  request?: boolean;
  datasetsDir?: string;
  dataDir?: string;
  strategy?: string;
  regime?: string;
  tasks?: string;
  split?: string;
  guard?: string;
  /** from-datasets: false with --no-refit. */
  refit?: boolean;
  quick?: boolean;
  out?: string;
  seed?: number;
  epochs?: number;
  /** --name: the version's name. */
  name?: string;
  bindings?: string;
  promote?: boolean;
  json?: boolean;
}

const signedPct = (x: number) => `${x < 0 ? '−' : '+'}${Math.abs(100 * x).toFixed(1)} %`;

function strategyOf(options: TrainCommandOptions): StrategyName {
  const strategy = (options.strategy ?? 'equal') as StrategyName;
  if (!STRATEGIES.includes(strategy)) throw new UsageError(`unknown strategy "${options.strategy}"; valid: ${STRATEGIES.join(', ')}`);
  return strategy;
}

/** `headstream train --from-datasets --out DIR` or `headstream train --from-db`. */
export async function trainCommand(options: TrainCommandOptions, config: CliConfig): Promise<BundleManifest | TrainFromDatabaseResult | number> {
  if ([options.fromDatasets, options.fromDb, options.request].filter(Boolean).length !== 1) throw new UsageError('train needs exactly one of --from-datasets (the shared data sets), --from-db (the readings in the database) or --request (ask the trainer service)');
  if (options.request) return requestRetrain(options, config);
  return options.fromDb ? trainFromDb(options, config) : trainFromDatasets(options);
}

function parseTasks(text: string | undefined): TaskName[] | undefined {
  if (text === undefined) return undefined;
  const list = text.split(',').map((t) => t.trim()).filter(Boolean);
  const bad = list.filter((t) => !isTaskName(t));
  if (bad.length || list.length === 0) throw new UsageError(`unknown task(s) in --tasks: ${bad.join(', ') || '(none given)'}; valid: ${TASK_NAMES.join(', ')}`);
  return list.filter(isTaskName);
}

function open(config: CliConfig, dataDir: string | undefined, applicationName: string) {
  return openDatabase({
    ...(config.pgUrl === undefined ? { dataDir: dataDir ?? DEFAULT_EMBEDDED_DATA_DIR } : { url: config.pgUrl }),
    ...(config.pgSchema === undefined ? {} : { schema: config.pgSchema }),
    applicationName,
    createSchema: false,
  });
}

/** `headstream train --request`: queues a training request for the trainer service (NOTIFY wakes it). */
async function requestRetrain(options: TrainCommandOptions, config: CliConfig): Promise<number> {
  const tasks = parseTasks(options.tasks);
  const db = await open(config, options.dataDir, 'headstream-train-request');
  try {
    await requireCurrentSchema(db);
    const id = await requestTraining(db, { requestedBy: `cli@${hostname()}`, ...(tasks ? { tasks } : {}) });
    process.stdout.write(options.json ? `${JSON.stringify({ request: id })}\n` : `training request ${id} queued: the trainer service picks it up now (headstream models list shows the version it makes)\n`);
    return id;
  } finally {
    await db.close();
  }
}

async function trainFromDatasets(options: TrainCommandOptions): Promise<BundleManifest> {
  if (!options.out) throw new UsageError('train --from-datasets needs --out DIR');
  if (options.split !== undefined && options.split !== 'protocol' && options.split !== 'time') throw new UsageError(`unknown --split "${options.split}"; valid: protocol, time`);
  const tasks = parseTasks(options.tasks);
  const manifest = await trainBundle({
    out: options.out,
    ...(tasks ? { tasks } : {}),
    strategy: strategyOf(options),
    mode: options.quick ? 'quick' : 'full',
    seed: options.seed ?? 1,
    ...(options.epochs !== undefined ? { epochs: options.epochs } : {}),
    ...(options.split ? { split: options.split } : {}),
    ...(options.guard ? { guard: options.guard as GuardRule } : {}),
    ...(options.refit === false ? { refit: false } : {}),
    ...(options.datasetsDir ? { datasetsDir: options.datasetsDir } : {}),
    ...(options.name ? { version: options.name } : {}),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  if (options.json) process.stdout.write(`${JSON.stringify(manifest)}\n`);
  else {
    process.stdout.write(`saved version ${manifest.version} to ${options.out}: shared (${manifest.strategy}) + ${Object.keys(manifest.single).length} single-task models; Δm ${manifest.delta_m >= 0 ? '+' : ''}${manifest.delta_m.toFixed(2)}%\n`);
    for (const task of TASK_NAMES) {
      const v = manifest.validation[task] as BundleManifest['validation'][TaskName] | undefined;
      if (!v) continue;
      const metric = headlineMetric(task);
      const s = (m: object) => `${metric.label} ${headlineValue(task, m).toFixed(3)}`;
      const g = manifest.guard?.tasks[task];
      const blend = g?.blend && g.blend.worse.length > 1 ? `; the blend vs that choice ${signedPct(g.blend.mean)} ± ${(100 * g.blend.sd).toFixed(1)} %` : '';
      const weighed = g && g.worse.length > 1 ? ` (loss of sharing over ${g.worse.length} splits ${signedPct(g.mean)} ± ${(100 * g.sd).toFixed(1)} %${blend})` : '';
      process.stdout.write(`  ${task.padEnd(12)} shared ${s(v.shared)}  single ${s(v.single)}${v.blend ? `  blend ${s(v.blend)}` : ''}  persistence ${s(v.persistence)}  served by ${manifest.served_by[task] ?? '?'}${weighed}\n`);
    }
    if (manifest.refit) process.stdout.write(`the saved models were then trained again on every window (${Object.entries(manifest.refit.tasks).map(([t, r]) => `${t} ${r.windows}`).join(', ')}); the scores above are the split's\n`);
    process.stdout.write(`serve it: headstream models import ${options.out}, then headstream models promote ${manifest.version}\n`);
  }
  return manifest;
}

async function trainFromDb(options: TrainCommandOptions, config: CliConfig): Promise<TrainFromDatabaseResult> {
  const strategy = strategyOf(options);
  const regime = (options.regime ?? 'joint') as Regime;
  if (regime !== 'joint' && regime !== 'sequential') throw new UsageError(`unknown --regime "${options.regime}"; valid: joint, sequential`);
  const tasks = parseTasks(options.tasks);
  const bindingsPath = options.bindings ?? config.bindingsFile;
  let bindings;
  try {
    bindings = bindingsPath ? await loadBindings(bindingsPath) : undefined;
  } catch (error) {
    if (error instanceof BindingsError) throw new UsageError(error.message);
    throw error;
  }
  const db = await open(config, options.dataDir, 'headstream-train');
  try {
    await requireCurrentSchema(db);
    const mode = options.quick ? 'quick' : 'full';
    const progress = trainingProgress();
    let result: TrainFromDatabaseResult;
    try {
      result = await trainFromDatabase({
        db,
        strategy,
        regime,
        mode,
        seed: options.seed ?? 1,
        tolerance: config.guardTolerance,
        log: (line) => progress.log(line),
        onEpoch: (p) => progress.epoch(p),
        onPlan: (p) => progress.plan(p.totalEpochs),
        ...(tasks ? { tasks } : {}),
        ...(bindings ? { bindings } : {}),
        ...(options.name ? { version: options.name } : {}),
        ...(options.epochs !== undefined ? { epochs: options.epochs } : {}),
        ...(options.promote === false ? { promotion: 'never' as const } : {}),
      });
    } catch (error) {
      if (error instanceof TrainingInputError) throw new UsageError(error.message);
      throw error;
    } finally {
      progress.stop();
    }
    if (options.json) process.stdout.write(`${JSON.stringify(result.report)}\n`);
    else {
      const details = await getVersion(db, result.report.version);
      if (details) process.stdout.write(`${showVersion(details)}\n`);
    }
    return result;
  } finally {
    await db.close();
  }
}
