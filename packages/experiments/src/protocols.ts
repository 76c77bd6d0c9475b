import type { TaskDefinition } from '@headstream/core';
import type { FeatureSpec } from '@headstream/features';
import { TASK_NAMES, type TaskName } from '@headstream/tasks';
import { protocolDefinition, recipeFor, recipeSpec } from '@headstream/training';

// The production model definition (recipes, derived channels, target transforms, the window builder and
// the data-set readers) lives in @headstream/tasks and @headstream/training; the experiments only run the
// protocols the task modules define.
export { concatSets, labelled, loadTaskFrames, SHARED_LOOKBACK, TASK_DATASETS, TASK_ORDER, thin, toFrame, type TaskFrames } from '@headstream/training';

/** Every task as its published protocol defines it: the registry's definition, with the horizons and unit its protocol scores. */
export const PROTOCOL_TASKS: Readonly<Record<TaskName, TaskDefinition>> = Object.freeze(Object.fromEntries(TASK_NAMES.map((t) => [t, protocolDefinition(t)])) as Record<TaskName, TaskDefinition>);

/** The feature spec of a task's protocol model from the sources its data carries (default: all of the recipe's). */
export function taskSpec(task: TaskName, bound?: readonly string[]): FeatureSpec {
  return recipeSpec(recipeFor(task), PROTOCOL_TASKS[task], bound);
}
