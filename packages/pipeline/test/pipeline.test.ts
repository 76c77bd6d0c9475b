import { afterEach, describe, expect, it } from 'vitest';
import { parseAllowList } from '@headstream/core';
import { migrate, openPglite, type SqlClient } from '@headstream/store';
import type { InboundMessage, MessageSource } from '@headstream/transport';
import { IngestPipeline, StoreUnavailableError } from '../src/index.js';

const T0 = Date.parse('2025-01-01T00:00:00Z');
const FAST = { initialDelayMs: 5, maxDelayMs: 20, maxPermanentAttempts: 2 };

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

const mqtt = (site: string, frames: object, domain = 'city'): InboundMessage => ({
  source: 'mqtt',
  topic: `hs/v1/readings/${domain}/${site}`,
  payload: Buffer.from(JSON.stringify(frames)),
  receivedAt: Date.now(),
});
const kafka = (key: string | null, frames: object, offset = 0): InboundMessage => ({
  source: 'kafka',
  topic: 'hs.readings',
  key,
  partition: 0,
  offset: String(offset),
  payload: Buffer.from(JSON.stringify(frames)),
  receivedAt: Date.now(),
});
const frame = (site: string, step: number, value = step + 0.5, domain?: string) => ({ site, ts: T0 + step * 60_000, values: { v: value }, ...(domain ? { domain } : {}) });

async function deadReasons(db: SqlClient): Promise<{ reason: string; detail: string }[]> {
  return (await db.query<{ reason: string; detail: string }>('SELECT reason, detail FROM dead_letters ORDER BY id')).rows;
}
async function storedValues(db: SqlClient): Promise<number[]> {
  return (await db.query<{ value: number }>('SELECT value FROM readings ORDER BY value')).rows.map((r) => r.value);
}

describe('a reading belongs to its topic', () => {
  it('MQTT: a frame whose site is not the topic\'s rejects its whole message (site_mismatch)', async () => {
    const db = await database();
    const pipeline = new IngestPipeline({ db, sources: [], writeMode: 'unnest' });
    await pipeline.handle('mqtt', [mqtt('a', [frame('a', 1), frame('b', 2)]), mqtt('a', frame('a', 3)), mqtt('b', frame('a', 4))]);
    expect(await storedValues(db)).toEqual([3.5]);
    const dead = await deadReasons(db);
    expect(dead.map((d) => d.reason)).toEqual(['site_mismatch', 'site_mismatch']);
    expect(dead[0]?.detail).toBe('frames[1]: site "b" is not "a", the site its topic or key names');
  });

  it('Kafka: the record key is the site; a record without a key is judged by its frames alone', async () => {
    const db = await database();
    const pipeline = new IngestPipeline({ db, sources: [], writeMode: 'unnest' });
    await pipeline.handle('kafka', [
      kafka('k1', frame('k1', 1, 1, 'factory'), 0),
      kafka('k1', frame('k2', 2, 2, 'factory'), 1),
      kafka(null, frame('k3', 3, 3, 'factory'), 2),
    ]);
    expect(await storedValues(db)).toEqual([1, 3]);
    expect((await deadReasons(db)).map((d) => d.reason)).toEqual(['site_mismatch']);
  });

  it('allow-lists: sites and domains off the list are dead-lettered', async () => {
    const db = await database();
    const pipeline = new IngestPipeline({
      db,
      sources: [],
      writeMode: 'unnest',
      parse: { allowedSites: parseAllowList('s-*'), allowedDomains: parseAllowList('city') },
    });
    await pipeline.handle('mqtt', [mqtt('s-1', frame('s-1', 1)), mqtt('x-1', frame('x-1', 2)), mqtt('s-2', frame('s-2', 3), 'factory')]);
    expect(await storedValues(db)).toEqual([1.5]);
    expect((await deadReasons(db)).map((d) => d.reason)).toEqual(['site_not_allowed', 'domain_not_allowed']);
  });
});

describe('a batch the database refuses', () => {
  it('is split until the refused message is alone: it is dead-lettered (store_rejected), its neighbours stored', async () => {
    const db = await database();
    await db.query('ALTER TABLE readings ADD CONSTRAINT no_666 CHECK (value <> 666)');
    const pipeline = new IngestPipeline({ db, sources: [], writeMode: 'unnest', retry: FAST });
    const batch = Array.from({ length: 9 }, (_, i) => mqtt('a', frame('a', i, i === 5 ? 666 : i)));
    batch.push(mqtt('a', { site: 'a', ts: 'soon', values: { v: 1 } })); // and one the parser refuses
    await pipeline.handle('mqtt', batch);
    expect(await storedValues(db)).toEqual([0, 1, 2, 3, 4, 6, 7, 8]);
    const dead = await deadReasons(db);
    expect(dead.map((d) => d.reason).sort()).toEqual(['bad_timestamp', 'store_rejected']);
    expect(dead.find((d) => d.reason === 'store_rejected')?.detail).toMatch(/^the database refused it: .*no_666.*\(SQLSTATE 23514\)$/);
    expect(pipeline.stats).toMatchObject({ batches: 1, messages: 10, inserted: 8, deadLetters: 2, storeRejected: 1 });
    // And the next batch goes through as usual.
    await pipeline.handle('mqtt', [mqtt('a', frame('a', 20, 20))]);
    expect(await storedValues(db)).toContain(20);
  });

  it('a store that refuses every write (privilege, read-only, disk full) is fatal, not a dead letter', async () => {
    const db = await database();
    await db.query(`CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'permission denied for table readings' USING ERRCODE = '42501'; END $$`);
    await db.query('CREATE TRIGGER refuse BEFORE INSERT ON readings FOR EACH ROW EXECUTE FUNCTION refuse()');
    const fatal: StoreUnavailableError[] = [];
    const pipeline = new IngestPipeline({ db, sources: [], writeMode: 'unnest', retry: FAST, onFatal: (e) => fatal.push(e) });
    await expect(pipeline.handle('mqtt', [mqtt('a', frame('a', 1)), mqtt('a', frame('a', 2))])).rejects.toBeInstanceOf(StoreUnavailableError);
    expect(fatal).toHaveLength(1);
    expect(fatal[0]?.message).toMatch(/store unavailable: .*permission denied.*42501/);
    expect(await deadReasons(db)).toEqual([]);
    expect(pipeline.health()).toMatchObject({ ok: false, fatal: fatal[0]?.message });
  });
});

describe('health', () => {
  it('per source: connected, last commit, failures in a row, stalled after the threshold', async () => {
    const db = await database();
    let connected = true;
    let deliver: ((batch: InboundMessage[]) => Promise<void>) | undefined;
    const source: MessageSource = {
      kind: 'mqtt',
      start: (handler) => {
        deliver = handler;
        return Promise.resolve();
      },
      stop: () => Promise.resolve(),
      connected: () => connected,
    };
    const pipeline = new IngestPipeline({ db, sources: [source], writeMode: 'unnest', stallAfterMs: 1_000 });
    await pipeline.start();
    expect(pipeline.health()).toMatchObject({ ok: true, sources: [{ kind: 'mqtt', connected: true, lastCommittedAt: null, consecutiveFailures: 0, stalled: false }] });
    await deliver?.([mqtt('a', frame('a', 1))]);
    expect(pipeline.health().sources[0]?.lastCommittedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    connected = false;
    expect(pipeline.health()).toMatchObject({ ok: false, sources: [{ connected: false }] });
    connected = true;
    // A batch in hand longer than the threshold is a stall (the clock is passed in, not waited for).
    const pending = deliver?.([mqtt('a', frame('a', 2))]);
    expect(pipeline.health(Date.now() + 5_000)).toMatchObject({ ok: false, sources: [{ connected: true, stalled: true }] });
    expect(pipeline.health().ok).toBe(true);
    await pending;
    expect(pipeline.health(Date.now() + 5_000).ok).toBe(true); // nothing in hand any more
  });
});
