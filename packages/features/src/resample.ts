import type { Reading } from '@headstream/core';

/**
 * A site's metrics on a regular time grid. Bucket i covers [start + i·interval, start + (i+1)·interval);
 * a bucket with no reading holds NaN, so gaps stay visible until fillGaps decides what to do.
 */
export interface SeriesFrame {
  start: number;
  intervalMs: number;
  length: number;
  channels: readonly string[];
  /** One array per channel, `length` long. */
  values: Float64Array[];
}

export interface TimedValue {
  time: number;
  value: number;
}

/** Floors a time to the interval grid (epoch-aligned, so every site shares the same buckets). */
export function alignTime(time: number, intervalMs: number): number {
  return Math.floor(time / intervalMs) * intervalMs;
}

/** Bucket means of irregular points on the grid [start, start + length·interval). */
export function resample(points: readonly TimedValue[], start: number, intervalMs: number, length: number): Float64Array {
  const sum = new Float64Array(length);
  const count = new Uint32Array(length);
  for (const p of points) {
    if (!Number.isFinite(p.value)) continue;
    const i = Math.floor((p.time - start) / intervalMs);
    if (i < 0 || i >= length) continue;
    sum[i] = (sum[i] ?? 0) + p.value;
    count[i] = (count[i] ?? 0) + 1;
  }
  const out = new Float64Array(length);
  for (let i = 0; i < length; i++) out[i] = count[i] ? (sum[i] ?? 0) / (count[i] ?? 1) : NaN;
  return out;
}

/**
 * Resamples one site's readings (any arrival order, duplicates allowed) to a frame. `end` is exclusive;
 * start and end are aligned down to the interval.
 */
export function readingsToFrame(
  readings: readonly Reading[],
  channels: readonly string[],
  range: { start: number; end: number },
  intervalMs: number,
): SeriesFrame {
  const start = alignTime(range.start, intervalMs);
  const length = Math.max(0, Math.ceil((range.end - start) / intervalMs));
  const perChannel = new Map<string, TimedValue[]>(channels.map((c) => [c, []]));
  for (const r of readings) {
    for (const [metric, value] of Object.entries(r.values)) perChannel.get(metric)?.push({ time: r.time, value });
  }
  return {
    start,
    intervalMs,
    length,
    channels: [...channels],
    values: channels.map((c) => resample(perChannel.get(c) ?? [], start, intervalMs, length)),
  };
}

/** Re-buckets a frame channel to a coarser interval (mean of the finer buckets that hold data). */
export function coarsen(frame: SeriesFrame, channel: string, intervalMs: number): { start: number; values: Float64Array } {
  const idx = frame.channels.indexOf(channel);
  if (idx < 0) throw new Error(`channel ${channel} is not in the frame (${frame.channels.join(', ')})`);
  const src = frame.values[idx] as Float64Array;
  const points: TimedValue[] = [];
  for (let i = 0; i < frame.length; i++) points.push({ time: frame.start + i * frame.intervalMs, value: src[i] ?? NaN });
  const start = alignTime(frame.start, intervalMs);
  const length = Math.ceil((frame.start + frame.length * frame.intervalMs - start) / intervalMs);
  return { start, values: resample(points, start, intervalMs, length) };
}

/**
 * Forward-fills gaps for at most `limit` buckets (null: any length) and returns the observation mask
 * (1 = observed). Causal: a bucket takes only an earlier value, so a gap before a channel's first
 * reading, or longer than the limit, stays NaN (windows read it as the training mean, mask 0).
 */
export function fillGaps(values: Float64Array, limit: number | null = null): { filled: Float64Array; mask: Uint8Array } {
  const n = values.length;
  const filled = new Float64Array(n);
  const mask = new Uint8Array(n);
  let last = NaN;
  let age = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i] ?? NaN;
    if (Number.isFinite(v)) {
      last = v;
      age = 0;
      mask[i] = 1;
    } else age++;
    filled[i] = limit === null || age <= limit ? last : NaN;
  }
  return { filled, mask };
}
