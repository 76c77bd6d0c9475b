import { systemClock, type Clock } from '@headstream/core';
import { createFrameBatcher, type FrameOptions, type ReadingBatch } from './frames.js';
import { mergeByTime } from './merge.js';
import type { DataRecord, LoadStats } from './records.js';

/**
 * Speed of a replay: data milliseconds per wall millisecond (3600 = one data hour per wall
 * second); Infinity = as fast as the publisher accepts.
 */
export type ReplaySpeed = number;

/** Parses "3600x", "3600", "0.5x" or "max". */
export function parseSpeed(text: string): ReplaySpeed {
  const t = text.trim().toLowerCase();
  if (t === 'max') return Number.POSITIVE_INFINITY;
  const m = /^(\d+(?:\.\d+)?|\.\d+)(?:e(\d+))?x?$/.exec(t);
  const value = m ? Number(t.replace(/x$/, '')) : Number.NaN;
  if (!Number.isFinite(value) || value <= 0) {
    throw new Error(`speed ${JSON.stringify(text)} is not a positive factor like "3600x" (one data hour per second), "60" or "max"`);
  }
  return value;
}

/** Time source and sleeper of a replay (core's Clock); injected in tests. */
export type ReplayClock = Clock;
export { systemClock };

export interface ReplayProgress {
  /** Records published so far. */
  records: number;
  messages: number;
  /** Records expected in all, when known (e.g. from estimateRecords). */
  total?: number;
  elapsedMs: number;
  /** Records per wall second. */
  ratePerSec: number;
  /** Wall ms left at the current rate, when total is known. */
  etaMs?: number;
  /** Data time of the latest published record, epoch ms. */
  dataTime?: number;
}

export interface ReplaySummary {
  records: number;
  messages: number;
  sites: number;
  firstTime?: number;
  lastTime?: number;
  wallMs: number;
  aborted: boolean;
  /** Records the loaders skipped or dropped (empty, duplicate, DST gap), when stats were given. */
  skipped: number;
  stats?: LoadStats;
}

export interface ReplayOptions extends FrameOptions {
  /** Sends one message; awaited, so a slow broker slows the replay (backpressure). */
  publish(batch: ReadingBatch): Promise<void>;
  /** Default: max. */
  speed?: ReplaySpeed;
  /** Frames per message, ≥ 1 (default 100). */
  maxFrames?: number;
  total?: number;
  onProgress?(progress: ReplayProgress): void;
  /** Minimum wall ms between progress calls (default 250); a final call always comes. */
  progressIntervalMs?: number;
  /** Stops the replay cleanly: batches already formed are published, then it returns. */
  signal?: AbortSignal;
  clock?: ReplayClock;
  /**
   * Longest single wait, wall ms (default 10,000). Longer gaps in the data (Metro has a
   * 308-day hole) are shortened to this, and the schedule shifts accordingly.
   */
  maxWaitMs?: number;
  /** Load counters of the sources, reported in the summary. */
  stats?: LoadStats;
}

/**
 * Replays records in time order: merges the streams (k-way), paces by data time at `speed`,
 * batches frames per (domain, site) and awaits `publish` per message. The transport lives
 * with the caller.
 */
export async function replay(input: AsyncIterable<DataRecord> | readonly AsyncIterable<DataRecord>[], options: ReplayOptions): Promise<ReplaySummary> {
  const speed = options.speed ?? Number.POSITIVE_INFINITY;
  if (!(speed > 0)) throw new Error(`speed must be > 0, got ${speed}`);
  const clock = options.clock ?? systemClock;
  const maxWaitMs = options.maxWaitMs ?? 10_000;
  const progressIntervalMs = options.progressIntervalMs ?? 250;
  const signal = options.signal;
  // A function, not an inline check: the signal flips during awaits.
  const isAborted = () => signal?.aborted === true;
  const records: AsyncIterable<DataRecord> = Array.isArray(input)
    ? mergeByTime((input as readonly AsyncIterable<DataRecord>[]).map((r, i) => ({ id: `stream ${i}`, records: r })))
    : (input as AsyncIterable<DataRecord>);

  const start = clock.now();
  let published = 0, messages = 0;
  let firstTime: number | undefined, lastTime: number | undefined;
  const sites = new Set<string>();
  let lastProgress = Number.NEGATIVE_INFINITY;

  const progress = (): ReplayProgress => {
    const elapsedMs = clock.now() - start;
    const ratePerSec = elapsedMs > 0 ? (published * 1000) / elapsedMs : 0;
    const p: ReplayProgress = { records: published, messages, elapsedMs, ratePerSec };
    if (options.total !== undefined) {
      p.total = options.total;
      if (ratePerSec > 0) p.etaMs = (Math.max(0, options.total - published) / ratePerSec) * 1000;
    }
    if (lastTime !== undefined) p.dataTime = lastTime;
    return p;
  };
  const send = async (batch: ReadingBatch) => {
    await options.publish(batch);
    messages++;
    published += batch.frames.length;
    sites.add(`${batch.domain}/${batch.site}`);
    for (const frame of batch.frames) {
      if (typeof frame.ts !== 'number') continue;
      if (firstTime === undefined || frame.ts < firstTime) firstTime = frame.ts;
      if (lastTime === undefined || frame.ts > lastTime) lastTime = frame.ts;
    }
    if (options.onProgress !== undefined && clock.now() - lastProgress >= progressIntervalMs) {
      lastProgress = clock.now();
      options.onProgress(progress());
    }
  };

  const batcher = createFrameBatcher({ ...options, maxFrames: options.maxFrames ?? 100 });
  let anchored = false, anchorWall = start, anchorData = 0;
  let aborted = isAborted();
  if (!aborted) {
    for await (const record of records) {
      if (!anchored) {
        anchored = true;
        anchorData = record.time;
        anchorWall = clock.now();
      }
      if (Number.isFinite(speed)) {
        let wait = anchorWall + (record.time - anchorData) / speed - clock.now();
        if (wait > 0) {
          for (const batch of batcher.flush()) await send(batch);
          wait = anchorWall + (record.time - anchorData) / speed - clock.now();
          if (wait > maxWaitMs) {
            anchorWall -= wait - maxWaitMs;
            wait = maxWaitMs;
          }
          if (wait > 0) await clock.sleep(wait, signal);
        }
      }
      if (isAborted()) {
        aborted = true;
        break;
      }
      const full = batcher.add(record);
      if (full !== undefined) await send(full);
      if (isAborted()) {
        aborted = true;
        break;
      }
    }
  }
  for (const batch of batcher.flush()) await send(batch);
  options.onProgress?.(progress());

  const stats = options.stats;
  const summary: ReplaySummary = {
    records: published,
    messages,
    sites: sites.size,
    wallMs: clock.now() - start,
    aborted,
    skipped: stats === undefined ? 0 : stats.emptyRecordsSkipped + stats.duplicatesDropped + stats.invalidTimesSkipped,
  };
  if (firstTime !== undefined) summary.firstTime = firstTime;
  if (lastTime !== undefined) summary.lastTime = lastTime;
  if (stats !== undefined) summary.stats = { ...stats };
  return summary;
}
