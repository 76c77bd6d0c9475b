import { LOG_EPSILON } from './famo.js';
import type { WeightingStrategy } from './types.js';

/**
 * Scale-invariant loss (SI; the log-loss baseline of Navon et al. 2022 and Liu et al. 2023):
 * L = Σ_t log(l_t + ε). Its gradient is Σ_t ∇l_t/(l_t + ε), so λ_t = 1/(l_t + ε) of this step's losses, and
 * rescaling a task's loss (units, target scaling) does not change the update. Losses are pinball and
 * cross-entropy losses (≥ 0): ε = 1e-8 keeps the log finite, as FAMO's reference does. A task with loss 0
 * in a batch has no labels there and gets weight 0 (its gradient is 0 anyway).
 */
export function scaleInvariant(tasks: number): WeightingStrategy {
  let last = new Array<number>(tasks).fill(1);
  return {
    name: 'si',
    needsGradients: false,
    weightsFromLosses: true,
    lossWeights: () => [...last],
    combine(losses) {
      last = Array.from({ length: tasks }, (_, t) => ((losses[t] ?? 0) > 0 ? 1 / ((losses[t] ?? 0) + LOG_EPSILON) : 0));
      return [...last];
    },
    state: () => ({ weights: [...last] }),
  };
}
