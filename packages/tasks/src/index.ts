export {
  defineTask,
  SHARED_LOOKBACK,
  TaskDefinitionError,
  type DashboardHints,
  type DemoSlice,
  type FoldPlan,
  type ProtocolFrames,
  type RecipeInput,
  type SplitPlan,
  type TaskModule,
  type TaskProtocol,
} from './define.js';
export { isTaskName, RECIPES, requireTaskName, TASK_MODULES, TASK_NAMES, TASKS, taskModule, tasksOfDomain, tasksOfKind, UnknownTaskError, type TaskName, type TaskRecipe } from './registry.js';
export { headlineMetric, headlineValue, type HeadlineMetric } from './metric.js';
export { BASELINE_STEPS } from './fault.js';
export { DAILY_CHANGE_DAYS } from './throughput.js';
