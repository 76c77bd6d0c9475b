import { describe, expect, it } from 'vitest';
import { cagradCoefficients, createStrategy, dynamicWeightAverage, famo, gradNorm, LOG_EPSILON, pcgradCoefficients, projectSimplex, scaleInvariant, STRATEGY_NAMES, uncertaintyWeighting } from '../src/index.js';

/** Gram matrix of explicit gradient vectors. */
const gramOf = (g: number[][]) => g.map((a) => g.map((b) => a.reduce((s, v, i) => s + v * (b[i] ?? 0), 0)));
const combineVectors = (g: number[][], alpha: number[]) => (g[0] ?? []).map((_, k) => g.reduce((s, v, t) => s + (alpha[t] ?? 0) * (v[k] ?? 0), 0));

describe('weighting strategies (hand-computed cases)', () => {
  it('equal weights: λ = α = 1', () => {
    const s = createStrategy('equal', 3);
    expect(s.lossWeights()).toEqual([1, 1, 1]);
    expect(s.combine([5, 1, 2], undefined)).toEqual([1, 1, 1]);
  });

  it('uncertainty weighting: λ = 1/(2e^s), s ← s − lr(½ − l/(2e^s))', () => {
    const s = uncertaintyWeighting(2, { lr: 0.1 });
    expect(s.lossWeights()).toEqual([0.5, 0.5]);
    s.afterStep?.([3, 0.2], undefined);
    // s0 = 0 − 0.1·(0.5 − 1.5) = 0.1 ; s1 = 0 − 0.1·(0.5 − 0.1) = −0.04
    const st = s.state().logVariance as number[];
    expect(st[0]).toBeCloseTo(0.1, 12);
    expect(st[1]).toBeCloseTo(-0.04, 12);
    expect(s.lossWeights()[0]).toBeCloseTo(1 / (2 * Math.exp(0.1)), 12);
    expect(s.regulariser?.()).toBeCloseTo(0.03, 12);
  });

  it('DWA: equal for two epochs, then T·softmax(ratio/temperature)', () => {
    const s = dynamicWeightAverage(2, { temperature: 2 });
    s.endEpoch?.([1, 1]);
    expect(s.lossWeights()).toEqual([1, 1]);
    s.endEpoch?.([0.5, 1]);
    // ratios 0.5 and 1 → weights 2·e^{0.25}/(e^{0.25}+e^{0.5}), 2·e^{0.5}/(…)
    const d = Math.exp(0.25) + Math.exp(0.5);
    expect(s.lossWeights()[0]).toBeCloseTo((2 * Math.exp(0.25)) / d, 12);
    expect(s.lossWeights()[1]).toBeCloseTo((2 * Math.exp(0.5)) / d, 12);
  });

  it('GradNorm: w ← w − lr·sign(G_t − Ḡ r_t^α)·‖g_t‖, renormalised to sum T', () => {
    const s = gradNorm(2, { alpha: 1, lr: 0.1 });
    // ‖g‖ = (3, 1); first step sets L0 = losses so r = (1, 1): target = Ḡ = 2 for both.
    s.afterStep?.([2, 2], [[9, 0], [0, 1]]);
    // G = (3, 1): w0 = 1 − 0.1·3 = 0.7, w1 = 1 + 0.1·1 = 1.1 → ×2/1.8
    expect(s.lossWeights()[0]).toBeCloseTo(0.7 / 0.9, 12);
    expect(s.lossWeights()[1]).toBeCloseTo(1.1 / 0.9, 12);
    expect(s.combine([2, 2], [[9, 0], [0, 1]])).toEqual(s.lossWeights());
  });

  it('PCGrad: projects conflicting gradients (g1=(1,0), g2=(−1,1) → (0.5, 1.5))', () => {
    const g = [
      [1, 0],
      [-1, 1],
    ];
    const alpha = pcgradCoefficients(gramOf(g), (i) => (i === 0 ? [1] : [0]));
    expect(alpha[0]).toBeCloseTo(2, 12);
    expect(alpha[1]).toBeCloseTo(1.5, 12);
    const d = combineVectors(g, alpha);
    expect(d[0]).toBeCloseTo(0.5, 12);
    expect(d[1]).toBeCloseTo(1.5, 12);
    // The surgery removes the conflict: the update agrees with every task.
    for (const gi of g) expect(gi.reduce((s, v, k) => s + v * (d[k] ?? 0), 0)).toBeGreaterThanOrEqual(0);
    // No conflict → plain sum.
    expect(pcgradCoefficients(gramOf([[1, 0], [1, 1]]), () => [0, 1])).toEqual([1, 1]);
  });

  it('PCGrad with three tasks matches the vector-space algorithm', () => {
    const g = [
      [1, 0, 0.5],
      [-1, 1, 0],
      [0.2, -1, 1],
    ];
    const order = (i: number) => [0, 1, 2].filter((j) => j !== i).reverse();
    const alpha = pcgradCoefficients(gramOf(g), order);
    const expected = [0, 0, 0];
    for (let i = 0; i < 3; i++) {
      let gi = [...(g[i] ?? [])];
      for (const j of order(i)) {
        const gj = g[j] ?? [];
        const dot = gi.reduce((s, v, k) => s + v * (gj[k] ?? 0), 0);
        const nn = gj.reduce((s, v) => s + v * v, 0);
        if (dot < 0) gi = gi.map((v, k) => v - (dot / nn) * (gj[k] ?? 0));
      }
      gi.forEach((v, k) => (expected[k] = (expected[k] ?? 0) + v));
    }
    combineVectors(g, alpha).forEach((v, k) => expect(v).toBeCloseTo(expected[k] ?? NaN, 10));
  });

  it('CAGrad: orthogonal unit gradients → w = (½, ½), d = (g0 + ½ g_w)/(1 + c²) = 0.6·(g1 + g2)', () => {
    const alpha = cagradCoefficients([[1, 0], [0, 1]], 0.5);
    expect(alpha[0]).toBeCloseTo(0.6, 4);
    expect(alpha[1]).toBeCloseTo(0.6, 4);
  });

  it('CAGrad: the simplex solution matches a brute-force search', () => {
    const g = [
      [2, 0],
      [-1, 0.5],
    ];
    const gram = gramOf(g);
    const c = 0.5 * Math.sqrt(gram.flat().reduce((a, b) => a + b, 0) / 4);
    const obj = (w: number) => {
      const x = [w, 1 - w];
      const gw = combineVectors(g, x);
      const g0 = combineVectors(g, [0.5, 0.5]);
      return gw.reduce((s, v, k) => s + v * (g0[k] ?? 0), 0) + c * Math.hypot(...gw);
    };
    let best = 0;
    for (let w = 0; w <= 1; w += 1e-4) if (obj(w) < obj(best)) best = w;
    const alpha = cagradCoefficients(gram, 0.5, 2000);
    const gwBest = combineVectors(g, [best, 1 - best]);
    const lambda = c / Math.hypot(...gwBest);
    expect(alpha[0]).toBeCloseTo((0.5 + lambda * best) / 1.25, 2);
    expect(alpha[1]).toBeCloseTo((0.5 + lambda * (1 - best)) / 1.25, 2);
    expect(projectSimplex([2, 0])).toEqual([1, 0]);
  });

  it('FAMO: z starts uniform, λ = T·(z_t/l_t)/Σ z/l, from this step\'s losses', () => {
    const s = famo(2);
    expect(s.weightsFromLosses).toBe(true);
    expect(s.state().z).toEqual([0.5, 0.5]);
    const w = s.combine([2, 0.5], undefined);
    // z uniform → λ ∝ 1/l: (0.5, 2)·2/2.5 = (0.4, 1.6)
    expect(w[0]).toBeCloseTo(0.4, 6);
    expect(w[1]).toBeCloseTo(1.6, 6);
    expect(s.lossWeights()).toEqual(w);
  });

  it('FAMO: after task A\'s log loss fell faster than B\'s, B\'s weight rises (one Adam step on ξ)', () => {
    const s = famo(2, { lr: 0.025, gamma: 0.001 });
    s.afterStep?.([1, 1], undefined); // the first step only records l⁻
    expect(s.state().logits).toEqual([0, 0]);
    s.afterStep?.([0.5, 0.9], undefined);
    // δ = (log 2, log(1/0.9)); ∂(zᵀδ)/∂ξ = z(δ − zᵀδ) = (+, −); ξ ← ξ − lr·m̂/√v̂ = ∓ lr on the first step.
    const xi = s.state().logits as number[];
    expect(xi[0]).toBeCloseTo(-0.025, 6);
    expect(xi[1]).toBeCloseTo(0.025, 6);
    const z = s.state().z as number[];
    expect(z[1]).toBeGreaterThan(0.5);
    expect(z[1]).toBeCloseTo(Math.exp(0.025) / (Math.exp(0.025) + Math.exp(-0.025)), 6);
    // Equal losses now: λ = T·z, B above A.
    const w = s.combine([1, 1], undefined);
    expect(w[1]).toBeCloseTo(2 * (z[1] ?? 0), 6);
    expect(w[1]).toBeGreaterThan(w[0] ?? Infinity);
    // The reverse: A's loss stalls while B's keeps falling by 10 % a step, and A's weight overtakes B's.
    for (let k = 0; k < 40; k++) s.afterStep?.([1, 0.9 ** k], undefined);
    const z2 = s.state().z as number[];
    expect(z2[0]).toBeGreaterThan(z2[1] ?? Infinity);
  });

  it('FAMO and SI: a task with no labels in the batch (loss 0) gets weight 0 and no ξ update', () => {
    const f = famo(2);
    expect(f.combine([0, 0.5], undefined)).toEqual([0, 2]);
    f.afterStep?.([0, 0.5], undefined);
    f.afterStep?.([0.4, 0.2], undefined);
    expect(f.state().logits).toEqual([0, 0]);
    expect(scaleInvariant(2).combine([0, 0.5], undefined)).toEqual([0, 1 / (0.5 + LOG_EPSILON)]);
  });

  it('SI: λ = 1/(l + ε) of this step (∇Σ log l = Σ ∇l/l), so rescaling a loss leaves the update unchanged', () => {
    const s = scaleInvariant(3);
    const w = s.combine([2, 0.25, 10], undefined);
    expect(w[0]).toBeCloseTo(0.5, 6);
    expect(w[1]).toBeCloseTo(4, 6);
    expect(w[2]).toBeCloseTo(0.1, 6);
    // Task 0's loss in other units (×100): its gradient ×100, its weight ÷100.
    const scaled = s.combine([200, 0.25, 10], undefined);
    expect((scaled[0] ?? 0) * 200).toBeCloseTo((w[0] ?? 0) * 2, 6);
  });

  it('the registry: one list, equal first (the default), every name builds its strategy', () => {
    expect(STRATEGY_NAMES[0]).toBe('equal');
    expect(STRATEGY_NAMES).toEqual(expect.arrayContaining(['equal', 'uncertainty', 'dwa', 'gradnorm', 'pcgrad', 'cagrad', 'famo', 'si']));
    for (const name of STRATEGY_NAMES) expect(createStrategy(name, 2).name).toBe(name);
    expect(() => createStrategy('nope' as 'equal', 2)).toThrow(/unknown strategy nope/);
  });
});
