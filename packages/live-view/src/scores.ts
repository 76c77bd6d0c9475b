/**
 * Scores of served predictions against what happened, as rolling series over time: MAE next to
 * persistence's MAE on the same targets (regression), error rate and macro-F1 next to the
 * "always normal" baseline (fault; training's persistence for it, as labels are no input).
 */

/** One scored regression target: the served forecast, the actual, and persistence's forecast of it. */
export interface RegressionPair {
  /** Target time, ms. */
  time: number;
  value: number;
  actual: number;
  persistence: number;
}

/** One scored fault prediction: class indices (0 = normal). */
export interface ClassPair {
  time: number;
  predicted: number;
  actual: number;
}

/** Something that scores a sliding set of pairs: add enters a pair, remove (sign -1) takes it out again. */
interface Accumulator<P> {
  add(pair: P, sign: 1 | -1): void;
}

/**
 * Calls `accumulator.add` so that it holds exactly the pairs with time in (t - windowMs, t], then
 * `read(t)`, for each distinct time t. Pairs must be sorted by time.
 */
function slide<P extends { time: number }>(pairs: readonly P[], windowMs: number, accumulator: Accumulator<P>, read: (time: number) => void): void {
  let tail = 0;
  let head = 0;
  while (head < pairs.length) {
    const time = (pairs[head] as P).time;
    while (head < pairs.length && (pairs[head] as P).time === time) accumulator.add(pairs[head++] as P, 1);
    while (tail < head && (pairs[tail] as P).time <= time - windowMs) accumulator.add(pairs[tail++] as P, -1);
    read(time);
  }
}

class AbsoluteErrors implements Accumulator<RegressionPair> {
  n = 0;
  model = 0;
  persistence = 0;
  add(p: RegressionPair, sign: 1 | -1): void {
    this.n += sign;
    this.model += sign * Math.abs(p.value - p.actual);
    this.persistence += sign * Math.abs(p.persistence - p.actual);
  }
  mae(which: 'model' | 'persistence'): number | null {
    return this.n > 0 ? this[which] / this.n : null;
  }
}

/**
 * The model's MAE minus persistence's on the same targets, and how sure that is (a Diebold–Mariano comparison
 * on a panel). The targets are not independent draws: the sites and horizons that share a target time share
 * its actual (a gust of traffic, a smog hour moves them together), and nearby target times share a regime (an
 * incident, a stagnant night; an h-step forecast overlaps the next ones in h − 1 steps). So the standard error
 * is Driscoll–Kraay's: each target time's pairs are summed into one value, and the variance of their mean is
 * Newey–West's over the target times in order, with Bartlett weights up to `lags` steps. With few target times
 * it says nothing: see `MIN_CLUSTERS`.
 */
export interface MaeDifference {
  /** model MAE − persistence MAE (negative: the model errs less). */
  mean: number;
  /** Its standard error (Driscoll–Kraay); null with fewer than two target times. */
  se: number | null;
  /** Distinct target times among the pairs. */
  clusters: number;
  /** Steps of serial correlation the standard error allows for (Newey–West bandwidth). */
  lags: number;
}

/** Target times below which a difference is not told from noise (a standard error from so few of them is itself a guess). */
export const MIN_CLUSTERS = 5;

/** What the pairs say about the model against persistence: better or worse beyond 2 standard errors, within them, or too few target times to tell. */
export type MaeVerdict = 'better' | 'worse' | 'within noise' | 'too few target times';

export function maeVerdict(d: MaeDifference | null): MaeVerdict {
  if (!d || d.se === null || d.clusters < MIN_CLUSTERS) return 'too few target times';
  if (Math.abs(d.mean) <= 2 * d.se) return 'within noise';
  return d.mean < 0 ? 'better' : 'worse';
}

/** How the target times of a difference are spaced and how far apart their errors may stay correlated. */
export interface SerialCorrelation {
  /** The task's step: target times `intervalMs` apart are one step apart. */
  intervalMs: number;
  /** The longest horizon among the pairs, in steps (its forecasts overlap in horizon − 1 steps). */
  maxHorizon: number;
}

/**
 * Newey–West bandwidth: the forecasts' overlap (max horizon − 1), or the usual ⌊4 (T/100)^(2/9)⌋ for T target
 * times where that is longer.
 */
export function bandwidth(times: number, maxHorizon: number): number {
  return Math.max(0, maxHorizon - 1, Math.floor(4 * (times / 100) ** (2 / 9)));
}

/** `MaeDifference` of the pairs (any order); null without pairs. Without `serial`, target times count as independent (lags 0). */
export function maeDifference(pairs: readonly RegressionPair[], serial?: SerialCorrelation): MaeDifference | null {
  const n = pairs.length;
  if (n === 0) return null;
  const d = pairs.map((p) => Math.abs(p.value - p.actual) - Math.abs(p.persistence - p.actual));
  const mean = d.reduce((a, b) => a + b, 0) / n;
  // One value per target time: the sum of its pairs' deviations from the mean.
  const sums = new Map<number, number>();
  pairs.forEach((p, i) => sums.set(p.time, (sums.get(p.time) ?? 0) + (d[i] as number) - mean));
  const c = sums.size;
  const lags = serial ? bandwidth(c, serial.maxHorizon) : 0;
  if (c < 2) return { mean, se: null, clusters: c, lags };
  let s = 0;
  for (const [time, v] of sums) {
    s += v * v;
    // Each pair of target times l steps apart (1 ≤ l ≤ lags) once, weighted 1 − l/(lags + 1), counted twice.
    for (let l = 1; serial && l <= lags; l++) {
      const w = sums.get(time + l * serial.intervalMs);
      if (w !== undefined) s += 2 * (1 - l / (lags + 1)) * v * w;
    }
  }
  // Σ_t S_t² + 2 Σ_l w_l Σ_t S_t S_{t+l}, over n², with the small-sample factor c / (c − 1). Bartlett weights keep it ≥ 0.
  return { mean, se: Math.sqrt((Math.max(0, s) * c) / (c - 1)) / n, clusters: c, lags };
}

export interface RegressionScores {
  metric: 'mae';
  /** Rolling MAE at each target time over the targets of the preceding window (all sites and horizons asked for). */
  points: { time: number[]; model: (number | null)[]; persistence: (number | null)[] };
  /** Over every pair in the range; `difference` is null without pairs, `verdict` reads it (maeVerdict). */
  summary: { n: number; model: number | null; persistence: number | null; difference: MaeDifference | null; verdict: MaeVerdict };
}

/** Rolling and overall MAE of the pairs (sorted by time); `serial` sets how the difference with persistence treats nearby target times (maeDifference). */
export function regressionScores(pairs: readonly RegressionPair[], windowMs: number, serial?: SerialCorrelation): RegressionScores {
  const points: RegressionScores['points'] = { time: [], model: [], persistence: [] };
  const rolling = new AbsoluteErrors();
  slide(pairs, windowMs, rolling, (time) => {
    points.time.push(time);
    points.model.push(rolling.mae('model'));
    points.persistence.push(rolling.mae('persistence'));
  });
  const all = new AbsoluteErrors();
  for (const p of pairs) all.add(p, 1);
  const difference = maeDifference(pairs, serial);
  return { metric: 'mae', points, summary: { n: all.n, model: all.mae('model'), persistence: all.mae('persistence'), difference, verdict: maeVerdict(difference) } };
}

/**
 * A confusion matrix kept as per-class counts, with removal: error rate and macro-F1 over the classes
 * present in truth or predictions (model's classificationMetrics: absent classes would add zeros).
 */
export class Confusion {
  private readonly tp: number[];
  private readonly fp: number[];
  private readonly fn: number[];
  /** How often each class occurs as truth or prediction (present when > 0). */
  private readonly seen: number[];
  n = 0;
  private wrong = 0;

  constructor(readonly classes: number) {
    this.tp = new Array<number>(classes).fill(0);
    this.fp = new Array<number>(classes).fill(0);
    this.fn = new Array<number>(classes).fill(0);
    this.seen = new Array<number>(classes).fill(0);
  }

  add(actual: number, predicted: number, sign: 1 | -1 = 1): void {
    this.n += sign;
    this.seen[actual] = (this.seen[actual] ?? 0) + sign;
    this.seen[predicted] = (this.seen[predicted] ?? 0) + sign;
    if (actual === predicted) {
      this.tp[actual] = (this.tp[actual] ?? 0) + sign;
    } else {
      this.wrong += sign;
      this.fp[predicted] = (this.fp[predicted] ?? 0) + sign;
      this.fn[actual] = (this.fn[actual] ?? 0) + sign;
    }
  }

  get errorRate(): number | null {
    return this.n > 0 ? this.wrong / this.n : null;
  }

  get macroF1(): number | null {
    let sum = 0;
    let present = 0;
    for (let c = 0; c < this.classes; c++) {
      if ((this.seen[c] ?? 0) <= 0) continue;
      present++;
      const tp = this.tp[c] ?? 0;
      const denominator = 2 * tp + (this.fp[c] ?? 0) + (this.fn[c] ?? 0);
      sum += denominator === 0 ? 0 : (2 * tp) / denominator;
    }
    return present > 0 ? sum / present : null;
  }
}

/** The served model's and the "always normal" baseline's confusion over the same pairs. */
class ModelAndBaseline implements Accumulator<ClassPair> {
  readonly model: Confusion;
  readonly baseline: Confusion;
  constructor(classes: number) {
    this.model = new Confusion(classes);
    this.baseline = new Confusion(classes);
  }
  add(p: ClassPair, sign: 1 | -1): void {
    this.model.add(p.actual, p.predicted, sign);
    this.baseline.add(p.actual, 0, sign);
  }
}

export interface ClassificationScores {
  metric: 'error_rate';
  points: { time: number[]; model_error: (number | null)[]; baseline_error: (number | null)[]; model_f1: (number | null)[]; baseline_f1: (number | null)[] };
  summary: { n: number; model: { error_rate: number | null; macro_f1: number | null }; baseline: { error_rate: number | null; macro_f1: number | null } };
}

export function classificationScores(pairs: readonly ClassPair[], classes: number, windowMs: number): ClassificationScores {
  const points: ClassificationScores['points'] = { time: [], model_error: [], baseline_error: [], model_f1: [], baseline_f1: [] };
  const rolling = new ModelAndBaseline(classes);
  slide(pairs, windowMs, rolling, (time) => {
    points.time.push(time);
    points.model_error.push(rolling.model.errorRate);
    points.baseline_error.push(rolling.baseline.errorRate);
    points.model_f1.push(rolling.model.macroF1);
    points.baseline_f1.push(rolling.baseline.macroF1);
  });
  const all = new ModelAndBaseline(classes);
  for (const p of pairs) all.add(p, 1);
  return {
    metric: 'error_rate',
    points,
    summary: {
      n: all.model.n,
      model: { error_rate: all.model.errorRate, macro_f1: all.model.macroF1 },
      baseline: { error_rate: all.baseline.errorRate, macro_f1: all.baseline.macroF1 },
    },
  };
}
