import type { Domain, TaskDefinition } from '@headstream/core';
import { INPUT_RECIPE_FIELDS, inputOfModule, TaskDefinitionError, type RecipeInput, type TaskModule } from './define.js';
import { airQuality } from './air-quality.js';
import { emissions } from './emissions.js';
import { fault } from './fault.js';
import { throughput } from './throughput.js';
import { traffic } from './traffic.js';

/** Checks a list of task modules as the registry does at start: names and recipe names once each, shared inputs agreed on. */
export function checkRegistry<const M extends readonly TaskModule[]>(modules: M): M {
  const seen = new Map<string, string>();
  for (const m of modules) {
    const name = m.definition.name;
    if (seen.has(name)) throw new TaskDefinitionError(`task "${name}" is registered twice`);
    const recipe = [...seen.entries()].find(([, r]) => r === m.recipe.name);
    if (recipe) throw new TaskDefinitionError(`task "${name}": recipe name ${m.recipe.name} is already task "${recipe[0]}"'s`);
    seen.set(name, m.recipe.name);
  }
  if (modules.length === 0) throw new TaskDefinitionError('the task registry is empty');
  checkSharedInputs(modules);
  return modules;
}

const same = (a: unknown, b: unknown) => a === b || (typeof a !== 'function' && typeof b !== 'function' && JSON.stringify(a) === JSON.stringify(b));

/**
 * Tasks that read one input share its windows: they must agree on what a window holds (the recipe's input
 * fields), where it comes from (domain, data set), its step and length (interval, lookback) and which sites and
 * times train (the protocol's split and folds). One error names the input, both tasks and every disagreement.
 */
function checkSharedInputs(modules: readonly TaskModule[]): void {
  const first = new Map<string, TaskModule>();
  for (const m of modules) {
    const input = inputOfModule(m);
    const a = first.get(input);
    if (!a) {
      first.set(input, m);
      continue;
    }
    const d = (x: TaskModule) => x.definition;
    const wrong = [
      ...(['domain', 'intervalMs', 'lookback'] as const).filter((k) => d(a)[k] !== d(m)[k]).map((k) => `definition.${k}`),
      ...(a.dataset === m.dataset ? [] : ['dataset']),
      ...INPUT_RECIPE_FIELDS.filter((k) => !same(a.recipe[k], m.recipe[k])).map((k) => `recipe.${k}`),
      ...(['split', 'folds'] as const).filter((k) => a.protocol[k] !== m.protocol[k]).map((k) => `protocol.${k}`),
    ];
    if (wrong.length) throw new TaskDefinitionError(`tasks "${a.definition.name}" and "${m.definition.name}" read input ${input} but disagree on ${wrong.join(', ')}`);
  }
}

/**
 * Every task of the shared model, in head order (its inputs, reports and tables follow it): the one list.
 * A task is one module (./<task>.ts, made with defineTask); adding one is its module and one line here.
 */
export const TASK_MODULES = checkRegistry([
  traffic,
  airQuality,
  fault,
  throughput,
  emissions,
] as const);

/** A registered task's name. */
export type TaskName = (typeof TASK_MODULES)[number]['definition']['name'];

/** The task names in head order. */
export const TASK_NAMES: readonly TaskName[] = Object.freeze(TASK_MODULES.map((m) => m.definition.name));

const byName = new Map<string, TaskModule<TaskName>>(TASK_MODULES.map((m) => [m.definition.name, m]));

/** Each task's definition (the prediction contract: kind, interval, horizons or classes). */
export const TASKS: Readonly<Record<TaskName, TaskDefinition>> = Object.freeze(Object.fromEntries(TASK_MODULES.map((m) => [m.definition.name, m.definition])) as Record<TaskName, TaskDefinition>);

export function isTaskName(value: unknown): value is TaskName {
  return typeof value === 'string' && byName.has(value);
}

/** Thrown for a name that is not a registered task. */
export class UnknownTaskError extends Error {}

/** The name as a task, or an error naming it and the registered tasks. */
export function requireTaskName(value: string, what = 'task'): TaskName {
  if (!isTaskName(value)) throw new UnknownTaskError(`unknown ${what} "${value}"; registered: ${TASK_NAMES.join(', ')}`);
  return value;
}

/** A registered task's module. */
export function taskModule(name: string): TaskModule<TaskName> {
  const m = byName.get(name);
  if (!m) throw new UnknownTaskError(`unknown task "${name}"; registered: ${TASK_NAMES.join(', ')}`);
  return m;
}

/** The tasks whose definition is of this kind, in head order. */
export function tasksOfKind(kind: TaskDefinition['kind']): TaskName[] {
  return TASK_NAMES.filter((t) => TASKS[t].kind === kind);
}

/** The tasks of one domain, in head order. */
export function tasksOfDomain(domain: Domain): TaskName[] {
  return TASK_NAMES.filter((t) => TASKS[t].domain === domain);
}

/** A task's recipe with its task, domain and input: what training builds windows from. */
export interface TaskRecipe extends RecipeInput {
  task: TaskName;
  domain: Domain;
  /** The model input (stem) the task reads (its module's `input`, default its name). */
  input: string;
}

/** Every task's recipe, in head order. */
export const RECIPES: readonly TaskRecipe[] = Object.freeze(TASK_MODULES.map((m) => ({ ...m.recipe, task: m.definition.name, domain: m.definition.domain, input: inputOfModule(m) })));

/** The model input (stem) a task reads: its own name unless its module names a shared one. */
export function inputOf(task: TaskName): string {
  return inputOfModule(taskModule(task));
}

/** Every input, in head order of the first task reading it. */
export const INPUT_NAMES: readonly string[] = Object.freeze([...new Set(TASK_MODULES.map((m) => inputOfModule(m)))]);

/** The tasks that read an input, in head order (empty for an input no task reads). */
export function tasksOfInput(input: string): TaskName[] {
  return TASK_NAMES.filter((t) => inputOfModule(taskModule(t)) === input);
}
