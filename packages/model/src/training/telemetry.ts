import type { Gram } from '../weighting/types.js';

/** Where per-task gradients were taken: the shared representation (cheap) or the shared parameters (exact). */
export type GradientSite = 'representation' | 'parameters';

export interface GradientConflict {
  /** T×T cosine similarity of per-task gradients; NaN where a task had no gradient this step. */
  cosine: number[][];
  /** ‖g_t‖. */
  norms: number[];
  /** ‖g_t‖ / mean over tasks with a gradient: >1 means the task dominates the shared update. */
  normRatio: number[];
}

export function conflictFromGram(gram: Gram): GradientConflict {
  const norms = gram.map((row, i) => Math.sqrt(Math.max(row[i] ?? 0, 0)));
  const active = norms.filter((n) => n > 0);
  const mean = active.length ? active.reduce((a, b) => a + b, 0) / active.length : 0;
  const cosine = gram.map((row, i) => row.map((v, j) => ((norms[i] ?? 0) > 0 && (norms[j] ?? 0) > 0 ? v / ((norms[i] ?? 1) * (norms[j] ?? 1)) : NaN)));
  return { cosine, norms, normRatio: norms.map((n) => (mean > 0 ? n / mean : NaN)) };
}

interface EventBase {
  regime: 'joint' | 'sequential' | 'single';
  /** Tasks trained in this phase (sequential: one task; joint: all). */
  tasks: string[];
  epoch: number;
  strategy: string;
}

/** Sampled per-step record; what the trainer stores in training_metrics. */
export interface StepEvent extends EventBase {
  type: 'step';
  step: number;
  /** Optimizer step size used by this step (TrainOptions.schedule). */
  learningRate: number;
  losses: Record<string, number>;
  weights: Record<string, number>;
  jointLoss: number;
  conflict?: GradientConflict & { site: GradientSite };
  /** TAG lookahead affinity on this step's batch: affinity[i][j] = Z of tasks[i] onto tasks[j] (TrainOptions.affinityEvery). */
  affinity?: number[][];
}

export interface EpochEvent extends EventBase {
  type: 'epoch';
  steps: number;
  samplesPerSecond: number;
  /** Mean per-task loss over the epoch's steps. */
  losses: Record<string, number>;
  jointLoss: number;
  /** Mean over the epoch's sampled steps (absent when no step was sampled or one task only). */
  conflict?: GradientConflict & { site: GradientSite; sampledSteps: number };
  /** Mean lookahead affinity over the epoch's measured steps (absent when none was measured). */
  affinity?: { matrix: number[][]; steps: number };
  strategyState: Record<string, number | number[]>;
}

export type TrainingEvent = StepEvent | EpochEvent;

/** Averages conflicts element-wise, skipping NaN (a task absent from a step's batch). */
export function meanConflict(items: readonly GradientConflict[]): GradientConflict | undefined {
  if (items.length === 0) return undefined;
  const t = items[0]?.norms.length ?? 0;
  const avg = (get: (c: GradientConflict) => number) => {
    const vals = items.map(get).filter((v) => Number.isFinite(v));
    return vals.length ? vals.reduce((a, b) => a + b, 0) / vals.length : NaN;
  };
  const idx = Array.from({ length: t }, (_, i) => i);
  return {
    cosine: idx.map((i) => idx.map((j) => avg((c) => c.cosine[i]?.[j] ?? NaN))),
    norms: idx.map((i) => avg((c) => c.norms[i] ?? NaN)),
    normRatio: idx.map((i) => avg((c) => c.normRatio[i] ?? NaN)),
  };
}
