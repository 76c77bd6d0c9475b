import { dotCoeff, type Gram, type WeightingStrategy } from './types.js';

/**
 * CAGrad (Liu et al. 2021), as in LibMTL: with g0 the mean gradient and c = calpha·‖g0‖, find w on the
 * simplex minimising w·G·b + c·sqrt(wᵀGw) (b = 1/T), then d = g0 + (c/‖g_w‖)·g_w, rescaled by 1/(1+calpha²).
 * Solved on the T×T Gram matrix by projected gradient descent (T ≤ 4: a few hundred cheap iterations).
 */
export function cagradCoefficients(gram: Gram, calpha = 0.5, iterations = 300): number[] {
  const tasks = gram.length;
  const b = new Array<number>(tasks).fill(1 / tasks);
  const g0norm = Math.sqrt(Math.max(dotCoeff(gram, b, b), 0) + 1e-8);
  const c = calpha * g0norm + 1e-8;
  const gb = gram.map((row) => row.reduce((a, v) => a + v / tasks, 0));
  const scale = Math.max(...gram.map((row, i) => row[i] ?? 0), 1e-12);
  let w = [...b];
  const objective = (x: number[]) => x.reduce((a, v, i) => a + v * (gb[i] ?? 0), 0) + c * Math.sqrt(Math.max(dotCoeff(gram, x, x), 0) + 1e-8);
  let best = w;
  let bestValue = objective(w);
  for (let it = 0; it < iterations; it++) {
    const gwn = Math.sqrt(Math.max(dotCoeff(gram, w, w), 0) + 1e-8);
    const grad = w.map((_, i) => (gb[i] ?? 0) + (c * (gram[i] ?? []).reduce((a, v, j) => a + v * (w[j] ?? 0), 0)) / gwn);
    const step = 0.5 / (scale * (1 + it / 50));
    w = projectSimplex(w.map((v, i) => v - step * (grad[i] ?? 0)));
    const value = objective(w);
    if (value < bestValue) {
      bestValue = value;
      best = w;
    }
  }
  const gwNorm = Math.sqrt(Math.max(dotCoeff(gram, best, best), 0)) + 1e-8;
  const lambda = c / gwNorm;
  return best.map((wi) => (1 / tasks + lambda * wi) / (1 + calpha * calpha));
}

/** Euclidean projection onto the probability simplex (Duchi et al. 2008). */
export function projectSimplex(v: readonly number[]): number[] {
  const u = [...v].sort((a, b) => b - a);
  let cum = 0;
  let theta = 0;
  for (let i = 0; i < u.length; i++) {
    cum += u[i] ?? 0;
    const t = (cum - 1) / (i + 1);
    if ((u[i] ?? 0) - t > 0) theta = t;
  }
  return v.map((x) => Math.max(x - theta, 0));
}

export function cagrad(tasks: number, options: { calpha?: number } = {}): WeightingStrategy {
  const calpha = options.calpha ?? 0.5;
  const ones = () => new Array<number>(tasks).fill(1);
  return {
    name: 'cagrad',
    needsGradients: true,
    lossWeights: ones,
    combine: (_losses, gram) => (gram ? cagradCoefficients(gram, calpha) : ones()),
    state: () => ({ calpha }),
  };
}
