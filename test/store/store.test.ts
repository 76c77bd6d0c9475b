import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectPostgres, expireDeadLetters, ingestRoleFor, insertDeadLetters, migrate, MIGRATIONS, quoteIdent, ReadingWriter, type ReadingBatchItem, type WriteMode } from '@headstream/store';
import { databaseTargets, describeEachTarget, realDatabase, realServiceOrSkip, testServices, type TestDatabase } from '@headstream/testkit';

const T0 = Date.parse('2024-03-01T00:00:00Z');

function items(sites: number, steps: number, offset = 0): ReadingBatchItem[] {
  const out: ReadingBatchItem[] = [];
  for (let s = 0; s < sites; s++) {
    for (let k = 0; k < steps; k++) {
      out.push({ domain: 'city', site: `site-${s}`, time: T0 + (k + offset) * 60_000, values: { flow: s * 1000 + k + 0.1, speed: Math.PI * (k + 1) / 7 } });
    }
  }
  return out;
}

describeEachTarget(databaseTargets(), 'store on $name', ({ name, open }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await open(import.meta.filename);
  });
  afterAll(async () => {
    await db.dispose();
  });

  it('migrates, and migrating again applies nothing', async () => {
    const first = await migrate(db);
    expect(first.applied.map((m) => m.version)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(first.timescale).toBe(false);
    const again = await migrate(db);
    expect(again.applied).toEqual([]);
    expect(again.current).toBe(MIGRATIONS.at(-1)?.version);
    const tables = (await db.query<{ t: string }>('SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1')).rows.map((r) => r.t);
    expect(tables).toEqual(expect.arrayContaining(['series', 'readings', 'dead_letters', 'predictions', 'model_versions', 'training_metrics', 'readings_5m', 'readings_1h', 'reading_values']));
  });

  it('expires dead letters older than the retention, keeps the rest', async () => {
    await migrate(db);
    await db.query('TRUNCATE dead_letters');
    await insertDeadLetters(db, [0, 1, 2].map((i) => ({ source: 'mqtt' as const, topic: `t${i}`, reason: 'not_json', detail: 'x', payload: Buffer.from('{') })));
    await db.query("UPDATE dead_letters SET received_at = now() - interval '10 days' WHERE topic IN ('t0', 't1')");
    expect(await expireDeadLetters(db, 7)).toBe(2);
    expect((await db.query<{ topic: string }>('SELECT topic FROM dead_letters')).rows.map((r) => r.topic)).toEqual(['t2']);
    expect(await expireDeadLetters(db, 7)).toBe(0);
    await expect(expireDeadLetters(db, 0)).rejects.toThrow(/positive number of days/);
  });

  const modes: WriteMode[] = name === 'postgres' ? ['copy', 'unnest'] : ['unnest'];
  it.each(modes)('writes readings exactly (%s), skips re-delivered ones, keeps dead letters', async (mode) => {
    await db.query('TRUNCATE readings, dead_letters');
    const writer = new ReadingWriter(db, { mode });
    expect(writer.mode).toBe(mode);
    const batch = items(5, 40);
    const first = await writer.write(batch, [
      { source: 'mqtt', topic: 'hs/v1/readings/city/x', reason: 'not_json', detail: 'payload is not JSON', payload: Buffer.from('{oops') },
    ]);
    expect(first).toEqual({ rows: 400, inserted: 400, duplicates: 0, deadLetters: 1 });
    // Re-delivery of an overlapping batch: only the new rows land.
    const second = await writer.write(items(5, 40, 20));
    expect(second).toEqual({ rows: 400, inserted: 200, duplicates: 200, deadLetters: 0 });

    const { rows } = await db.query<{ n: number; distinct_keys: number }>('SELECT count(*)::int AS n, count(DISTINCT (series_id, time))::int AS distinct_keys FROM readings');
    expect(rows[0]).toEqual({ n: 600, distinct_keys: 600 });
    // Values survive bit for bit: compare as text of the float8.
    const pi = await db.query<{ value: number; time: Date }>(
      "SELECT value, time FROM reading_values WHERE site = 'site-3' AND metric = 'speed' ORDER BY time LIMIT 1",
    );
    expect(pi.rows[0]?.value).toBe(Math.PI / 7);
    expect(new Date(pi.rows[0]?.time ?? 0).getTime()).toBe(T0);
    const dl = await db.query<{ reason: string; payload: Uint8Array; payload_size: number; truncated: boolean }>('SELECT reason, payload, payload_size, truncated FROM dead_letters');
    expect(dl.rows.map((r) => [r.reason, Buffer.from(r.payload).toString(), r.payload_size, r.truncated])).toEqual([['not_json', '{oops', 5, false]]);
  });

  it('keeps millisecond timestamps and caps dead-letter payloads', async () => {
    const writer = new ReadingWriter(db);
    const t = Date.parse('2024-03-01T12:34:56.789Z');
    await writer.write([{ domain: 'factory', site: 'm-1', time: t, values: { temp: -0 } }], [
      { source: 'kafka', topic: 'hs.readings', partition: 2, offset: '17', reason: 'payload_too_large', detail: 'big', payload: Buffer.alloc(100_000, 120) },
    ]);
    const r = await db.query<{ ms: number }>("SELECT (extract(epoch FROM time) * 1000)::float8 AS ms FROM reading_values WHERE site = 'm-1'");
    expect(r.rows[0]?.ms).toBe(t);
    const dl = await db.query<{ len: number; payload_size: number; truncated: boolean; partition: number; offset: string }>(
      "SELECT length(payload) AS len, payload_size, truncated, partition, \"offset\" FROM dead_letters WHERE reason = 'payload_too_large'",
    );
    expect(dl.rows[0]).toEqual({ len: 65536, payload_size: 100_000, truncated: true, partition: 2, offset: '17' });
  });

  it('answers the rollup views', async () => {
    const { rows } = await db.query<{ n: number; mean: number }>(
      "SELECT sum(n)::int AS n, avg(mean)::float8 AS mean FROM readings_1h r JOIN series s ON s.id = r.series_id WHERE s.site = 'site-0' AND s.metric = 'flow'",
    );
    expect(rows[0]?.n).toBe(60);
  });
});

describe('least privilege on the real PostgreSQL', () => {
  it('the ingest role can insert and select readings but not delete or drop', async (ctx) => {
    realServiceOrSkip(ctx, 'postgres');
    const db = await realDatabase('privileges');
    const login = `hs_test_ingest_${randomBytes(3).toString('hex')}`;
    try {
      await migrate(db);
      // The schema's own ingest role (roles are per schema: see ingestRoleFor).
      await db.query(`CREATE ROLE ${login} LOGIN IN ROLE ${quoteIdent(ingestRoleFor(db.schema))}`);
      const url = new URL(testServices().postgres.url);
      url.username = login;
      const asIngest = await connectPostgres({ url: url.toString(), schema: db.schema });
      try {
        await new ReadingWriter(asIngest, { mode: 'unnest' }).write(items(1, 3));
        expect((await asIngest.query('SELECT * FROM readings')).rowCount).toBe(6);
        await expect(asIngest.query('DELETE FROM readings')).rejects.toThrow(/permission denied/);
        await expect(asIngest.query('DROP TABLE readings')).rejects.toThrow(/must be owner|permission denied/);
        await expect(asIngest.query('SELECT * FROM model_versions')).rejects.toThrow(/permission denied/);
      } finally {
        await asIngest.close();
      }
    } finally {
      await db.query(`DROP OWNED BY ${login}`).catch(() => undefined);
      await db.query(`DROP ROLE IF EXISTS ${login}`);
      await db.dispose();
    }
  });
});
