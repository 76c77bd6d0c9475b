import { FAULT_LABEL_METRIC, taskDefinitionSchema, type TaskDefinition } from '@headstream/core';
import type { FeatureSpec } from '@headstream/features';
import { RECIPES, SHARED_LOOKBACK, TASK_NAMES, TASKS, taskModule, type TaskName, type TaskRecipe } from '@headstream/tasks';

const DAY = 86_400_000;

// The recipes are the task modules' (packages/tasks); training turns them into feature specs.
export { BASELINE_STEPS, DAILY_CHANGE_DAYS, RECIPES, SHARED_LOOKBACK, type TaskRecipe } from '@headstream/tasks';

/** The task order of the shared model (its heads, inputs and reports): the registry's. */
export const TASK_ORDER: readonly TaskName[] = TASK_NAMES;

/** Label metric of the fault task: the class index as the simulator and replays send it. */
export const FAULT_LABEL = FAULT_LABEL_METRIC;

/** Which of the registry's definitions a training uses: the catalogue, with the horizons a protocol may pick. */
export interface DefinitionOptions {
  /** A subset of the task's horizons (e.g. the PeMS protocol's next step only). */
  horizons?: number[];
  description?: string;
  /** The data's unit when it is not the catalogue's (the gas turbine's TEY is MWh/h). */
  unit?: string;
}

/** The task's definition, with the options applied and validated; the one catalogue of tasks. */
export function taskDefinition(task: TaskName, options: DefinitionOptions = {}): TaskDefinition {
  const base = TASKS[task];
  if (options.horizons && base.kind === 'regression') {
    const extra = options.horizons.filter((h) => !base.horizons.includes(h));
    if (extra.length) throw new Error(`${task}: horizon(s) ${extra.join(', ')} are not in the catalogue's ${base.horizons.join(', ')}`);
  }
  return taskDefinitionSchema.parse({
    ...structuredClone(base),
    ...(options.description ? { description: options.description } : {}),
    ...(base.kind === 'regression' && options.horizons ? { horizons: [...options.horizons] } : {}),
    ...(base.kind === 'regression' && options.unit ? { unit: options.unit } : {}),
  });
}

/** The definition a task's published protocol scores (its module's protocol: horizons, unit, description). */
export function protocolDefinition(task: TaskName): TaskDefinition {
  const p = taskModule(task).protocol;
  return taskDefinition(task, { description: p.description, ...(p.horizons ? { horizons: p.horizons } : {}), ...(p.unit ? { unit: p.unit } : {}) });
}

export function recipeFor(task: TaskName, name?: string): TaskRecipe {
  const r = RECIPES.find((x) => x.task === task && (name === undefined || x.name === name));
  if (!r) throw new Error(`no recipe ${name ?? ''} for task ${task}`.replace('  ', ' '));
  return r;
}

/**
 * The feature spec of a task trained from `bound` sources and label (default: all of the recipe's): its input is
 * named after the task, so each task has its own stem into the shared encoder.
 */
export function recipeSpec(recipe: TaskRecipe, definition: TaskDefinition, bound: readonly string[] = [...recipe.sources, ...(recipe.label ? [recipe.label] : [])], timeZone?: string): FeatureSpec {
  const has = new Set(bound);
  const missing = recipe.required.filter((m) => !has.has(m));
  if (missing.length) throw new Error(`${recipe.task}: recipe ${recipe.name} needs ${missing.join(', ')}`);
  const sources = recipe.sources.filter((s) => has.has(s));
  const derived = recipe.derived.filter((d) => has.has(d.of));
  const channels = [...sources.filter(recipe.levels), ...derived.map((d) => d.name)];
  if (channels.length === 0) throw new Error(`${recipe.task}: no input channel is bound (recipe ${recipe.name} reads ${recipe.sources.join(', ')})`);
  const history = Math.min(definition.lookback, SHARED_LOOKBACK);
  return {
    version: 2,
    domain: recipe.task,
    intervalMs: definition.intervalMs,
    lookback: SHARED_LOOKBACK,
    history,
    fillLimit: recipe.fillLimit,
    sources: [...sources, ...(recipe.label ? [recipe.label] : [])],
    derived,
    channels,
    gapMask: true,
    calendar: recipe.calendar,
    ...(recipe.calendar && timeZone && timeZone !== 'UTC' ? { timeZone } : {}),
    targets: [
      definition.kind === 'regression'
        ? { task: recipe.task, kind: 'regression', target: definition.target, intervalMs: definition.intervalMs, horizons: [...definition.horizons], seasonSteps: Math.max(1, Math.round(DAY / definition.intervalMs)), transform: recipe.transform }
        : { task: recipe.task, kind: 'classification', target: recipe.label ?? FAULT_LABEL, classes: definition.classes.length },
    ],
  };
}
