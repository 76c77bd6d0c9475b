import { taskModule, type SplitPlan, type TaskName } from '@headstream/tasks';
import { prepareTask, type SplitSizes } from '@headstream/training';
import { PROTOCOL_TASKS, type TaskFrames } from './protocols.js';
import type { TaskSplit } from './splits.js';

/**
 * Rolling-origin folds: each fold trains on what came before its origin (and, for the site-split tasks,
 * on other stations / runs) and validates on what comes next. The folds are ordered; the last one is the
 * latest period (or, for a task split by site, the protocol's held-out sites) and is scored only after every
 * modelling choice was made on the earlier ones: its gap to them estimates how much the choices were fitted
 * to them. Each task module defines its own (`protocol.folds`).
 */
export interface TaskFold {
  task: TaskName;
  /** Short name: "fold 2: 2013". */
  name: string;
  plan: SplitPlan;
}

/** The task's folds, oldest first. */
export function taskFolds(task: TaskName, frames: TaskFrames): TaskFold[] {
  return taskModule(task).protocol.folds(frames).map((f) => ({ task, name: f.name, plan: f.plan }));
}

/** A task's fold, prepared (scalers from the fold's training part only). */
export function prepareFold(frames: TaskFrames, fold: TaskFold, sizes: SplitSizes): TaskSplit {
  return { ...prepareTask(frames, PROTOCOL_TASKS[fold.task], fold.plan, sizes), describe: fold.plan.describe };
}
