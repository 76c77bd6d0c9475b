import type { TaskDefinition } from '@headstream/core';
import type { MultiTaskModel } from '../architecture/model.js';
import { tf } from '../tf.js';
import type { Batch } from './data.js';
import { taskLoss } from './losses.js';
import { readWeights, writeWeights, type ParamLayout } from './optimizer.js';

/**
 * Inter-task affinity by lookahead (TAG: Fifty et al. 2021, "Efficiently Identifying Task Groupings for
 * Multi-Task Learning"). On a batch, for every task i: take one step of plain gradient descent on task i's
 * loss over the SHARED parameters only (stems and encoder; every head stays where it is), θ_s' = θ_s − η·∇L_i,
 * and see how every task j's loss on the same batch moved:
 *
 *   Z[i][j] = 1 − L_j(θ_s', θ_j) / L_j(θ_s, θ_j)
 *
 * Z[i][j] > 0: a step on task i's gradient lowers task j's loss (i helps j through the shared trunk); < 0: it
 * raises it. NaN where task i or j has no labels in the batch. The model's weights are left as they were.
 * `perTask`: the T per-task gradients on the flat parameter vector (computeGradients in parameter mode).
 */
export function lookaheadAffinity(model: MultiTaskModel, batch: Batch, tasks: readonly TaskDefinition[], layout: ParamLayout, perTask: Float32Array, stepSize: number): number[][] {
  const T = tasks.length;
  const P = layout.total;
  if (perTask.length !== T * P) throw new Error(`lookaheadAffinity: ${perTask.length} gradient entries for ${T} tasks × ${P} parameters`);
  const live = tasks.map((t) => batch.labels[t.name] !== undefined && batch.inputs[model.inputOf(t)] !== undefined);
  const shared = layout.head.flatMap((h, i) => (h === undefined ? [[layout.offsets[i] ?? 0, (layout.offsets[i] ?? 0) + (layout.sizes[i] ?? 0)] as const] : []));
  const weights = readWeights(model, layout, new Float32Array(P));
  const base = batchLosses(model, batch, tasks);
  const moved = new Float32Array(P);
  const Z: number[][] = [];
  try {
    for (let i = 0; i < T; i++) {
      if (!live[i]) {
        Z.push(new Array<number>(T).fill(NaN));
        continue;
      }
      moved.set(weights);
      for (const [a, b] of shared) for (let k = a; k < b; k++) moved[k] = (moved[k] ?? 0) - stepSize * (perTask[i * P + k] ?? 0);
      writeWeights(model, layout, moved);
      const after = batchLosses(model, batch, tasks);
      Z.push(after.map((l, j) => (live[j] && (base[j] ?? 0) > 0 ? 1 - l / (base[j] as number) : NaN)));
    }
  } finally {
    writeWeights(model, layout, weights);
  }
  return Z;
}

/**
 * Each task's loss on the batch at the model's current weights (forward only; NaN for a task without labels in
 * it): every input through its stem, the encoder once over them all, each head on its task's rows.
 */
export function batchLosses(model: MultiTaskModel, batch: Batch, tasks: readonly TaskDefinition[]): number[] {
  return tf.tidy(() => {
    const { rep, rows } = model.forwardShared(batch.inputs);
    const [, p, d] = rep.shape as [number, number, number];
    const losses = tasks.map((t) => {
      const labels = batch.labels[t.name];
      const r = rows[model.inputOf(t)];
      if (!labels || !r) return undefined;
      return taskLoss(t, model.forwardHead(t, tf.slice(rep, [r.start, 0, 0], [r.size, p, d]), batch.inputs[model.inputOf(t)]), labels);
    });
    return losses.map((l) => (l ? (l.dataSync()[0] ?? NaN) : NaN));
  });
}

/** Element-wise mean of affinity matrices, skipping NaN (a task absent from a step's batch). */
export function meanAffinity(items: readonly (readonly (readonly number[])[])[]): number[][] {
  const T = items[0]?.length ?? 0;
  return Array.from({ length: T }, (_, i) =>
    Array.from({ length: T }, (__, j) => {
      const vals = items.map((z) => z[i]?.[j] ?? NaN).filter(Number.isFinite);
      return vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : NaN;
    }),
  );
}

/**
 * Every partition of {0, …, n−1} into non-empty groups (restricted growth strings, in lexicographic order: the
 * first is everything in one group, the last every element alone). There are Bell(n) of them: 1, 1, 2, 5, 15, 52
 * for n = 0…5, 203 for 6, 877 for 7.
 */
export function setPartitions(n: number): number[][][] {
  if (!Number.isInteger(n) || n < 0 || n > 10) throw new Error(`setPartitions: n must be an integer from 0 to 10 (Bell(10) = 115975), not ${n}`);
  if (n === 0) return [[]];
  const out: number[][][] = [];
  const a = new Array<number>(n).fill(0);
  const visit = (k: number, max: number) => {
    if (k === n) {
      const groups: number[][] = Array.from({ length: max + 1 }, () => []);
      a.forEach((g, i) => groups[g]?.push(i));
      out.push(groups);
      return;
    }
    for (let g = 0; g <= max + 1; g++) {
      a[k] = g;
      visit(k + 1, Math.max(max, g));
    }
  };
  a[0] = 0;
  visit(1, 0);
  return out;
}

/**
 * A group's affinity as TAG scores it: for each member j, the mean affinity onto j from the group's other
 * members (Z[i][j], i ≠ j), summed over the members. A task alone scores 0 (nothing shared, nothing gained or
 * lost). NaN entries (never measured) count as 0.
 */
export function groupAffinity(group: readonly number[], Z: readonly (readonly number[])[]): number {
  if (group.length < 2) return 0;
  let total = 0;
  for (const j of group) {
    let s = 0;
    for (const i of group) if (i !== j) s += Number.isFinite(Z[i]?.[j]) ? (Z[i]?.[j] as number) : 0;
    total += s / (group.length - 1);
  }
  return total;
}

export interface TaskGrouping {
  /** The chosen groups, each a list of task names (a group of one is served by its single-task model). */
  groups: string[][];
  /** Σ over the groups of groupAffinity. */
  score: number;
  /** How many partitions were compared (Bell(n) without a limit on the groups). */
  candidates: number;
}

/**
 * TAG's network selection by exhaustive search: among every partition of the tasks into groups (at most
 * `maxGroups` of them), the one with the highest total affinity (groupAffinity summed over its groups). Ties
 * keep the partition with fewer groups (fewer networks to train and serve).
 */
export function bestGrouping(tasks: readonly string[], Z: readonly (readonly number[])[], maxGroups = tasks.length): TaskGrouping {
  if (Z.length !== tasks.length || Z.some((row) => row.length !== tasks.length)) throw new Error(`bestGrouping: a ${tasks.length}×${tasks.length} affinity matrix is needed`);
  let best: { groups: number[][]; score: number } | undefined;
  let candidates = 0;
  for (const p of setPartitions(tasks.length)) {
    if (p.length > maxGroups) continue;
    candidates++;
    const score = p.reduce((a, g) => a + groupAffinity(g, Z), 0);
    if (!best || score > best.score + 1e-12 || (Math.abs(score - best.score) <= 1e-12 && p.length < best.groups.length)) best = { groups: p, score };
  }
  const chosen = best ?? { groups: [], score: 0 };
  return { groups: chosen.groups.map((g) => g.map((i) => tasks[i] as string)), score: chosen.score, candidates };
}
