import { inputOf, taskModule, tasksOfInput, type SplitPlan, type TaskName } from '@headstream/tasks';
import { prepareInput, prepareTask, type PreparedTask, type SplitSizes } from '@headstream/training';
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

/**
 * The tasks prepared per input, as training prepares them: tasks that read one input (the registry's; they
 * agree on its data set, protocol split and folds) share one window set whose windows carry each task's
 * labels, built once; a task alone on its input is prepared alone. `planOf` gives each task's split (one plan
 * for the tasks of an input: the first task's).
 */
export function prepareByInput(frames: Partial<AllFrames>, tasks: readonly TaskName[], planOf: (task: TaskName) => SplitPlan, sizes: SplitSizes): Record<TaskName, TaskSplit> {
  const out = {} as Record<TaskName, TaskSplit>;
  for (const t of tasks) {
    if (out[t]) continue;
    const group = tasksOfInput(inputOf(t)).filter((x) => tasks.includes(x));
    const own = frames[t];
    if (!own) throw new Error(`no frames of ${t}`);
    const plan = planOf(t);
    for (const p of prepareInput(own, group.map((x) => PROTOCOL_TASKS[x]), plan, sizes)) out[p.task] = { ...p, describe: plan.describe };
  }
  return out;
}

/** Every task of `tasks` (default: every registered task) split by its protocol, prepared per input. */
export function splitAll(frames: AllFrames, holdouts: Holdouts, sizes: SplitSizes, tasks: readonly TaskName[] = TASK_ORDER): Record<TaskName, TaskSplit> {
  return prepareByInput(frames, tasks, (t) => taskModule(t).protocol.split(frames[t], holdouts[t]), sizes);
}
