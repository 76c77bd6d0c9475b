import { afterEach, describe, expect, it } from 'vitest';
import { Metrics } from '@headstream/core';
import { migrate, openPglite, type SqlClient } from '@headstream/store';
import type { InboundMessage, MessagePublisher } from '@headstream/transport';
import { IngestPipeline } from '../src/index.js';

// Hardening item 9: the dead-letter topic copy goes out after the batch is acknowledged, bounded by
// a timeout, failures counted; a re-delivered Kafka record is dead-lettered once (partition, offset).

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

const bad = (offset: number): InboundMessage => ({
  source: 'kafka',
  topic: 'hs.readings',
  key: 's1',
  partition: 3,
  offset: String(offset),
  payload: Buffer.from('not json'),
  receivedAt: Date.now(),
});

describe('dead letters', () => {
  it('a publisher that never answers does not hold the batch; the copy times out and is counted', async () => {
    const db = await database();
    let calls = 0;
    const hanging: MessagePublisher = {
      kind: 'kafka',
      publish: () => {
        calls++;
        return new Promise<void>(() => undefined);
      },
      close: () => Promise.resolve(),
    };
    const metrics = new Metrics('test', { defaultMetrics: false });
    const pipeline = new IngestPipeline({ db, sources: [], deadLetterPublishers: { kafka: hanging }, deadLetterPublishTimeoutMs: 200, metrics });
    const started = Date.now();
    await pipeline.handle('kafka', [bad(1)]);
    // Acknowledged without waiting for the publisher (the old code awaited it forever).
    expect(Date.now() - started).toBeLessThan(2_000);
    expect((await db.query('SELECT 1 FROM dead_letters')).rowCount).toBe(1);
    const deadline = Date.now() + 10_000;
    while (pipeline.deadLetterPublishFailures === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(calls).toBe(1);
    expect(pipeline.deadLetterPublishFailures).toBe(1);
    expect(await metrics.text()).toMatch(/headstream_ingest_dead_letter_publish_failures_total\{source="kafka",app="test"\} 1/);
  }, 30_000);

  it('a re-delivered Kafka record is dead-lettered once', async () => {
    const db = await database();
    const pipeline = new IngestPipeline({ db, sources: [] });
    await pipeline.handle('kafka', [bad(7), bad(8)]);
    await pipeline.handle('kafka', [bad(7), bad(8), bad(9)]); // crash before the offset commit: delivered again
    const rows = (await db.query<{ offset: string }>('SELECT "offset" FROM dead_letters ORDER BY id')).rows.map((r) => r.offset);
    expect(rows).toEqual(['7', '8', '9']);
  });
});
