import { afterEach, describe, expect, it } from 'vitest';
import { migrate, openPglite, type SqlClient } from '@headstream/store';
import type { InboundMessage } from '@headstream/transport';
import { chunkByBudget, IngestPipeline, SeriesQuota } from '../src/index.js';

const T0 = Date.parse('2025-01-01T00:00:00Z');

const closers: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c();
});

async function database(): Promise<SqlClient> {
  const db = await openPglite();
  closers.push(() => db.close());
  await migrate(db);
  return db;
}

/** One MQTT message of `frames` frames with `metrics` metrics named `${prefix}0..`. */
const message = (site: string, frames: number, metrics: number, prefix = 'm', step0 = 0): InboundMessage => ({
  source: 'mqtt',
  topic: `hs/v1/readings/city/${site}`,
  payload: Buffer.from(
    JSON.stringify(
      Array.from({ length: frames }, (_, f) => ({
        site,
        ts: T0 + (step0 + f) * 60_000,
        values: Object.fromEntries(Array.from({ length: metrics }, (_, k) => [`${prefix}${k}`, f + k])),
      })),
    ),
  ),
  receivedAt: Date.now(),
});

async function count(db: SqlClient, sql: string): Promise<number> {
  return (await db.query<{ n: number }>(sql)).rows[0]?.n ?? 0;
}

describe('series quota (token bucket of new series a minute)', () => {
  it('takes up to its size at once, refuses beyond, refills with time', () => {
    const q = new SeriesQuota(600, 0);
    expect(q.tryTake(500, 0)).toBe(true);
    expect(q.tryTake(101, 0)).toBe(false); // nothing taken
    expect(q.tryTake(100, 0)).toBe(true);
    expect(q.tryTake(1, 0)).toBe(false);
    expect(q.tryTake(10, 1_000)).toBe(true); // 10 a second
    expect(q.tryTake(1, 1_000)).toBe(false);
    expect(q.available(3_600_000)).toBe(600); // never above its size
    expect(q.tryTake(601, 3_600_000)).toBe(false); // a message needing more than a minute's worth never passes
    expect(q.tryTake(0, 3_600_000)).toBe(true);
  });

  it('pipeline: messages that would create series beyond the quota are dead-lettered (series_quota) and counted; known series still flow', async () => {
    const db = await database();
    const pipeline = new IngestPipeline({ db, sources: [], writeMode: 'unnest', seriesQuotaPerMinute: 10 });
    // 3 new series each: the first 3 messages fit (9), the 4th does not.
    await pipeline.handle('mqtt', [message('a', 1, 3), message('b', 1, 3), message('c', 1, 3), message('d', 1, 3)]);
    // Known series cost nothing, and a series new to two messages of a batch is charged once.
    await pipeline.handle('mqtt', [message('a', 2, 3, 'm', 10), message('e', 1, 1), message('e', 1, 1, 'm', 5)]);
    expect(await count(db, 'SELECT count(*)::int AS n FROM series')).toBe(10);
    expect(await count(db, 'SELECT count(*)::int AS n FROM readings')).toBe(9 + 6 + 2);
    const dead = (await db.query<{ reason: string; topic: string; detail: string }>('SELECT reason, topic, detail FROM dead_letters')).rows;
    expect(dead).toEqual([expect.objectContaining({ reason: 'series_quota', topic: 'hs/v1/readings/city/d' })]);
    expect(dead[0]?.detail).toMatch(/would create 3 new series; the quota of 10 new series a minute is used up/);
    expect(pipeline.stats).toMatchObject({ messages: 7, deadLetters: 1, seriesQuota: 1 });
  });
});

describe('batch splitting by values', () => {
  it('chunkByBudget: consecutive chunks within the budget; an item over it alone', () => {
    expect(chunkByBudget([3, 3, 3, 10, 1, 1], (n) => n, 6)).toEqual([[3, 3], [3], [10], [1, 1]]);
    expect(chunkByBudget([], (n: number) => n, 6)).toEqual([]);
  });

  it('pipeline: a batch over maxWriteValues is written in several transactions of whole messages, all of it stored', async () => {
    const db = await database();
    let transactions = 0;
    const counting: SqlClient = Object.assign(Object.create(db) as SqlClient, {
      transaction: <T>(fn: Parameters<SqlClient['transaction']>[0]) => {
        transactions++;
        return db.transaction(fn) as Promise<T>;
      },
    });
    const pipeline = new IngestPipeline({ db: counting, sources: [], writeMode: 'unnest', maxWriteValues: 1_000 });
    // 10 messages of 20 frames × 20 metrics = 400 values each: 2 per transaction → 5.
    await pipeline.handle('mqtt', Array.from({ length: 10 }, (_, i) => message(`s${i}`, 20, 20)));
    expect(transactions).toBe(5);
    expect(await count(db, 'SELECT count(*)::int AS n FROM readings')).toBe(4_000);
    expect(pipeline.stats).toMatchObject({ batches: 1, messages: 10, inserted: 4_000, deadLetters: 0 });
  });
});
