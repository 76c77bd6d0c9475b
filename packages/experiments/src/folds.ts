import type { TaskName } from '@headstream/core';
import { prepareTask, type SplitPlan, type SplitSizes } from '@headstream/training';
import { PROTOCOL_TASKS, type TaskFrames } from './protocols.js';
import { faultRunsAt, pemsDays, type TaskSplit } from './splits.js';

/**
 * Rolling-origin folds: each fold trains on what came before its origin (and, for the site-split tasks,
 * on other stations / runs) and validates on what comes next. The folds are ordered; the last one is the
 * latest period (or, for SKAB, the protocol's held-out runs) and is scored only after every modelling
 * choice was made on the earlier ones: its gap to them estimates how much the choices were fitted to them.
 */
export interface TaskFold {
  task: TaskName;
  /** Short name: "fold 2: 2013". */
  name: string;
  plan: SplitPlan;
}

/** PeMS: blocks of this many selected days validate; everything before a block trains. */
export const PEMS_FOLD_DAYS = 5;
/** Folds per task (the last is the forward check). */
export const FOLD_COUNT = 3;

const DAY = 86_400_000;
const iso = (t: number) => new Date(t).toISOString().slice(0, 10);

/** Beijing: the held-out station and the year it validates (training: the other stations, every hour before). */
export const AIR_FOLDS: readonly { station: string; from: number; to: number }[] = [
  { station: 'beijing-dingling', from: Date.UTC(2014, 1, 28, 16), to: Date.UTC(2015, 1, 28, 16) },
  { station: 'beijing-guanyuan', from: Date.UTC(2015, 1, 28, 16), to: Date.UTC(2016, 1, 29, 16) },
  { station: 'beijing-wanshouxigong', from: Date.UTC(2016, 1, 29, 16), to: Date.UTC(2017, 1, 28, 16) },
];

/** Gas turbine: each year validates, trained on the years before it. */
export const TURBINE_FOLDS: readonly number[] = [2012, 2013, 2014];

/** SKAB: within each fault type (runs in numeric order) the runs at these positions mod 4 are held out; the last is the protocol's fold. */
export const SKAB_FOLD_OFFSETS: readonly number[] = [2, 3, 1];

/** The task's folds, oldest first. */
export function taskFolds(task: TaskName, frames: TaskFrames): TaskFold[] {
  const sites = Object.keys(frames.frames);
  if (task === 'traffic') {
    const days = pemsDays(frames);
    const folds: TaskFold[] = [];
    for (let k = FOLD_COUNT; k >= 1; k--) {
      const first = days.length - k * PEMS_FOLD_DAYS;
      if (first < PEMS_FOLD_DAYS) continue;
      const from = days[first] ?? 0;
      const last = days[first + PEMS_FOLD_DAYS - 1] ?? from;
      const to = last + DAY;
      folds.push({ task, name: `${iso(from)}…${iso(last)}`, plan: { trainSites: sites, validationSites: sites, trainEnd: from, validationEnd: to, describe: `days before ${iso(from)} train, ${PEMS_FOLD_DAYS} selected days ${iso(from)}…${iso(last)} validate` } });
    }
    return folds;
  }
  if (task === 'air_quality') {
    return AIR_FOLDS.filter((f) => sites.includes(f.station)).map((f) => ({
      task,
      name: `${f.station.replace('beijing-', '')} ${iso(f.from + DAY).slice(0, 7)}…${iso(f.to).slice(0, 7)}`,
      plan: { trainSites: sites.filter((s) => s !== f.station), validationSites: [f.station], trainEnd: f.from, validationEnd: f.to, describe: `the other stations before ${iso(f.from + DAY)} train, ${f.station} for the next year validates` },
    }));
  }
  if (task === 'throughput') {
    return TURBINE_FOLDS.map((year) => {
      const from = Date.UTC(year, 0, 1);
      return { task, name: String(year), plan: { trainSites: sites, validationSites: sites, trainEnd: from, validationEnd: Date.UTC(year + 1, 0, 1), describe: `years before ${year} train, ${year} validates` } };
    });
  }
  return SKAB_FOLD_OFFSETS.map((offset, k) => {
    const held = faultRunsAt(frames, offset);
    return {
      task,
      name: `runs ${offset} mod 4`,
      plan: { trainSites: sites.filter((s) => !held.includes(s)), validationSites: held, trainEnd: Infinity, describe: `fold ${k + 1}: ${sites.length - held.length} runs train, ${held.length} validate (${held.join(', ')})` },
    };
  });
}

/** A task's fold, prepared (scalers from the fold's training part only). */
export function prepareFold(frames: TaskFrames, fold: TaskFold, sizes: SplitSizes): TaskSplit {
  return { ...prepareTask(frames, PROTOCOL_TASKS[fold.task], fold.plan, sizes), describe: fold.plan.describe };
}
