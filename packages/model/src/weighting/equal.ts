import type { WeightingStrategy } from './types.js';

/** L = Σ l_t: the baseline every other strategy is measured against. */
export function equalWeights(tasks: number): WeightingStrategy {
  const ones = () => new Array<number>(tasks).fill(1);
  return { name: 'equal', needsGradients: false, lossWeights: ones, combine: ones, state: () => ({}) };
}
