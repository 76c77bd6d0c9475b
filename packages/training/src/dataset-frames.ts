import { TASK_MODULES, TASKS, type TaskName } from '@headstream/tasks';
import { getLoader, GROUND_TRUTH_PREFIX, labelAsNumber, readDataset, type LoadOptions } from '@headstream/datasets';
import { alignTime, resample, type SeriesFrame, type TimedValue } from '@headstream/features';
import { recipeFor, type TaskRecipe } from '@headstream/tasks';

/** The shared data set each task's file-based protocol reads (and the format `headstream evaluate` takes): its module's. */
export const TASK_DATASETS: Readonly<Record<TaskName, string>> = Object.freeze(Object.fromEntries(TASK_MODULES.map((m) => [m.definition.name, m.dataset])) as Record<TaskName, string>);

/** Per-site frames of one task's data (a data set, a user's file, or the database), plus per-site facts. */
export interface TaskFrames {
  task: TaskName;
  recipe: TaskRecipe;
  /** Sources (and the label metric) the data carries; the rest of the recipe's are unbound. */
  bound: string[];
  frames: Record<string, SeriesFrame>;
  /** Site → class index of the run's fault type (SKAB only: `gt_fault_type`). */
  runType: Record<string, number>;
  /** The sites' local time zone for calendar channels (the data set's, or the bindings' `time_zone`); default UTC. */
  timeZone?: string;
}

/** One record of a task's data set as it travels as a reading: metric values plus `gt_<label>` numbers. */
export interface TaskRecord {
  site: string;
  time: number;
  values: Record<string, number>;
}

/** A task's data-set records with labels encoded as replay's --ground-truth sends them (`gt_fault` = class index). */
export async function* taskRecords(task: TaskName, options: LoadOptions = {}): AsyncGenerator<TaskRecord> {
  for await (const record of readDataset(TASK_DATASETS[task], options)) {
    const values: Record<string, number> = { ...record.values };
    for (const [name, value] of Object.entries(record.labels ?? {})) {
      const n = labelAsNumber(name, value);
      if (n !== undefined) values[`${GROUND_TRUTH_PREFIX}${name}`] = n;
    }
    yield { site: record.site, time: record.time, values };
  }
}

/**
 * Reads a task's data set (or a user's file in the same loader format: `path`) into per-site frames at
 * the task's interval: the same channels, names and label encoding as readings replayed into the
 * database, so file and database training build the same windows.
 */
export async function loadTaskFrames(task: TaskName, options: LoadOptions = {}, intervalMs?: number): Promise<TaskFrames> {
  const bySite = new Map<string, TaskRecord[]>();
  for await (const record of taskRecords(task, options)) {
    let list = bySite.get(record.site);
    if (!list) bySite.set(record.site, (list = []));
    list.push(record);
  }
  if (bySite.size === 0) throw new Error(`no ${TASK_DATASETS[task]} records found`);
  const zone = getLoader(TASK_DATASETS[task]).timeZone;
  return { ...framesFromRecords(task, bySite, intervalMs), ...(zone ? { timeZone: zone } : {}) };
}

/** Task frames from per-site records (a data set, or rows read back from the database). */
export function framesFromRecords(task: TaskName, bySite: ReadonlyMap<string, readonly TaskRecord[]>, intervalMs?: number): TaskFrames {
  const recipe = recipeFor(task);
  const seen = new Set<string>();
  const runType: Record<string, number> = {};
  for (const [site, rows] of bySite) {
    for (const r of rows) {
      for (const k of Object.keys(r.values)) seen.add(k);
      const type = r.values[`${GROUND_TRUTH_PREFIX}fault_type`];
      if (type !== undefined) runType[site] = type;
    }
  }
  const bound = [...recipe.sources.filter((s) => seen.has(s)), ...(recipe.label && seen.has(recipe.label) ? [recipe.label] : [])];
  const channels = [...new Set(bound)];
  const interval = intervalMs ?? defaultInterval(task);
  const frames: Record<string, SeriesFrame> = {};
  for (const [site, rows] of [...bySite.entries()].sort((a, b) => a[0].localeCompare(b[0]))) frames[site] = toFrame(rows, channels, interval);
  return { task, recipe, bound, frames, runType };
}

function defaultInterval(task: TaskName): number {
  return TASKS[task].intervalMs;
}

/** Bucket means on the epoch-aligned grid from the first to the last record (NaN = no reading): features' resample, as serving. */
export function toFrame(rows: readonly { time: number; values: Record<string, number> }[], channels: readonly string[], intervalMs: number): SeriesFrame {
  let first = Infinity;
  let last = -Infinity;
  for (const r of rows) {
    first = Math.min(first, r.time);
    last = Math.max(last, r.time);
  }
  const start = alignTime(first, intervalMs);
  const length = Math.floor((last - start) / intervalMs) + 1;
  const points = channels.map(() => [] as TimedValue[]);
  for (const r of rows) {
    channels.forEach((c, k) => {
      const v = r.values[c];
      if (typeof v === 'number') points[k]?.push({ time: r.time, value: v });
    });
  }
  return { start, intervalMs, length, channels: [...channels], values: points.map((p) => resample(p, start, intervalMs, length)) };
}
