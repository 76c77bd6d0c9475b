/** Error metrics per horizon. Inputs are n × horizons in the target's unit; NaN truth = no label. */
export interface HorizonMetrics {
  horizon: number;
  count: number;
  mae: number;
  rmse: number;
  /** Mean absolute percentage error over targets with |y| > epsilon (MAPE is undefined at 0). */
  mape: number;
}

export function regressionMetrics(truth: ArrayLike<number>, pred: ArrayLike<number>, horizons: readonly number[], epsilon = 1e-6): HorizonMetrics[] {
  const h = horizons.length;
  const n = truth.length / h;
  return horizons.map((horizon, k) => {
    let count = 0;
    let abs = 0;
    let sq = 0;
    let pct = 0;
    let pctCount = 0;
    for (let i = 0; i < n; i++) {
      const y = truth[i * h + k] ?? NaN;
      const p = pred[i * h + k] ?? NaN;
      if (!Number.isFinite(y) || !Number.isFinite(p)) continue;
      const e = p - y;
      count++;
      abs += Math.abs(e);
      sq += e * e;
      if (Math.abs(y) > epsilon) {
        pct += Math.abs(e / y);
        pctCount++;
      }
    }
    return { horizon, count, mae: abs / count, rmse: Math.sqrt(sq / count), mape: (100 * pct) / pctCount };
  });
}

export interface ClassificationMetrics {
  count: number;
  accuracy: number;
  macroF1: number;
  /** F1 of "anomalous" (any class ≠ 0) from the anomaly score at `threshold`. */
  anomalyF1: number;
}

function f1(tp: number, fp: number, fn: number): number {
  return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
}

/** truth: class index or -1 (unlabelled); predicted: class index; anomaly: score in [0, 1]. */
export function classificationMetrics(truth: ArrayLike<number>, predicted: ArrayLike<number>, anomaly: ArrayLike<number>, classes: number, threshold = 0.5): ClassificationMetrics {
  const tp = new Array<number>(classes).fill(0);
  const fp = new Array<number>(classes).fill(0);
  const fn = new Array<number>(classes).fill(0);
  const seen = new Array<boolean>(classes).fill(false);
  let count = 0;
  let correct = 0;
  let atp = 0;
  let afp = 0;
  let afn = 0;
  for (let i = 0; i < truth.length; i++) {
    const y = truth[i] ?? -1;
    if (y < 0) continue;
    const p = predicted[i] ?? 0;
    count++;
    seen[y] = true;
    seen[p] = true;
    if (p === y) {
      correct++;
      tp[y] = (tp[y] ?? 0) + 1;
    } else {
      fp[p] = (fp[p] ?? 0) + 1;
      fn[y] = (fn[y] ?? 0) + 1;
    }
    const isAnomaly = y !== 0;
    const flagged = (anomaly[i] ?? 0) >= threshold;
    if (isAnomaly && flagged) atp++;
    else if (flagged) afp++;
    else if (isAnomaly) afn++;
  }
  // Macro-F1 over classes present in truth or predictions (absent classes would add meaningless zeros).
  const present = seen.map((s, c) => (s ? c : -1)).filter((c) => c >= 0);
  const macroF1 = present.length ? present.reduce((a, c) => a + f1(tp[c] ?? 0, fp[c] ?? 0, fn[c] ?? 0), 0) / present.length : NaN;
  return { count, accuracy: correct / count, macroF1, anomalyF1: f1(atp, afp, afn) };
}

/** A task's headline score for Δm%: mean MAE over horizons (lower is better) or macro-F1 (higher). */
export interface TaskScore {
  value: number;
  higherIsBetter: boolean;
}

/**
 * Δm% = mean over tasks of (−1)^{higher is better}·(M_mtl − M_stl)/M_stl × 100: negative = the
 * multi-task model is better on average (DESIGN.md). Also returns each task's term.
 */
export function deltaM(mtl: Record<string, TaskScore>, stl: Record<string, TaskScore>): { deltaM: number; perTask: Record<string, number> } {
  const perTask: Record<string, number> = {};
  for (const [task, m] of Object.entries(mtl)) {
    const s = stl[task];
    if (!s) throw new Error(`no single-task score for ${task}`);
    const sign = m.higherIsBetter ? -1 : 1;
    perTask[task] = (sign * (m.value - s.value) / Math.abs(s.value)) * 100;
  }
  const terms = Object.values(perTask);
  return { deltaM: terms.reduce((a, b) => a + b, 0) / terms.length, perTask };
}

/** What k ≥ 1 measured losses of sharing say (see sharingHolds). */
export interface SharingLosses {
  mean: number;
  /** Sample standard deviation (0 with one value: one split shows no spread). */
  sd: number;
  /** mean + sd. */
  bound: number;
  /** True when bound ≤ tolerance: sharing does not hurt by more than the tolerance even one spread above its mean. */
  share: boolean;
}

/**
 * The negative-transfer rule, one definition for every guard (training's `weighSharing`):
 * k ≥ 1 losses of sharing a task's encoder (how much worse the shared model is than the task's single-task
 * model, positive = worse, one per fold or seed, in the unit of `tolerance`) allow sharing only when their
 * mean + sd stays within the tolerance. With one value it is "shared unless worse by more than the tolerance".
 */
export function sharingHolds(losses: readonly number[], tolerance: number): SharingLosses {
  const k = losses.length;
  if (k === 0) throw new Error('the guard needs at least one paired score of the shared and the single-task model');
  const mean = losses.reduce((a, b) => a + b, 0) / k;
  const sd = k > 1 ? Math.sqrt(losses.reduce((a, b) => a + (b - mean) ** 2, 0) / (k - 1)) : 0;
  const bound = mean + sd;
  return { mean, sd, bound, share: !(bound > tolerance) };
}
