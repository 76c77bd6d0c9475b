import type { TaskName } from '@headstream/tasks';
import { buildWindows, type SeriesFrame } from '@headstream/features';
import type { Regime, StrategyName, TrainingEvent } from '@headstream/model';
import type { SqlClient } from '@headstream/store';
import { resolveBindings, type Bindings, type RecipeInfo } from './bindings.js';
import type { TaskFrames } from './dataset-frames.js';
import { scoreTask } from './evaluation.js';
import { decide, DEFAULT_GUARD_TOLERANCE } from './guard.js';
import { listSeries, readSiteFrames } from './history.js';
import { chooseBackend, MIN_CALENDAR_DAYS, prepareTask, settingsFor, timeSplit, trainEndOf, trainVersion, type PreparedTask, type TrainingMode } from './job.js';
import { RECIPES, taskDefinition, TASK_ORDER } from './recipes.js';
import { activeVersion, loadArtifact, promote, rejectVersion, saveVersion, telemetryRows, type TelemetryRow } from './registry.js';
import { SHARED_ARTIFACT, singleArtifact, type MetricsJSON, type ServedBy, type TaskBindingReport, type TaskReport, type VersionReport } from './report.js';
import { concatSets, labelled, thin, withChannels } from './windows.js';

/** A user's mistake or missing data (no history, unknown task): the CLI prints the one line and exits 2. */
export class TrainingInputError extends Error {}

/** Share of each task's history (the latest part) that validates. */
export const VALIDATION_FRACTION = 0.2;
/** The fewest windows a task needs on each side of the split to be trained and judged. */
export const MIN_WINDOWS = { train: 64, validation: 16 } as const;

export interface TrainFromDatabaseOptions {
  db: SqlClient;
  tasks?: readonly TaskName[];
  strategy?: StrategyName;
  regime?: Regime;
  mode?: TrainingMode;
  seed?: number;
  /** The guard's relative tolerance (default 0.02). */
  tolerance?: number;
  bindings?: Bindings;
  /** Version name (default: a UTC timestamp). */
  version?: string;
  /** Replaces the mode's epochs (tests; a deliberately bad candidate). */
  epochs?: number;
  /** guard: promote when the guard says so (default); never: only record the version. */
  promotion?: 'guard' | 'never';
  /** The TensorFlow.js backend already chosen (default: chooseBackend picks the fastest that works). */
  backend?: string;
  log?: (line: string) => void;
  /** Training progress: the model being trained, its epoch and the epochs of its phase. */
  onEpoch?: (progress: { model: string; epoch: number; epochs: number; losses: Record<string, number> }) => void;
  /** Once the tasks are known: the models to train and their epochs in all (for a progress bar's ETA). */
  onPlan?: (plan: { models: string[]; totalEpochs: number }) => void;
}

export interface TrainFromDatabaseResult {
  report: VersionReport;
  promoted: boolean;
}

const hours = (ms: number) => (ms >= 3_600_000 ? `${(ms / 3_600_000).toFixed(ms % 3_600_000 ? 1 : 0)} h` : ms >= 60_000 ? `${(ms / 60_000).toFixed(0)} min` : `${(ms / 1000).toFixed(0)} s`);

/** Recipes as the bindings see them. */
export function recipeInfos(): RecipeInfo[] {
  return RECIPES.map((r) => ({ name: r.name, task: r.task, domain: r.domain, sources: [...r.sources], required: [...r.required], ...(r.label ? { label: r.label } : {}) }));
}

/** The newest UTC time as a version name, e.g. v20261129T221500Z. */
export function versionName(now = new Date()): string {
  return `v${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}`;
}

/**
 * `headstream train --from-db`: reads each bound task's history from the readings table at the task's
 * interval, splits it by time, trains the shared model and each task's single-task model with the same
 * budget, scores them against persistence and seasonal naive (and the active version on the same
 * windows), lets the guard decide, and writes the version, its artifacts and its telemetry in one go.
 */
export async function trainFromDatabase(options: TrainFromDatabaseOptions): Promise<TrainFromDatabaseResult> {
  const log = options.log ?? (() => {});
  const mode = options.mode ?? 'full';
  const strategy = options.strategy ?? 'equal';
  const regime = options.regime ?? 'joint';
  const seed = options.seed ?? 1;
  const settings = settingsFor(mode);
  const wanted = new Set(options.tasks ?? TASK_ORDER);
  const db = options.db;

  const catalogue = await listSeries(db);
  if (catalogue.length === 0) throw new TrainingInputError('the database holds no readings: ingest some first (headstream simulate, headstream replay)');
  const { resolved, skipped: unbound } = resolveBindings(catalogue, recipeInfos(), options.bindings);
  const skipped: VersionReport['skipped'] = unbound.filter((s) => wanted.has(s.task));
  const prepared: PreparedTask[] = [];
  const bindings = new Map<TaskName, TaskBindingReport>();
  for (const task of TASK_ORDER) {
    if (!wanted.has(task)) continue;
    const binding = resolved.find((b) => b.task === task);
    if (!binding) continue;
    const definition = taskDefinition(task);
    const recipe = RECIPES.find((r) => r.name === binding.recipe);
    if (!recipe) throw new Error(`bindings chose unknown recipe ${binding.recipe}`);
    const metrics: Record<string, string> = { ...binding.metrics, ...(recipe.label && binding.label ? { [recipe.label]: binding.label } : {}) };
    const frames = await readSiteFrames(db, { domain: binding.domain, sites: binding.sites, metrics, intervalMs: definition.intervalMs, useRollups: true });
    const entry = options.bindings?.tasks[task];
    const timeZone = entry ? entry.time_zone : undefined;
    const taskFrames: TaskFrames = { task, recipe, bound: Object.keys(metrics), frames: frames, runType: {}, ...(timeZone ? { timeZone } : {}) };
    const need = historyNeeded(definition.intervalMs, definition.kind === 'regression' ? Math.max(...definition.horizons) : 0);
    const have = Math.max(0, ...Object.values(frames).map((f) => f.length));
    const target = definition.kind === 'regression' ? definition.target : (recipe.label ?? 'label');
    if (have < need.steps) {
      skipped.push({ task, reason: `${task}: needs at least ${need.steps} steps (${hours(need.steps * definition.intervalMs)}) of ${target} history at ${hours(definition.intervalMs)}; the longest site has ${have} (${hours(have * definition.intervalMs)})` });
      continue;
    }
    const p = prepareTask(taskFrames, definition, timeSplit(taskFrames, VALIDATION_FRACTION), settings.sizes);
    if (p.train.n < MIN_WINDOWS.train || p.validation.n < MIN_WINDOWS.validation) {
      skipped.push({ task, reason: `${task}: only ${p.train.n} training and ${p.validation.n} validation windows with labels (needs ${MIN_WINDOWS.train} and ${MIN_WINDOWS.validation}): more ${target} history is needed` });
      continue;
    }
    bindings.set(task, { recipe: recipe.name, domain: binding.domain, sites: binding.sites, metrics });
    log(`[train] ${task}: ${binding.sites.length} site(s) via recipe ${recipe.name}; ${p.train.n} training / ${p.validation.n} validation windows (${p.plan.describe})`);
    if (recipe.calendar && !p.spec.calendar) log(`[train] ${task}: no calendar channels (the training part spans under ${MIN_CALENDAR_DAYS} days)`);
    prepared.push(p);
  }
  for (const s of skipped) log(`[train] skipped ${s.reason}`);
  if (prepared.length === 0) throw new TrainingInputError(`no task can be trained: ${skipped.map((s) => s.reason).join('; ') || 'none was asked for'}`);

  // The backend the caller chose (the CLI, the trainer), or the fastest that works here.
  const backend = options.backend ?? (await chooseBackend(log));
  const version = options.version ?? versionName();
  const epochs = options.epochs ?? settings.epochs;
  options.onPlan?.({ models: [SHARED_ARTIFACT, ...prepared.map((p) => singleArtifact(p.task))], totalEpochs: epochs * ((regime === 'joint' ? 1 : prepared.length) + prepared.length) });
  const telemetry: { model: string; rows: TelemetryRow[] }[] = [];
  const onEvent = (model: string, event: TrainingEvent) => {
    let entry = telemetry.find((t) => t.model === model);
    if (!entry) telemetry.push((entry = { model, rows: [] }));
    entry.rows.push(...telemetryRows(event));
    if (event.type === 'epoch') options.onEpoch?.({ model, epoch: event.epoch, epochs, losses: event.losses });
  };
  const trained = trainVersion(prepared, { mode, strategy, regime, seed, onEvent, ...(options.epochs !== undefined ? { epochs: options.epochs } : {}), onModel: (m, s) => log(`[train] ${m}: ${s.toFixed(1)} s`) });
  try {
    const active = await activeVersion(db);
    const activeScores = active ? await scoreActive(db, active.version, (active.serving ?? {}), prepared, settings.sizes.maxValidation) : {};
    const inputs = prepared.map((p) => {
      const r = trained.reports[p.task] as Omit<TaskReport, 'active' | 'served_by'>;
      return { ...r, active: activeScores[p.task] ?? null };
    });
    const decision = decide(inputs, { tolerance: options.tolerance ?? DEFAULT_GUARD_TOLERANCE, activeVersion: active?.version ?? null, activeTasks: (active?.tasks ?? []) });
    const taskReports: VersionReport['task_reports'] = {};
    let servedDelta = 0;
    for (const r of inputs) {
      const servedBy = decision.serving[r.task] ?? 'shared';
      taskReports[r.task] = { ...r, served_by: servedBy, ...(bindings.has(r.task) ? { binding: bindings.get(r.task) } : {}) };
      servedDelta += servedBy === 'shared' ? r.delta_pct : 0;
    }
    const report: VersionReport = {
      version,
      created_at: new Date().toISOString(),
      mode,
      strategy,
      regime,
      seed,
      backend,
      tasks: prepared.map((p) => p.task),
      skipped,
      task_reports: taskReports,
      delta_m: trained.deltaM,
      delta_m_served: servedDelta / prepared.length,
      compute: trained.compute,
      decision,
    };
    const info = (tasks: readonly PreparedTask[], name: string) => ({
      version,
      features: Object.fromEntries(tasks.map((p) => [p.task, { spec: p.spec, scalers: p.scalers }])),
      strategy: { name },
      regime,
      metrics: Object.fromEntries(tasks.map((p) => [p.task, (name === strategy ? trained.scores.shared : trained.scores.single)[p.task]?.metrics])),
      backend,
    });
    await saveVersion(db, {
      report,
      artifacts: [
        { name: SHARED_ARTIFACT, model: trained.shared, info: info(prepared, strategy) },
        ...prepared.map((p) => ({ name: singleArtifact(p.task), model: trained.singles[p.task] as NonNullable<(typeof trained.singles)[TaskName]>, info: info([p], 'equal') })),
      ],
      telemetry,
    });
    let promoted = false;
    if (decision.promote && (options.promotion ?? 'guard') === 'guard') {
      await promote(db, version, { reason: 'guard: every task beats persistence and the active version', actor: 'guard' });
      promoted = true;
    } else if (!decision.promote) {
      // The decision holds every reason; the rejection names the tasks that failed.
      const refused = [...new Set(decision.reasons.filter((r) => r.includes('REFUSED')).map((r) => r.split(':')[0]))];
      await rejectVersion(db, version, `the guard refused it: ${refused.join(', ') || 'no task'} (see the decision's reasons)`.slice(0, 200));
    }
    return { report, promoted };
  } finally {
    trained.shared.dispose();
    for (const m of Object.values(trained.singles)) m?.dispose();
  }
}

/** Steps of history a task needs: the lookback, the farthest horizon and enough windows on each side of the time split. */
function historyNeeded(_intervalMs: number, maxHorizon: number): { steps: number } {
  const validation = MIN_WINDOWS.validation + maxHorizon;
  return { steps: Math.ceil(Math.max(24 + MIN_WINDOWS.train + maxHorizon + validation, validation / VALIDATION_FRACTION)) };
}

/**
 * The active version's served model of each task, rescored on the candidate's validation windows: the
 * same sites and issue times, built with the active model's own saved spec and scalers.
 */
async function scoreActive(db: SqlClient, version: string, serving: Partial<Record<TaskName, ServedBy>>, tasks: readonly PreparedTask[], maxValidation: number): Promise<Partial<Record<TaskName, TaskReport['active']>>> {
  const out: Partial<Record<TaskName, TaskReport['active']>> = {};
  for (const p of tasks) {
    const servedBy = serving[p.task];
    if (!servedBy) continue;
    const { model, metadata } = await loadArtifact(db, version, servedBy === 'shared' ? SHARED_ARTIFACT : singleArtifact(p.task));
    try {
      const saved = metadata.features[p.task];
      if (!saved) continue;
      const issue = new Set(p.validation.issueTimes);
      const sets = p.plan.validationSites.map((site) => {
        const full = withChannels(p.frames.frames[site] as SeriesFrame, saved.spec.sources);
        return buildWindows(full, saved.spec, saved.scalers, { from: trainEndOf(p.plan, site) });
      });
      // The candidate's windows (same sites, same issue times; a window is one site's at one time).
      const sitesOf = p.validation.site;
      const keepRows = new Set<string>();
      p.validation.issueTimes.forEach((t, i) => keepRows.add(`${sitesOf[i] ?? 0}@${t}`));
      const joined = concatSets(sets, (set, i) => labelled(set, i) && issue.has(set.issueTimes[i] ?? NaN) && keepRows.has(`${sets.indexOf(set)}@${set.issueTimes[i]}`));
      const set = thin(joined, maxValidation);
      const metrics: MetricsJSON = scoreTask(model, p.task, set, saved.spec, saved.scalers).metrics;
      out[p.task] = { version, served_by: servedBy, metrics };
    } finally {
      model.dispose();
    }
  }
  return out;
}
