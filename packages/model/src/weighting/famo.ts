import type { WeightingStrategy } from './types.js';

/** Added to every loss before its log, as in the reference implementation (the losses' lower bound is 0). */
export const LOG_EPSILON = 1e-8;

/**
 * FAMO, Fast Adaptive Multitask Optimization (Liu et al., NeurIPS 2023), after the reference code
 * (github.com/Cranial-XIX/FAMO, methods/weight_methods.py). One backward pass per step, no per-task
 * gradients.
 *
 * Task logits ξ (start 0), z = softmax(ξ). The model minimises Σ z_t·log(l_t + ε) / c with
 * c = Σ z_t/(l_t + ε) held constant, i.e. the task gradients enter with λ_t = (z_t/(l_t + ε)) / c. Here λ is
 * multiplied by T so that, like equal weights, it sums to T on average: with Adam only the ratio between
 * tasks matters. After the step, ξ takes one Adam step (rate `lr`, L2 decay `gamma` as in torch's Adam)
 * on the gradient J_softmax(ξ)ᵀ·δ, δ_t = log(l_t⁻ + ε) − log(l_t⁺ + ε): the tasks whose log loss fell
 * faster than the z-weighted mean lose weight, the slow ones gain it.
 *
 * Losses are pinball and cross-entropy losses, ≥ 0, so the lower bound is 0 and ε = 1e-8 keeps the log
 * finite (the reference's `min_losses` = 0 and its 1e-8). A task with loss 0 in a batch has no labels
 * there: it gets weight 0 for that step, and ξ is not updated from a pair of steps in which a task had none.
 *
 * One deviation, to keep FAMO at the cost of equal weights: the reference measures l⁺ by a second forward
 * pass on the same batch after the update. Here l⁺ is the next step's loss (the next batch, before its
 * update) and l⁻ this step's, so δ is the same decrease measured on fresh data, with batch noise that
 * Adam's moment averaging smooths. Defaults: lr 0.025 and gamma 0.001 (the reference's NYUv2 run).
 */
export function famo(tasks: number, options: { lr?: number; gamma?: number } = {}): WeightingStrategy {
  const lr = options.lr ?? 0.025;
  const gamma = options.gamma ?? 0.001;
  const beta1 = 0.9;
  const beta2 = 0.999;
  const xi = new Array<number>(tasks).fill(0);
  const m = new Array<number>(tasks).fill(0);
  const v = new Array<number>(tasks).fill(0);
  let updates = 0;
  let previous: number[] | undefined;
  let last = new Array<number>(tasks).fill(1);
  const softmax = () => {
    const top = Math.max(...xi);
    const e = xi.map((x) => Math.exp(x - top));
    const sum = e.reduce((a, b) => a + b, 0);
    return e.map((x) => x / sum);
  };
  const weights = (losses: readonly number[]) => {
    const z = softmax();
    const raw = z.map((zt, t) => ((losses[t] ?? 0) > 0 ? zt / ((losses[t] ?? 0) + LOG_EPSILON) : 0));
    const c = raw.reduce((a, b) => a + b, 0);
    return c > 0 ? raw.map((r) => (tasks * r) / c) : new Array<number>(tasks).fill(1);
  };
  return {
    name: 'famo',
    needsGradients: false,
    weightsFromLosses: true,
    lossWeights: () => [...last],
    combine(losses) {
      last = weights(losses);
      return [...last];
    },
    afterStep(losses) {
      const before = previous;
      previous = [...losses];
      if (!before || losses.some((l, t) => !(l > 0 && (before[t] ?? 0) > 0))) return;
      const delta = losses.map((l, t) => Math.log((before[t] ?? 0) + LOG_EPSILON) - Math.log(l + LOG_EPSILON));
      const z = softmax();
      const mean = z.reduce((a, zt, t) => a + zt * (delta[t] ?? 0), 0);
      updates++;
      for (let t = 0; t < tasks; t++) {
        // ∂(zᵀδ)/∂ξ_t = z_t(δ_t − zᵀδ), plus torch Adam's L2 term.
        const g = (z[t] ?? 0) * ((delta[t] ?? 0) - mean) + gamma * (xi[t] ?? 0);
        m[t] = beta1 * (m[t] ?? 0) + (1 - beta1) * g;
        v[t] = beta2 * (v[t] ?? 0) + (1 - beta2) * g * g;
        const mHat = (m[t] ?? 0) / (1 - beta1 ** updates);
        const vHat = (v[t] ?? 0) / (1 - beta2 ** updates);
        xi[t] = (xi[t] ?? 0) - (lr * mHat) / (Math.sqrt(vHat) + 1e-8);
      }
    },
    state: () => ({ logits: [...xi], z: softmax() }),
  };
}
