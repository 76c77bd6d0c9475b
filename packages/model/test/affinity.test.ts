import { describe, expect, it } from 'vitest';
import { bestGrouping, computeGradients, disposeBatch, groupAffinity, latentConfig, latentData, latentTask, LATENT_TASKS, layoutOf, lookaheadAffinity, MultiTaskModel, readWeights, setPartitions, toBatch, train } from '../src/index.js';

/** The latent pair (two tasks reading one input) with identical heads; signs [1, 1]: same target, [1, −1]: opposed. */
function latentPair(signs: [number, number]) {
  const [first, second] = LATENT_TASKS;
  const model = MultiTaskModel.create({ ...latentConfig(LATENT_TASKS.map(latentTask)), seed: 5 });
  for (const n of model.params.names(`head/${first}/`)) model.params.get(n.replace(first, second)).assign(model.params.get(n));
  return { model, data: latentData(64, signs, 'all', 7, 6) };
}

/** Z on one batch of all 64 windows, with a lookahead step of `eta`. */
function affinityOf(signs: [number, number], eta = 0.05) {
  const { model, data } = latentPair(signs);
  const batch = toBatch(data, { city: Array.from({ length: 64 }, (_, i) => i) }, LATENT_TASKS);
  try {
    const layout = layoutOf(model);
    const g = computeGradients(model, batch, model.tasks, { gradientsOn: 'parameters', needGram: false, lambda: [1, 1], exchange: () => [1, 1] });
    const before = readWeights(model, layout, new Float32Array(layout.total));
    const z = lookaheadAffinity(model, batch, model.tasks, layout, g.perTask as Float32Array, eta);
    // The lookahead leaves the weights where they were.
    expect(readWeights(model, layout, new Float32Array(layout.total))).toEqual(before);
    return z;
  } finally {
    disposeBatch(batch);
    model.dispose();
  }
}

describe('inter-task affinity (TAG lookahead) on a tiny model', () => {
  it('a task whose gradient helps the other has positive affinity onto it; an opposed task negative', () => {
    const aligned = affinityOf([1, 1]);
    const opposed = affinityOf([1, -1]);
    // Each task's own step lowers its own loss.
    for (const z of [aligned, opposed]) for (const i of [0, 1]) expect(z[i]?.[i]).toBeGreaterThan(0);
    expect(aligned[0]?.[1]).toBeGreaterThan(0);
    expect(aligned[1]?.[0]).toBeGreaterThan(0);
    expect(opposed[0]?.[1]).toBeLessThan(0);
    expect(opposed[1]?.[0]).toBeLessThan(0);
  });

  it('is measured during training on every k-th step and averaged into the result', () => {
    const { model, data } = latentPair([1, -1]);
    try {
      const steps: number[] = [];
      const r = train(model, data, { epochs: 2, batchSize: 16, affinityEvery: 2, gradientsOn: 'parameters', onEvent: (e) => e.type === 'step' && e.affinity && steps.push(e.step) });
      expect(steps).toEqual([0, 2, 4, 6]);
      expect(r.affinity?.tasks).toEqual([...LATENT_TASKS]);
      expect(r.affinity?.steps).toBe(4);
      expect(r.affinity?.matrix[0]?.[1]).toBeLessThan(0);
      // Off by default.
      const plain = train(model, data, { epochs: 1, batchSize: 32 });
      expect(plain.affinity).toBeUndefined();
    } finally {
      model.dispose();
    }
  });
});

describe('task groupings (TAG network selection by exhaustive search)', () => {
  it('enumerates every set partition: Bell numbers', () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((n) => setPartitions(n).length)).toEqual([1, 1, 2, 5, 15, 52, 203]);
    expect(setPartitions(3)).toEqual([[[0, 1, 2]], [[0, 1], [2]], [[0, 2], [1]], [[0], [1, 2]], [[0], [1], [2]]]);
    // Every partition covers each element exactly once.
    for (const p of setPartitions(5)) expect(p.flat().sort()).toEqual([0, 1, 2, 3, 4]);
  });

  it("scores a group by the mean affinity onto each member from the others", () => {
    const Z = [
      [0, 0.2, -0.1],
      [0.4, 0, 0],
      [0.3, 0.1, 0],
    ];
    expect(groupAffinity([0], Z)).toBe(0);
    expect(groupAffinity([0, 1], Z)).toBeCloseTo(0.4 + 0.2, 12);
    // onto 0: (0.4 + 0.3)/2, onto 1: (0.2 + 0.1)/2, onto 2: (−0.1 + 0)/2
    expect(groupAffinity([0, 1, 2], Z)).toBeCloseTo(0.35 + 0.15 - 0.05, 12);
  });

  it('picks the partition of highest total affinity: two helping pairs and a task that hurts everyone', () => {
    const tasks = ['a', 'b', 'c', 'd', 'e'];
    // a↔b help each other, c↔d help each other, e hurts and is hurt by all; across the pairs mildly negative.
    const Z = tasks.map((_, i) =>
      tasks.map((__, j) => {
        if (i === j) return 0.5;
        if (i === 4 || j === 4) return -0.3;
        return Math.floor(i / 2) === Math.floor(j / 2) ? 0.2 : -0.05;
      }),
    );
    const g = bestGrouping(tasks, Z);
    expect(g.candidates).toBe(52);
    expect(g.groups).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
    expect(g.score).toBeCloseTo(0.8, 12);
    // At most two networks: e joins nobody's advantage, so the best is a four-task group and e alone.
    expect(bestGrouping(tasks, Z, 2).groups).toEqual([['a', 'b', 'c', 'd'], ['e']]);
    // Everyone helps everyone: one shared network.
    expect(bestGrouping(tasks, tasks.map(() => tasks.map(() => 0.1))).groups).toEqual([tasks]);
    expect(() => bestGrouping(tasks, [[0]])).toThrow(/5×5 affinity matrix/);
  });
});
