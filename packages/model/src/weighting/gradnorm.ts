import type { Gram, WeightingStrategy } from './types.js';

/**
 * GradNorm (Chen et al. 2018). Learned weights w_t balance the weighted gradient norms
 * G_t = w_t·‖g_t‖ towards Ḡ·r_t^α, where r_t is task t's relative inverse training rate
 * (l_t / l_t(0), normalised by its mean). The GradNorm loss Σ|G_t − Ḡ·r_t^α| (target held constant)
 * has ∂/∂w_t = sign(G_t − target_t)·‖g_t‖; after an SGD step the weights are renormalised to sum to T.
 * ‖g_t‖ comes from the Gram matrix, i.e. the gradient on the shared representation by default.
 */
export function gradNorm(tasks: number, options: { alpha?: number; lr?: number } = {}): WeightingStrategy {
  const alpha = options.alpha ?? 1.5;
  const lr = options.lr ?? 0.025;
  let w = new Array<number>(tasks).fill(1);
  let initial: number[] | undefined;
  return {
    name: 'gradnorm',
    needsGradients: true,
    lossWeights: () => [...w],
    combine: () => [...w],
    afterStep(losses, gram?: Gram) {
      if (!gram) return;
      if (!initial) initial = losses.map((l) => Math.max(l, 1e-12));
      const norms = w.map((_, t) => Math.sqrt(Math.max(gram[t]?.[t] ?? 0, 0)));
      const active = norms.map((n) => n > 0);
      const k = active.filter(Boolean).length;
      if (k === 0) return;
      const g = w.map((wt, t) => wt * (norms[t] ?? 0));
      const gBar = g.reduce((a, v, t) => a + (active[t] ? v : 0), 0) / k;
      const ratio = losses.map((l, t) => l / (initial?.[t] ?? 1));
      const rBar = ratio.reduce((a, v, t) => a + (active[t] ? v : 0), 0) / k;
      const next = w.map((wt, t) => {
        if (!active[t]) return wt;
        const target = gBar * ((ratio[t] ?? 1) / rBar) ** alpha;
        return Math.max(wt - lr * Math.sign((g[t] ?? 0) - target) * (norms[t] ?? 0), 1e-3);
      });
      const sum = next.reduce((a, b) => a + b, 0);
      w = next.map((v) => (tasks * v) / sum);
    },
    state: () => ({ weights: [...w] }),
  };
}
