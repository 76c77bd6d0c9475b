import { FAULT_LABEL_METRIC, taskDefinitionSchema, type TaskDefinition } from '@headstream/core';
import type { FeatureSpec } from '@headstream/features';
import { SHARED_LOOKBACK } from './define.js';
import { RECIPES, TASK_NAMES, TASKS, taskModule, type TaskName, type TaskRecipe } from './registry.js';

const DAY = 86_400_000;

// The recipes are the task modules'; these turn them into definitions and feature specs for training and probes.

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

/** A task as an input's spec needs it: its recipe and the definition it is trained to. */
export interface InputTask {
  recipe: TaskRecipe;
  definition: TaskDefinition;
}

/**
 * The feature spec of one input, read by `tasks` (their recipes share the input's fields: the registry checks),
 * trained from `bound` sources and labels (default: all of the recipes'): named after the input, with one target
 * per task, so every task that reads the input decodes its head from the same windows.
 */
export function inputSpec(tasks: readonly InputTask[], bound?: readonly string[], timeZone?: string): FeatureSpec {
  const [first] = tasks;
  if (!first) throw new Error('an input spec needs at least one task');
  const recipe = first.recipe;
  const other = tasks.find((t) => t.recipe.input !== recipe.input);
  if (other) throw new Error(`${other.recipe.task} reads input ${other.recipe.input}, not ${recipe.input}`);
  const has = new Set(bound ?? tasks.flatMap((t) => [...t.recipe.sources, ...(t.recipe.label ? [t.recipe.label] : [])]));
  for (const { recipe: r } of tasks) {
    const missing = r.required.filter((m) => !has.has(m));
    if (missing.length) throw new Error(`${r.task}: recipe ${r.name} needs ${missing.join(', ')}`);
  }
  const sources = recipe.sources.filter((s) => has.has(s));
  const derived = recipe.derived.filter((d) => has.has(d.of));
  const channels = [...sources.filter(recipe.levels), ...derived.map((d) => d.name)];
  if (channels.length === 0) throw new Error(`${recipe.input}: no input channel is bound (recipe ${recipe.name} reads ${recipe.sources.join(', ')})`);
  const definition = first.definition;
  const history = Math.min(definition.lookback, SHARED_LOOKBACK);
  return {
    version: 2,
    input: recipe.input,
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
    targets: tasks.map(({ recipe: r, definition: d }) =>
      d.kind === 'regression'
        ? { task: r.task, kind: 'regression' as const, target: d.target, intervalMs: d.intervalMs, horizons: [...d.horizons], seasonSteps: Math.max(1, Math.round(DAY / d.intervalMs)), transform: r.transform }
        : { task: r.task, kind: 'classification' as const, target: r.label ?? FAULT_LABEL, classes: d.classes.length },
    ),
  };
}

/** The feature spec of one task trained from `bound` sources and label: its input's spec with its target alone. */
export function recipeSpec(recipe: TaskRecipe, definition: TaskDefinition, bound?: readonly string[], timeZone?: string): FeatureSpec {
  return inputSpec([{ recipe, definition }], bound, timeZone);
}
