import { describe, expect, test } from 'vitest';
import {
  asyncIterableOf,
  formatProgressLine,
  formatReplaySummary,
  mergeByTime,
  parseSpeed,
  replay,
  type DataRecord,
  type ReadingBatch,
  type ReplayClock,
  type ReplayProgress,
} from '../src/index.js';

const H = 3_600_000;

function rec(site: string, time: number, v = time): DataRecord {
  return { domain: 'city', site, time, values: { v } };
}

/** A clock whose sleeps advance virtual time at once, recording each wait. */
function fakeClock(): ReplayClock & { sleeps: number[]; advance(ms: number): void } {
  let t = 1000;
  const sleeps: number[] = [];
  return {
    sleeps,
    now: () => t,
    sleep: (ms) => {
      sleeps.push(ms);
      t += ms;
      return Promise.resolve();
    },
    advance: (ms) => {
      t += ms;
    },
  };
}

/** A stream that records whether the consumer closed it. */
function tracked(records: DataRecord[]): { stream: AsyncIterable<DataRecord>; closed: () => boolean } {
  let closed = false;
  async function* gen() {
    try {
      for (const r of records) yield await Promise.resolve(r);
    } finally {
      closed = true;
    }
  }
  return { stream: gen(), closed: () => closed };
}

describe('mergeByTime', () => {
  test('k-way merge into global time order; ties by stream order', async () => {
    const a = [rec('a', 1), rec('a', 4), rec('a', 9)];
    const b = [rec('b', 2), rec('b', 4), rec('b', 5)];
    const c: DataRecord[] = [];
    const d = [rec('d', 0), rec('d', 10)];
    const out: string[] = [];
    for await (const r of mergeByTime([a, b, c, d].map((rs, i) => ({ id: String(i), records: asyncIterableOf(rs) })))) out.push(`${r.site}${r.time}`);
    expect(out).toEqual(['d0', 'a1', 'b2', 'a4', 'b4', 'b5', 'a9', 'd10']);
  });

  test('a stream going back in time is an error naming it', async () => {
    const consume = async () => {
      for await (const _ of mergeByTime([{ id: 'x.csv', records: asyncIterableOf([rec('x', 5), rec('x', 3)]) }])) void _;
    };
    await expect(consume()).rejects.toThrow(/stream x\.csv went back in time: 1970-01-01T00:00:00\.003Z after 1970-01-01T00:00:00\.005Z/);
  });
});

describe('replay', () => {
  test('as fast as possible: per-site batches of at most maxFrames, every record once, site order kept', async () => {
    const streams = [
      [0, 1, 2, 3, 4].map((i) => rec('a', i * H)),
      [0, 1, 2].map((i) => rec('b', i * H + 1)),
    ];
    const sent: ReadingBatch[] = [];
    let inFlight = 0;
    const summary = await replay(
      streams.map((s) => asyncIterableOf(s)),
      {
        maxFrames: 2,
        clock: fakeClock(),
        publish: async (batch) => {
          inFlight++;
          expect(inFlight).toBe(1); // awaited one at a time: backpressure
          await new Promise((r) => setTimeout(r, 1));
          sent.push(batch);
          inFlight--;
        },
      },
    );
    expect(sent.every((b) => b.frames.length <= 2 && b.frames.every((f) => f.site === b.site && f.domain === b.domain))).toBe(true);
    const a = sent.filter((b) => b.site === 'a').flatMap((b) => b.frames.map((f) => f.ts));
    expect(a).toEqual([0, 1, 2, 3, 4].map((i) => i * H));
    expect(sent.flatMap((b) => b.frames)).toHaveLength(8);
    expect(summary).toMatchObject({ records: 8, messages: sent.length, sites: 2, firstTime: 0, lastTime: 4 * H, aborted: false, skipped: 0 });
  });

  test('paces by data time at the speed factor, flushing what is due before each wait', async () => {
    const clock = fakeClock();
    const publishedAt: [number, number][] = [];
    await replay(asyncIterableOf([rec('a', 0), rec('b', 0), rec('a', H), rec('a', 3 * H)]), {
      speed: parseSpeed('3600x'),
      maxFrames: 100,
      clock,
      publish: (batch) => {
        for (const f of batch.frames) publishedAt.push([f.ts as number, clock.now()]);
        return Promise.resolve();
      },
    });
    // One data hour per wall second: waits of 1 s then 2 s; each record leaves at its due time.
    expect(clock.sleeps).toEqual([1000, 2000]);
    expect(publishedAt).toEqual([
      [0, 1000],
      [0, 1000],
      [H, 2000],
      [3 * H, 4000],
    ]);
  });

  test('a slow publisher delays the schedule without waits piling up', async () => {
    const clock = fakeClock();
    await replay(asyncIterableOf([0, 1, 2, 3].map((i) => rec('a', i * H))), {
      speed: 3600,
      maxFrames: 1,
      clock,
      publish: () => {
        clock.advance(1500);
        return Promise.resolve();
      },
    });
    expect(clock.sleeps).toEqual([]);
  });

  test('long data gaps are shortened to maxWaitMs', async () => {
    const clock = fakeClock();
    await replay(asyncIterableOf([rec('a', 0), rec('a', 308 * 24 * H), rec('a', 308 * 24 * H + H)]), {
      speed: 3600,
      maxWaitMs: 5000,
      clock,
      publish: () => Promise.resolve(),
    });
    expect(clock.sleeps).toEqual([5000, 1000]);
  });

  test('abort stops cleanly: formed batches are sent, sources closed, summary says stopped', async () => {
    const controller = new AbortController();
    const source = tracked(Array.from({ length: 100 }, (_, i) => rec('a', i * 1000)));
    let frames = 0;
    const summary = await replay(source.stream, {
      maxFrames: 3,
      signal: controller.signal,
      clock: fakeClock(),
      publish: (batch) => {
        frames += batch.frames.length;
        if (frames >= 9) controller.abort();
        return Promise.resolve();
      },
    });
    expect(summary.aborted).toBe(true);
    expect(summary.records).toBe(frames);
    expect(summary.records).toBe(9);
    expect(source.closed()).toBe(true);
  });

  test('abort during a wait returns without sending the next record', async () => {
    const controller = new AbortController();
    const clock = fakeClock();
    const summary = await replay(asyncIterableOf([rec('a', 0), rec('a', H)]), {
      speed: 1,
      signal: controller.signal,
      clock: { now: () => clock.now(), sleep: () => (controller.abort(), Promise.resolve()) },
      publish: () => Promise.resolve(),
    });
    expect(summary).toMatchObject({ aborted: true, records: 1, lastTime: 0 });
  });

  test('progress reports rate and ETA from the injected clock, and a final call', async () => {
    const clock = fakeClock();
    const reports: ReplayProgress[] = [];
    await replay(asyncIterableOf(Array.from({ length: 10 }, (_, i) => rec('a', i))), {
      maxFrames: 1,
      total: 10,
      progressIntervalMs: 0,
      clock,
      onProgress: (p) => reports.push(p),
      publish: () => {
        clock.advance(100);
        return Promise.resolve();
      },
    });
    expect(reports[0]).toMatchObject({ records: 1, total: 10, elapsedMs: 100, ratePerSec: 10, etaMs: 900, dataTime: 0 });
    expect(reports.at(-1)).toMatchObject({ records: 10, etaMs: 0 });
    expect(formatProgressLine(reports[4] as ReplayProgress)).toBe('[##########----------] 50.0% 5/10 records · 10 rec/s · ETA 0:01 · data 1970-01-01T00:00:00.004Z');
  });

  test('summary line', () => {
    expect(formatReplaySummary({ records: 1500, messages: 15, sites: 2, firstTime: 0, lastTime: H, wallMs: 3000, aborted: false, skipped: 3 })).toBe(
      'done: 1,500 records in 15 messages from 2 sites covering 1970-01-01T00:00:00.000Z → 1970-01-01T01:00:00.000Z, 3 skipped, in 0:03 (500 rec/s)',
    );
  });
});

describe('parseSpeed', () => {
  test('factors with or without x, and max', () => {
    expect(parseSpeed('3600x')).toBe(3600);
    expect(parseSpeed('60')).toBe(60);
    expect(parseSpeed('0.5x')).toBe(0.5);
    expect(parseSpeed('MAX')).toBe(Number.POSITIVE_INFINITY);
    for (const bad of ['0', '-5', 'fast', '', '3600xx']) expect(() => parseSpeed(bad)).toThrow(/is not a positive factor like "3600x"/);
  });
});
