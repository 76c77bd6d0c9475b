import type { ReadingFrame } from '@headstream/core';

/** One simulated reading: the same shape as a data set record, labels all numeric. */
export interface SimRecord {
  domain: 'city' | 'factory';
  site: string;
  /** Epoch ms of virtual time. */
  time: number;
  values: Record<string, number>;
  /** Ground truth: incident, fault class index, anomaly, health, … */
  labels: Record<string, number>;
}

export const GROUND_TRUTH_PREFIX = 'gt_';

export interface SimFrameOptions {
  /** Add labels as gt_<label> metrics (default true: ground truth is what scores models). */
  groundTruth?: boolean;
  /** Put the domain in the frame (Kafka needs it). Default true. */
  domainField?: boolean;
}

/** A core reading frame for a simulated record; ts is epoch ms. */
export function simRecordToFrame(record: SimRecord, options: SimFrameOptions = {}): ReadingFrame {
  const values: Record<string, number> = { ...record.values };
  if (options.groundTruth ?? true) {
    for (const [name, value] of Object.entries(record.labels)) values[`${GROUND_TRUTH_PREFIX}${name}`] = value;
  }
  const frame: ReadingFrame = { site: record.site, ts: record.time, values };
  if (options.domainField ?? true) frame.domain = record.domain;
  return frame;
}

export const HOUR_MS = 3_600_000;
/** Default virtual start: fixed, so runs are reproducible unless the caller picks "now". */
export const DEFAULT_START_MS = Date.UTC(2024, 0, 1);

export function checkTiming(options: { start?: number; intervalMs?: number; until?: number }, defaults: { intervalMs: number }): { start: number; intervalMs: number; until: number } {
  const start = options.start ?? DEFAULT_START_MS;
  const intervalMs = options.intervalMs ?? defaults.intervalMs;
  const until = options.until ?? Number.POSITIVE_INFINITY;
  if (!Number.isFinite(start)) throw new Error(`start must be an epoch ms number, got ${start}`);
  if (!Number.isInteger(intervalMs) || intervalMs < 1) throw new Error(`intervalMs must be a positive integer, got ${intervalMs}`);
  if (Number.isNaN(until)) throw new Error('until must be an epoch ms number');
  return { start, intervalMs, until };
}

export function checkCount(name: string, n: number, min: number): void {
  if (!Number.isInteger(n) || n < min || n > 10_000) throw new Error(`${name} must be an integer ${min}..10000, got ${n}`);
}
