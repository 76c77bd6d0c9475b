import { Rng } from '../rng.js';
import { dotCoeff, type Gram, type WeightingStrategy } from './types.js';

/**
 * PCGrad (Yu et al. 2020): for each task i, in a random order of the others, when g_i'·g_j < 0
 * project g_i' onto the normal plane of g_j; the update is Σ_i g_i'. Every g_i' stays a combination of
 * the original g_t, so the projections run on T-vectors of coefficients with dot products from the Gram
 * matrix: exact, and O(T³) scalars instead of T² passes over the gradients.
 */
export function pcgradCoefficients(gram: Gram, order: (i: number) => readonly number[]): number[] {
  const tasks = gram.length;
  const alpha = new Array<number>(tasks).fill(0);
  for (let i = 0; i < tasks; i++) {
    const c = new Array<number>(tasks).fill(0);
    c[i] = 1;
    for (const j of order(i)) {
      if (j === i) continue;
      const gjj = gram[j]?.[j] ?? 0;
      if (gjj <= 0) continue;
      const unit = new Array<number>(tasks).fill(0);
      unit[j] = 1;
      const dot = dotCoeff(gram, c, unit);
      if (dot < 0) c[j] = (c[j] ?? 0) - dot / gjj;
    }
    for (let t = 0; t < tasks; t++) alpha[t] = (alpha[t] ?? 0) + (c[t] ?? 0);
  }
  return alpha;
}

export function pcgrad(tasks: number, options: { seed?: number } = {}): WeightingStrategy {
  const rng = new Rng(options.seed ?? 1);
  const ones = () => new Array<number>(tasks).fill(1);
  return {
    name: 'pcgrad',
    needsGradients: true,
    lossWeights: ones,
    combine(_losses, gram) {
      if (!gram) return ones();
      return pcgradCoefficients(gram, () => rng.permutation(tasks));
    },
    state: () => ({}),
  };
}
