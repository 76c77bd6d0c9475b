import { taskModule, type SplitPlan, type TaskName } from '@headstream/tasks';
import type { TaskFrames } from './protocols.js';

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
