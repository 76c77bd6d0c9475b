import { cagrad } from './cagrad.js';
import { dynamicWeightAverage } from './dwa.js';
import { equalWeights } from './equal.js';
import { famo } from './famo.js';
import { gradNorm } from './gradnorm.js';
import { pcgrad } from './pcgrad.js';
import { scaleInvariant } from './si.js';
import type { WeightingStrategy } from './types.js';
import { uncertaintyWeighting } from './uncertainty.js';

export { cagrad, cagradCoefficients, projectSimplex } from './cagrad.js';
export { dynamicWeightAverage } from './dwa.js';
export { equalWeights } from './equal.js';
export { famo, LOG_EPSILON } from './famo.js';
export { gradNorm } from './gradnorm.js';
export { pcgrad, pcgradCoefficients } from './pcgrad.js';
export { scaleInvariant } from './si.js';
export { uncertaintyWeighting } from './uncertainty.js';
export type { Gram, WeightingStrategy } from './types.js';

/**
 * The one list of strategies: a new method is its module and one line here. The CLI, HS_TRAIN_STRATEGY,
 * the training job and the results sweep all take their choices from it. `equal` is the default.
 * pcgrad, cagrad and gradnorm need per-task gradients (parameter mode: one backward pass per task).
 */
const REGISTRY = {
  equal: (tasks: number) => equalWeights(tasks),
  uncertainty: (tasks: number) => uncertaintyWeighting(tasks),
  dwa: (tasks: number) => dynamicWeightAverage(tasks),
  gradnorm: (tasks: number) => gradNorm(tasks),
  pcgrad: (tasks: number, seed: number) => pcgrad(tasks, { seed }),
  cagrad: (tasks: number) => cagrad(tasks),
  famo: (tasks: number) => famo(tasks),
  si: (tasks: number) => scaleInvariant(tasks),
} satisfies Record<string, (tasks: number, seed: number) => WeightingStrategy>;

export type StrategyName = keyof typeof REGISTRY;
export const STRATEGY_NAMES = Object.keys(REGISTRY) as [StrategyName, ...StrategyName[]];

function isStrategyName(name: string): name is StrategyName {
  return Object.hasOwn(REGISTRY, name);
}

export function createStrategy(name: StrategyName, tasks: number, seed = 1): WeightingStrategy {
  if (!isStrategyName(name)) throw new Error(`unknown strategy ${String(name)} (valid: ${STRATEGY_NAMES.join(', ')})`);
  return REGISTRY[name](tasks, seed);
}
