import { inputOf, type TaskName } from '@headstream/tasks';
import { buildWindows, type SeriesFrame } from '@headstream/features';
import type { Regime, StrategyName, TrainingEvent } from '@headstream/model';
import type { SqlClient } from '@headstream/store';
import { resolveBindings, type Bindings, type RecipeInfo } from './bindings.js';
import type { TaskFrames } from './dataset-frames.js';
import { scoreTask } from './evaluation.js';
import { chooseBackend } from '@headstream/model';
import { DEFAULT_GUARD_TOLERANCE } from './guard.js';
import { versionArtifacts, versionReport } from './version.js';
import { activeVersion, listSeries, loadServed, promote, readSiteFrames, rejectVersion, saveVersion, SHARED_ARTIFACT, singleArtifact, telemetryRows, type MetricsJSON, type ServedBy, type TaskBindingReport, type TaskReport, type TelemetryRow, type VersionReport } from '@headstream/registry';
import { affinityEvery, disposeModels, labelledFor, MIN_CALENDAR_DAYS, prepareInput, settingsFor, timeSplit, trainEndOf, trainVersion, type PreparedTask, type TrainingMode } from './job.js';
import { RECIPES, taskDefinition, TASK_ORDER } from '@headstream/tasks';
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
  // The wanted and bound tasks by the input they read, in head order: tasks of one input train on one window set.
  const groups = new Map<string, TaskName[]>();
  for (const task of TASK_ORDER) {
    if (!wanted.has(task) || !resolved.some((b) => b.task === task)) continue;
    const input = inputOf(task);
    groups.set(input, [...(groups.get(input) ?? []), task]);
  }
  for (const [input, group] of groups) {
    const parts = group.map((task) => {
      const binding = resolved.find((b) => b.task === task) as (typeof resolved)[number];
      const recipe = RECIPES.find((r) => r.name === binding.recipe && r.task === task);
      if (!recipe) throw new Error(`bindings chose unknown recipe ${binding.recipe} for ${task}`);
      const metrics: Record<string, string> = { ...binding.metrics, ...(recipe.label && binding.label ? { [recipe.label]: binding.label } : {}) };
      return { task, binding, recipe, metrics, definition: taskDefinition(task) };
    });
    const first = parts[0] as (typeof parts)[number];
    // One binding for the input: one domain, the union of the tasks' sites and metrics.
    const domains = [...new Set(parts.map((p) => p.binding.domain))];
    if (domains.length > 1) throw new TrainingInputError(`${group.join(' and ')} read input ${input} but are bound to domains ${domains.join(' and ')}: bind them to one`);
    const metrics: Record<string, string> = {};
    for (const p of parts) {
      for (const [source, metric] of Object.entries(p.metrics)) {
        if (metrics[source] !== undefined && metrics[source] !== metric) throw new TrainingInputError(`${group.join(' and ')} read input ${input} but bind its source ${source} to metrics ${metrics[source]} and ${metric}: bind it alike`);
        metrics[source] = metric;
      }
    }
    const sites = [...new Set(parts.flatMap((p) => p.binding.sites))];
    const domain = first.binding.domain;
    const intervalMs = first.definition.intervalMs;
    const frames = await readSiteFrames(db, { domain, sites, metrics, intervalMs, useRollups: true });
    const timeZone = parts.map((p) => options.bindings?.tasks[p.task]).flatMap((e) => (e && e.time_zone ? [e.time_zone] : []))[0];
    const taskFrames: TaskFrames = { task: first.task, recipe: first.recipe, bound: Object.keys(metrics), frames, runType: {}, ...(timeZone ? { timeZone } : {}) };
    const have = Math.max(0, ...Object.values(frames).map((f) => f.length));
    const targetOf = (p: (typeof parts)[number]) => (p.definition.kind === 'regression' ? p.definition.target : (p.recipe.label ?? 'label'));
    let live = parts.filter((p) => {
      const need = historyNeeded(intervalMs, p.definition.kind === 'regression' ? Math.max(...p.definition.horizons) : 0);
      if (have >= need.steps) return true;
      skipped.push({ task: p.task, reason: `${p.task}: needs at least ${need.steps} steps (${hours(need.steps * intervalMs)}) of ${targetOf(p)} history at ${hours(intervalMs)}; the longest site has ${have} (${hours(have * intervalMs)})` });
      return false;
    });
    // A task with too few labelled windows leaves the input's window set; the others are prepared again without it.
    let ready: PreparedTask[] = [];
    while (live.length > 0) {
      const p = prepareInput({ ...taskFrames, task: (live[0] as (typeof parts)[number]).task, recipe: (live[0] as (typeof parts)[number]).recipe }, live.map((x) => x.definition), timeSplit(taskFrames, VALIDATION_FRACTION), settings.sizes);
      const short = live.filter((x, i) => {
        const q = p[i] as PreparedTask;
        const [train, validation] = [labelledFor(q.train, x.task), labelledFor(q.validation, x.task)];
        if (train >= MIN_WINDOWS.train && validation >= MIN_WINDOWS.validation) return false;
        skipped.push({ task: x.task, reason: `${x.task}: only ${train} training and ${validation} validation windows with labels (needs ${MIN_WINDOWS.train} and ${MIN_WINDOWS.validation}): more ${targetOf(x)} history is needed` });
        return true;
      });
      if (short.length === 0) {
        ready = p;
        break;
      }
      live = live.filter((x) => !short.includes(x));
    }
    for (const [i, p] of ready.entries()) {
      const part = live[i] as (typeof parts)[number];
      bindings.set(p.task, { recipe: part.recipe.name, domain, sites, metrics });
      log(`[train] ${p.task}: ${sites.length} site(s) via recipe ${part.recipe.name}${ready.length > 1 ? ` on input ${input} (shared with ${ready.filter((q) => q !== p).map((q) => q.task).join(', ')})` : ''}; ${labelledFor(p.train, p.task)} training / ${labelledFor(p.validation, p.task)} validation windows (${p.plan.describe})`);
      if (part.recipe.calendar && !p.spec.calendar) log(`[train] ${p.task}: no calendar channels (the training part spans under ${MIN_CALENDAR_DAYS} days)`);
      prepared.push(p);
    }
  }
  // Head order (groups are in the order of their first task).
  prepared.sort((a, b) => TASK_ORDER.indexOf(a.task) - TASK_ORDER.indexOf(b.task));
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
  const trained = trainVersion(prepared, { mode, strategy, regime, seed, onEvent, affinityEvery: affinityEvery(settings), ...(options.epochs !== undefined ? { epochs: options.epochs } : {}), onModel: (m, s) => log(`[train] ${m}: ${s.toFixed(1)} s`) });
  try {
    const active = await activeVersion(db);
    const activeScores = active ? await scoreActive(db, active.version, (active.serving ?? {}), prepared, settings.sizes.maxValidation) : {};
    const meta = { version, mode, strategy, regime, seed, backend };
    const report = versionReport(trained, prepared, meta, {
      active: active ? { version: active.version, tasks: active.tasks, scores: activeScores } : undefined,
      tolerance: options.tolerance ?? DEFAULT_GUARD_TOLERANCE,
      skipped,
      bindings,
    });
    const decision = report.decision;
    await saveVersion(db, { report, artifacts: versionArtifacts(trained, prepared, meta), telemetry });
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
    disposeModels(trained);
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
    const served = await loadServed(db, version, p.task, servedBy);
    if (!served) continue;
    try {
      const issue = new Set(p.validation.issueTimes);
      const sets = p.plan.validationSites.map((site) => {
        const full = withChannels(p.frames.frames[site] as SeriesFrame, served.spec.sources);
        return buildWindows(full, served.spec, served.scalers, { from: trainEndOf(p.plan, site) });
      });
      // The candidate's windows (same sites, same issue times; a window is one site's at one time).
      const sitesOf = p.validation.site;
      const keepRows = new Set<string>();
      p.validation.issueTimes.forEach((t, i) => keepRows.add(`${sitesOf[i] ?? 0}@${t}`));
      const joined = concatSets(sets, (set, i) => labelled(set, i) && issue.has(set.issueTimes[i] ?? NaN) && keepRows.has(`${sets.indexOf(set)}@${set.issueTimes[i]}`));
      const set = thin(joined, maxValidation);
      const metrics: MetricsJSON = scoreTask(served.predictor, p.task, set, served.spec, served.scalers).metrics;
      out[p.task] = { version, served_by: servedBy, metrics };
    } finally {
      served.dispose();
    }
  }
  return out;
}
