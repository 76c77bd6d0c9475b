import type { TaskName } from '@headstream/core';
import { prepareTask, type PreparedTask, type SplitSizes } from '@headstream/training';
import { loadTaskFrames, PROTOCOL_TASKS, TASK_ORDER, type TaskFrames } from './protocols.js';

export type { SplitSizes } from '@headstream/training';

/** Beijing: the first three years train, the last year (2016-03-01 00:00 CST on) validates. */
export const AIR_SPLIT = Date.UTC(2016, 1, 29, 16);
/** Gas turbine: 2011–2013 train, 2014 validates (the data set's own protocol). */
export const TURBINE_SPLIT = Date.UTC(2014, 0, 1);
/** PeMS: the last this-many selected days of train.csv validate (time-ordered). */
export const PEMS_VALIDATION_DAYS = 5;
/** Sweep fold: the station held out of Beijing (an urban station; leave-one-station-out does all 11). */
export const DEFAULT_AIR_STATION = 'beijing-wanshouxigong';

export type AllFrames = Record<TaskName, TaskFrames>;

export interface Fold {
  /** Beijing station held out (validation), the other 10 train. */
  airStation: string;
  /** SKAB runs held out (validation), the rest train. */
  faultRuns: string[];
}

/** A task's protocol split: the prepared task (spec, scalers, windows) and a readable description. */
export type TaskSplit = PreparedTask & { describe: string };

export async function loadAllFrames(datasetsDir?: string): Promise<AllFrames> {
  const options = datasetsDir ? { datasetsDir } : {};
  const out = {} as AllFrames;
  for (const t of TASK_ORDER) out[t] = await loadTaskFrames(t, options);
  return out;
}

/**
 * SKAB fold for the strategy sweep: within each fault type (runs in numeric order), every 4th run from the
 * second is held out — valve1 1/5/9/13, valve2 1, other 2/6/10/14 — 9 of 34 runs, every fault type present.
 */
export function defaultFaultRuns(frames: TaskFrames): string[] {
  return faultRunsAt(frames, 1);
}

/** Within each fault type (runs in numeric order), the runs at position `offset` mod 4 (the rolling folds use 2, 3, 1). */
export function faultRunsAt(frames: TaskFrames, offset: number): string[] {
  const groups = new Map<number, string[]>();
  for (const site of Object.keys(frames.frames)) {
    const type = frames.runType[site] ?? 0;
    if (type === 0) continue;
    const g = groups.get(type) ?? [];
    g.push(site);
    groups.set(type, g);
  }
  const num = (s: string) => Number(/(\d+)$/.exec(s)?.[1] ?? 0);
  return [...groups.values()].flatMap((g) => g.sort((a, b) => num(a) - num(b)).filter((_, i) => i % 4 === offset)).sort();
}

export function defaultFold(frames: AllFrames): Fold {
  return { airStation: DEFAULT_AIR_STATION, faultRuns: defaultFaultRuns(frames.fault) };
}

/** Local (UTC−8: Jan–Feb 2016 is all PST) days that hold PeMS flow, as the epochs of their local midnights, in order. */
export function pemsDays(frames: TaskFrames): number[] {
  const frame = Object.values(frames.frames)[0];
  if (!frame) throw new Error('no PeMS frame');
  const flow = frame.values[frame.channels.indexOf('flow')] ?? new Float64Array();
  const offset = -8 * 3_600_000;
  const days = new Set<number>();
  for (let i = 0; i < frame.length; i++) if (Number.isFinite(flow[i])) days.add(Math.floor((frame.start + i * frame.intervalMs + offset) / 86_400_000));
  return [...days].sort((a, b) => a - b).map((d) => d * 86_400_000 - offset);
}

/** Start of the first of the last PEMS_VALIDATION_DAYS local days that hold PeMS data. */
function pemsSplit(frames: TaskFrames): number {
  const days = pemsDays(frames);
  return days[Math.max(0, days.length - PEMS_VALIDATION_DAYS)] ?? 0;
}

/** One task's training and validation windows under its protocol (scalers from the training part only). */
export function splitTask(task: TaskName, frames: TaskFrames, fold: Fold, sizes: SplitSizes): TaskSplit {
  const sites = Object.keys(frames.frames);
  let trainSites: string[];
  let valSites: string[];
  let trainEnd = Infinity;
  let describe: string;
  if (task === 'traffic') {
    trainSites = valSites = sites;
    trainEnd = pemsSplit(frames);
    describe = `train.csv days before ${new Date(trainEnd).toISOString().slice(0, 10)} train, the last ${PEMS_VALIDATION_DAYS} selected days validate`;
  } else if (task === 'throughput') {
    trainSites = valSites = sites;
    trainEnd = TURBINE_SPLIT;
    describe = 'gt_2011–gt_2013 train, gt_2014 validates';
  } else if (task === 'air_quality') {
    if (!sites.includes(fold.airStation)) throw new Error(`no Beijing station ${fold.airStation} (have ${sites.join(', ')})`);
    trainSites = sites.filter((s) => s !== fold.airStation);
    valSites = [fold.airStation];
    trainEnd = AIR_SPLIT;
    describe = `10 stations 2013-03…2016-02 train, ${fold.airStation} 2016-03…2017-02 validates`;
  } else {
    const missing = fold.faultRuns.filter((r) => !sites.includes(r));
    if (missing.length) throw new Error(`no SKAB run(s) ${missing.join(', ')}`);
    trainSites = sites.filter((s) => !fold.faultRuns.includes(s));
    valSites = [...fold.faultRuns];
    describe = `${trainSites.length} runs train, ${valSites.length} held-out runs validate (${valSites.join(', ')})`;
  }
  return { ...prepareTask(frames, PROTOCOL_TASKS[task], { trainSites, validationSites: valSites, trainEnd, describe }, sizes), describe };
}

export function splitAll(frames: AllFrames, fold: Fold, sizes: SplitSizes): Record<TaskName, TaskSplit> {
  const out = {} as Record<TaskName, TaskSplit>;
  for (const t of TASK_ORDER) out[t] = splitTask(t, frames[t], fold, sizes);
  return out;
}
