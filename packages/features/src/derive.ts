import type { SeriesFrame } from './resample.js';

/**
 * Channels computed from a site's metrics, part of the feature spec so that training, evaluation
 * and serving compute them with this one code. Each reads only the past (bucket ≤ i), and all but
 * `deviation` only a bounded past (`derivedContext`), so a serving window needs a bounded buffer.
 */
export type DerivedChannel =
  /** value − the previous bucket's value (NaN when either is missing). */
  | { name: string; kind: 'change'; of: string }
  /**
   * value − the site's baseline: the mean of the site's first `baselineSteps` buckets seen so far
   * (its history starts in a reference state, e.g. a test-bed run that starts normal).
   */
  | { name: string; kind: 'deviation'; of: string; baselineSteps: number }
  /**
   * What followed this time of day `days` days ago: value[i − d·season + 1] − value[i − d·season];
   * with `mean`, the mean of that over d = 1…days (missing days skipped).
   */
  | { name: string; kind: 'next_change'; of: string; days: number; seasonSteps: number; mean: boolean }
  /** sin or cos of an angle in degrees (wind direction: 359° sits next to 0°). */
  | { name: string; kind: 'sin_deg' | 'cos_deg'; of: string }
  /**
   * ln(1 + the series' recent spread over its last `steps` values, recentSpread): the unit a change target
   * with TargetTransform `spread` is measured in, so a head asked for a change in that unit reads the unit.
   */
  | { name: string; kind: 'spread'; of: string; steps: number };

/** Buckets before i a derived channel reads (deviation reads the site's history start instead). */
export function derivedContext(d: DerivedChannel): number {
  switch (d.kind) {
    case 'change':
      return 1;
    case 'next_change':
      return d.days * d.seasonSteps;
    case 'spread':
      return d.steps - 1;
    default:
      return 0;
  }
}

/**
 * A series' recent spread at `end`: the mean absolute change between consecutive observed values among its
 * last `steps` values (end − steps + 1 … end; NaN when no two consecutive ones are observed). One definition for
 * the change unit of a target (TargetTransform `spread`) and the `spread` channel that carries it to the model.
 */
export function recentSpread(at: (j: number) => number, end: number, steps: number): number {
  let sum = 0;
  let pairs = 0;
  for (let j = end; j > end - steps + 1 && j >= 1; j--) {
    const d = at(j) - at(j - 1);
    if (Number.isFinite(d)) {
      sum += Math.abs(d);
      pairs++;
    }
  }
  return pairs > 0 ? sum / pairs : NaN;
}

/**
 * A frame plus where its site's history starts, for `deviation` channels: when the frame starts
 * after the origin, `baselines` must hold each deviation channel's baseline (see `deviationBaseline`).
 */
export interface SiteFrame extends SeriesFrame {
  /** Start of the site's history (its first bucket); default: the frame's start. */
  origin?: number;
  /** Deviation channel name → the baseline mean of the site's first buckets. */
  baselines?: Record<string, number>;
}

const channelOf = (frame: SeriesFrame, c: string): Float64Array => {
  const k = frame.channels.indexOf(c);
  if (k < 0) throw new Error(`frame lacks channel ${c} (has ${frame.channels.join(', ')})`);
  return frame.values[k] as Float64Array;
};

/** The mean of the finite values among the first `steps` (sequential sum: the same bits everywhere). */
export function deviationBaseline(values: ArrayLike<number>, steps: number): number {
  let sum = 0;
  let n = 0;
  for (let i = 0; i < Math.min(steps, values.length); i++) {
    const x = values[i] ?? NaN;
    if (Number.isFinite(x)) {
      sum += x;
      n++;
    }
  }
  return n > 0 ? sum / n : NaN;
}

function deviation(frame: SiteFrame, d: Extract<DerivedChannel, { kind: 'deviation' }>): Float64Array {
  const v = channelOf(frame, d.of);
  const out = new Float64Array(frame.length);
  const offset = Math.round(((frame.origin ?? frame.start) - frame.start) / frame.intervalMs);
  if (offset < 0) {
    // The frame starts after the site's first buckets: their mean comes with the frame.
    if (-offset < d.baselineSteps) throw new Error(`${d.name}: a frame starting ${-offset} buckets after its site's origin still needs the first ${d.baselineSteps}`);
    const base = frame.baselines?.[d.name];
    if (base === undefined) throw new Error(`${d.name}: the frame starts after its site's origin and carries no baseline`);
    for (let i = 0; i < frame.length; i++) out[i] = (v[i] ?? NaN) - base;
    return out;
  }
  let sum = 0;
  let n = 0;
  for (let i = 0; i < frame.length; i++) {
    const x = v[i] ?? NaN;
    if (i < d.baselineSteps && Number.isFinite(x)) {
      sum += x;
      n++;
    }
    out[i] = Number.isFinite(x) && n > 0 ? x - sum / n : NaN;
  }
  return out;
}

function nextChange(frame: SeriesFrame, d: Extract<DerivedChannel, { kind: 'next_change' }>): Float64Array {
  const v = channelOf(frame, d.of);
  const at = (i: number, k: number) => {
    const a = i - k * d.seasonSteps;
    return a >= 0 ? (v[a + 1] ?? NaN) - (v[a] ?? NaN) : NaN;
  };
  return Float64Array.from({ length: frame.length }, (_, i) => {
    if (!d.mean) return at(i, d.days);
    let sum = 0;
    let n = 0;
    for (let k = 1; k <= d.days; k++) {
      const x = at(i, k);
      if (Number.isFinite(x)) {
        sum += x;
        n++;
      }
    }
    return n > 0 ? sum / n : NaN;
  });
}

function compute(frame: SiteFrame, d: DerivedChannel): Float64Array {
  switch (d.kind) {
    case 'change': {
      const v = channelOf(frame, d.of);
      return Float64Array.from({ length: frame.length }, (_, i) => (i > 0 ? (v[i] ?? NaN) - (v[i - 1] ?? NaN) : NaN));
    }
    case 'deviation':
      return deviation(frame, d);
    case 'next_change':
      return nextChange(frame, d);
    case 'spread': {
      const v = channelOf(frame, d.of);
      const at = (j: number) => v[j] ?? NaN;
      return Float64Array.from({ length: frame.length }, (_, i) => Math.log1p(recentSpread(at, i, d.steps)));
    }
    case 'sin_deg':
    case 'cos_deg': {
      const v = channelOf(frame, d.of);
      const f = d.kind === 'sin_deg' ? Math.sin : Math.cos;
      return Float64Array.from(v, (x) => f((x * Math.PI) / 180));
    }
  }
}

/** The frame with its derived channels appended (in spec order; one may read an earlier one). */
export function deriveChannels<F extends SiteFrame>(frame: F, derived: readonly DerivedChannel[]): F {
  let out: F = frame;
  for (const d of derived) {
    if (out.channels.includes(d.name)) continue;
    out = { ...out, channels: [...out.channels, d.name], values: [...out.values, compute(out, d)] };
  }
  return out;
}
