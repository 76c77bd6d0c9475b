/**
 * One interface for every loss-weighting and gradient-surgery strategy (LibMTL's weighting/).
 *
 * Per-task gradients g_t (on the shared representation by default, or on the shared parameters) enter
 * only through their Gram matrix G_ij = g_i·g_j. Each strategy answers with coefficients α so that the
 * shared gradient is Σ_t α_t g_t. That holds for loss weighting (α = λ) and for PCGrad, CAGrad and
 * MGDA-like methods, whose results stay in the span of the g_t: the T×T problem is solved in JS and
 * only one T×N matMul touches the big tensors. That is why surgery costs little more than a plain step.
 */
export interface WeightingStrategy {
  readonly name: string;
  /** True when combine() needs the Gram matrix every step (else only on telemetry steps). */
  readonly needsGradients: boolean;
  /**
   * True when λ depends on this step's losses (SI's 1/l_t, FAMO's z_t/l_t): combine() then returns λ, the
   * heads are scaled by it too, and lossWeights() only reports the last step's.
   */
  readonly weightsFromLosses?: boolean;
  /** λ: loss weights; each task head trains on λ_t·l_t and the reported joint loss is Σ λ_t·l_t (+ regulariser). */
  lossWeights(): number[];
  /** α for the shared gradient Σ α_t g_t. `gram` is set whenever needsGradients is true. */
  combine(losses: readonly number[], gram: readonly (readonly number[])[] | undefined): number[];
  /** Learns from the step just taken (uncertainty σ, GradNorm weights). */
  afterStep?(losses: readonly number[], gram: readonly (readonly number[])[] | undefined): void;
  /** Epoch-level update from the epoch's mean losses (DWA). */
  endEpoch?(meanLosses: readonly number[]): void;
  /** Extra term of the joint loss (uncertainty weighting's Σ s_t/2). */
  regulariser?(): number;
  /** Small JSON state for telemetry and the saved metadata. */
  state(): Record<string, number | number[]>;
}

export type Gram = readonly (readonly number[])[];

export function dotCoeff(gram: Gram, a: readonly number[], b: readonly number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) for (let j = 0; j < b.length; j++) s += (a[i] ?? 0) * (gram[i]?.[j] ?? 0) * (b[j] ?? 0);
  return s;
}
