import type { TaskDefinition, TaskName } from '@headstream/core';
import type { FeatureSpec } from '@headstream/features';
import { recipeFor, recipeSpec, taskDefinition } from '@headstream/training';

// The production model definition (recipes, derived channels, target transforms, the window builder and
// the data-set readers) lives in @headstream/training; the experiments only pick their protocols from it.
export { concatSets, labelled, loadTaskFrames, SHARED_LOOKBACK, TASK_DATASETS, TASK_ORDER, thin, toFrame, type TaskFrames } from '@headstream/training';

/** The four tasks as the published protocols define them: core's catalogue, with the horizons each protocol scores. */
export const PROTOCOL_TASKS: Readonly<Record<TaskName, TaskDefinition>> = {
  traffic: taskDefinition('traffic', { description: 'PeMS detector 5-min flow, next step from the past hour', horizons: [1] }),
  air_quality: taskDefinition('air_quality', { description: 'Beijing PM2.5, 1 to 6 hours ahead, unseen station' }),
  fault: taskDefinition('fault', { description: 'SKAB pump: fault class and anomaly per point, unseen run' }),
  throughput: taskDefinition('throughput', { description: 'Gas turbine energy yield (TEY), next hour', unit: 'MWh/h' }),
};

/** The feature spec of a task's protocol model from the sources its data carries (default: all of the recipe's). */
export function taskSpec(task: TaskName, bound?: readonly string[]): FeatureSpec {
  return recipeSpec(recipeFor(task), PROTOCOL_TASKS[task], bound);
}
