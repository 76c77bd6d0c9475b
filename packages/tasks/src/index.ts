export {
  defineTask,
  INPUT_RECIPE_FIELDS,
  inputOfModule,
  SHARED_LOOKBACK,
  TaskDefinitionError,
  type DashboardHints,
  type DemoSlice,
  type FoldPlan,
  type InputRecipe,
  type ProtocolFrames,
  type RecipeInput,
  type SplitPlan,
  type TaskModule,
  type TaskProtocol,
} from './define.js';
export { checkRegistry, INPUT_NAMES, inputOf, isTaskName, RECIPES, requireTaskName, TASK_MODULES, TASK_NAMES, TASKS, taskModule, tasksOfDomain, tasksOfInput, tasksOfKind, UnknownTaskError, type TaskName, type TaskRecipe } from './registry.js';
export { headlineMetric, headlineValue, type HeadlineMetric } from './metric.js';
export { BASELINE_STEPS } from './fault.js';
export { FAULT_LABEL, inputSpec, protocolDefinition, recipeFor, recipeSpec, taskDefinition, TASK_ORDER, type DefinitionOptions, type InputTask } from './recipes.js';
export { DAILY_CHANGE_DAYS, TURBINE_HISTORY, TURBINE_INPUT, TURBINE_RECIPE } from './turbine.js';
