import { taskModule, type TaskName } from '@headstream/tasks';
import { prepareTask, type PreparedTask, type SplitSizes } from '@headstream/training';
import { loadTaskFrames, PROTOCOL_TASKS, TASK_ORDER, type TaskFrames } from './protocols.js';

export type { SplitSizes } from '@headstream/training';

export type AllFrames = Record<TaskName, TaskFrames>;

/** Validation sites per task that splits by site (a Beijing station, SKAB runs); a task not named keeps its protocol's. */
export type Holdouts = Partial<Record<TaskName, readonly string[]>>;

/** A task's protocol split: the prepared task (spec, scalers, windows) and a readable description. */
export type TaskSplit = PreparedTask & { describe: string };

/** The frames of `tasks` (default: every registered task) from their shared data sets. */
export async function loadAllFrames(datasetsDir?: string, tasks: readonly TaskName[] = TASK_ORDER): Promise<AllFrames> {
  const options = datasetsDir ? { datasetsDir } : {};
  const out = {} as AllFrames;
  for (const t of tasks) out[t] = await loadTaskFrames(t, options);
  return out;
}

/** One task's training and validation windows under its module's protocol (scalers from the training part only). */
export function splitTask(task: TaskName, frames: TaskFrames, holdout: readonly string[] | undefined, sizes: SplitSizes): TaskSplit {
  const plan = taskModule(task).protocol.split(frames, holdout);
  return { ...prepareTask(frames, PROTOCOL_TASKS[task], plan, sizes), describe: plan.describe };
}

/** Every task of `tasks` (default: every registered task) split by its protocol. */
export function splitAll(frames: AllFrames, holdouts: Holdouts, sizes: SplitSizes, tasks: readonly TaskName[] = TASK_ORDER): Record<TaskName, TaskSplit> {
  const out = {} as Record<TaskName, TaskSplit>;
  for (const t of tasks) out[t] = splitTask(t, frames[t], holdouts[t], sizes);
  return out;
}
