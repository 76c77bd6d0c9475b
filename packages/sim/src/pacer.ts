import { systemClock, type Clock } from '@headstream/core';
/**
 * Paces a stream at R items per wall second for `simulate --rate R`: item n may leave at
 * start + n / R seconds. A slow consumer is never "caught up" with a burst beyond one
 * second's worth of items.
 */
/** Time source and sleeper of the pacer (core's Clock); injected in tests. */
export type PacerClock = Clock;
export const systemPacerClock: PacerClock = systemClock;

export interface RatePacer {
  /** Waits until `count` more items may go. */
  take(count?: number): Promise<void>;
}

export function createRatePacer(options: { ratePerSec: number; clock?: PacerClock; signal?: AbortSignal }): RatePacer {
  const { ratePerSec } = options;
  if (!(ratePerSec > 0) || !Number.isFinite(ratePerSec)) throw new Error(`rate must be a positive number per second, got ${ratePerSec}`);
  const clock = options.clock ?? systemPacerClock;
  let origin: number | undefined;
  let sent = 0;
  return {
    async take(count = 1) {
      const now = clock.now();
      origin ??= now;
      // Forget credit older than a second so a stall is not followed by a flood.
      const earliest = now - 1000;
      if (origin + (sent / ratePerSec) * 1000 < earliest) {
        origin = earliest;
        sent = 0;
      }
      const due = origin + (sent / ratePerSec) * 1000;
      sent += count;
      if (due > now) await clock.sleep(due - now, options.signal);
    },
  };
}

/** Parses a --rate value: a positive number of items per second ("200", "200/s"). */
export function parseRate(text: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(?:\/s)?\s*$/.exec(text);
  const rate = m ? Number(m[1]) : Number.NaN;
  if (!(rate > 0)) throw new Error(`rate ${JSON.stringify(text)} is not a positive number per second, e.g. "200" or "200/s"`);
  return rate;
}
