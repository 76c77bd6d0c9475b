import type { WeightingStrategy } from './types.js';

/**
 * Uncertainty weighting (Kendall, Gal & Cipolla 2018), in LibMTL's form:
 * L = Σ_t l_t / (2·exp(s_t)) + s_t / 2 with s_t = log σ_t² learned. ∂L/∂s_t = ½ − l_t/(2·exp(s_t)),
 * so s_t settles at log l_t: noisy (high-loss) tasks are down-weighted. s is updated by plain SGD with
 * its own rate, which keeps the update hand-checkable and independent of the model's optimizer.
 */
export function uncertaintyWeighting(tasks: number, options: { lr?: number } = {}): WeightingStrategy {
  const lr = options.lr ?? 0.05;
  const s = new Array<number>(tasks).fill(0);
  const weights = () => s.map((v) => 1 / (2 * Math.exp(v)));
  return {
    name: 'uncertainty',
    needsGradients: false,
    lossWeights: weights,
    combine: weights,
    afterStep(losses) {
      losses.forEach((l, t) => {
        s[t] = (s[t] ?? 0) - lr * (0.5 - l / (2 * Math.exp(s[t] ?? 0)));
      });
    },
    regulariser: () => s.reduce((a, v) => a + v / 2, 0),
    state: () => ({ logVariance: [...s] }),
  };
}
