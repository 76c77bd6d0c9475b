import type { WeightingStrategy } from './types.js';

/**
 * Dynamic Weight Averaging (Liu, Johns & Davison 2019): λ_t = T·softmax_t(r_t / temperature) with
 * r_t = L_t(e−1) / L_t(e−2) on epoch-mean losses; tasks whose loss falls slowly get more weight.
 * Equal weights for the first two epochs (no rate yet).
 */
export function dynamicWeightAverage(tasks: number, options: { temperature?: number } = {}): WeightingStrategy {
  const temperature = options.temperature ?? 2;
  const history: number[][] = [];
  let w = new Array<number>(tasks).fill(1);
  return {
    name: 'dwa',
    needsGradients: false,
    lossWeights: () => [...w],
    combine: () => [...w],
    endEpoch(mean) {
      history.push([...mean]);
      if (history.length < 2) return;
      const prev = history[history.length - 2] ?? [];
      const last = history[history.length - 1] ?? [];
      const r = last.map((l, t) => l / Math.max(prev[t] ?? 1, 1e-12));
      const e = r.map((v) => Math.exp(v / temperature));
      const sum = e.reduce((a, b) => a + b, 0);
      w = e.map((v) => (tasks * v) / sum);
    },
    state: () => ({ weights: [...w] }),
  };
}
