import { cagrad } from './cagrad.js';
import { dynamicWeightAverage } from './dwa.js';
import { equalWeights } from './equal.js';
import { gradNorm } from './gradnorm.js';
import { pcgrad } from './pcgrad.js';
import type { StrategyName, WeightingStrategy } from './types.js';
import { uncertaintyWeighting } from './uncertainty.js';

export { cagrad, cagradCoefficients, projectSimplex } from './cagrad.js';
export { dynamicWeightAverage } from './dwa.js';
export { equalWeights } from './equal.js';
export { gradNorm } from './gradnorm.js';
export { pcgrad, pcgradCoefficients } from './pcgrad.js';
export { uncertaintyWeighting } from './uncertainty.js';
export { STRATEGY_NAMES, type Gram, type StrategyName, type WeightingStrategy } from './types.js';

export function createStrategy(name: StrategyName, tasks: number, seed = 1): WeightingStrategy {
  switch (name) {
    case 'equal':
      return equalWeights(tasks);
    case 'uncertainty':
      return uncertaintyWeighting(tasks);
    case 'dwa':
      return dynamicWeightAverage(tasks);
    case 'gradnorm':
      return gradNorm(tasks);
    case 'pcgrad':
      return pcgrad(tasks, { seed });
    case 'cagrad':
      return cagrad(tasks);
  }
}
