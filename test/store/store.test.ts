import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compressReadings,
  connectPostgres,
  expireDeadLetters,
  ingestRoleFor,
  insertDeadLetters,
  migrate,
  MIGRATIONS,
  openDatabase,
  predictorRoleFor,
  quoteIdent,
  readerRoleFor,
  ReadingWriter,
  runTimescaleJobs,
  storageInfo,
  trainerRoleFor,
  type ReadingBatchItem,
  type SqlClient,
  type WriteMode,
} from '@headstream/store';
import { databaseTargets, describeEachTarget, embeddedDatabase, realDatabase, realServiceOrSkip, testServices, type TestDatabase } from '@headstream/testkit';

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

describeEachTarget(databaseTargets({ timescale: true }), 'store on $name', ({ name, open }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await open(import.meta.filename);
  });
  afterAll(async () => {
    await db.dispose();
  });

  it('migrates, and migrating again applies nothing', async () => {
    const first = await migrate(db, { retention: '30 days', aggregateRetention: '3650 days' });
    expect(first.applied.map((m) => m.version)).toEqual(MIGRATIONS.map((m) => m.version));
    expect(first.timescale).toBe(name === 'timescale');
    const again = await migrate(db);
    expect(again.applied).toEqual([]);
    expect(again.current).toBe(MIGRATIONS.at(-1)?.version);
    const tables = (await db.query<{ t: string }>('SELECT table_name AS t FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY 1')).rows.map((r) => r.t);
    expect(tables).toEqual(
      expect.arrayContaining(['series', 'readings', 'dead_letters', 'predictions', 'model_versions', 'model_artifacts', 'model_promotions', 'training_metrics', 'training_requests', 'readings_5m', 'readings_1h', 'reading_values']),
    );
  });

  it('migration 6 keeps at most one active model version, whose status says so', async () => {
    await migrate(db);
    await db.query("INSERT INTO model_versions (version, tasks, strategy) VALUES ('m1', '{traffic}', 'equal'), ('m2', '{traffic}', 'equal')");
    expect((await db.query<{ status: string }>("SELECT status FROM model_versions WHERE version = 'm1'")).rows[0]?.status).toBe('candidate');
    await db.query("UPDATE model_versions SET active = true, status = 'active' WHERE version = 'm1'");
    await expect(db.query("UPDATE model_versions SET active = true, status = 'active' WHERE version = 'm2'")).rejects.toThrow(/model_versions_one_active/);
    await expect(db.query("UPDATE model_versions SET active = false WHERE version = 'm1'")).rejects.toThrow(/model_versions_active_status/);
    await expect(db.query("UPDATE model_versions SET status = 'shiny' WHERE version = 'm2'")).rejects.toThrow(/check constraint/);
    // Artifacts go with their version.
    await db.query("INSERT INTO model_artifacts (version, name, metadata, weights, sha256, bytes) VALUES ('m2', 'shared', '{}', '\\x00', 'x', 1)");
    await db.query("DELETE FROM model_versions WHERE version = 'm2'");
    expect((await db.query('SELECT 1 FROM model_artifacts')).rowCount).toBe(0);
    await db.query('DELETE FROM model_versions');
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

  it('says what stores the data: hypertables and continuous aggregates under TimescaleDB, none otherwise', async () => {
    const info = await storageInfo(db);
    if (name !== 'timescale') {
      expect(info).toEqual({ engine: name, timescaledb: null, hypertables: 0, continuous_aggregates: 0, compression: null });
      return;
    }
    expect(info).toMatchObject({ engine: 'pglite+timescaledb', hypertables: 3, continuous_aggregates: 2, compression: null });
    // Real-time aggregation: the rollups answer for buckets no policy has materialised.
    const views = await db.query<{ v: string; m: boolean }>(
      'SELECT view_name AS v, materialized_only AS m FROM timescaledb_information.continuous_aggregates WHERE view_schema = current_schema() ORDER BY 1',
    );
    expect(views.rows).toEqual([
      { v: 'readings_1h', m: false },
      { v: 'readings_5m', m: false },
    ]);
    // Raw readings expire after 30 days; the rollups are kept longer (3650 days); readings compress after 7.
    const jobs = await db.query<{ proc: string; rel: string; config: Record<string, unknown> }>(
      `SELECT proc_name AS proc, hypertable_name AS rel, config FROM timescaledb_information.jobs
       WHERE hypertable_schema = current_schema() AND proc_name IN ('policy_retention', 'policy_compression') ORDER BY 1, 2`,
    );
    expect(jobs.rows.map((j) => [j.proc, j.rel, j.config.drop_after ?? j.config.compress_after])).toEqual([
      ['policy_compression', 'readings', '7 days'],
      ['policy_retention', 'readings', '30 days'],
      ['policy_retention', 'readings_1h', '3650 days'],
      ['policy_retention', 'readings_5m', '3650 days'],
    ]);
  });

  it('compresses old readings and reads them back unchanged (TimescaleDB); runs its policy jobs on demand', async () => {
    const everything = 'SELECT count(*)::int AS n, md5(string_agg(value::text, \',\' ORDER BY series_id, time)) AS h FROM readings';
    const before = (await db.query(everything)).rows[0];
    const hourly = (await db.query('SELECT bucket, series_id, n, mean FROM readings_1h ORDER BY 1, 2')).rows;
    if (name !== 'timescale') {
      expect(await runTimescaleJobs(db)).toBe(0);
      return;
    }
    // Every test reading is from 2024: older than the 30-day retention. Compress first, then let retention drop them.
    expect(await compressReadings(db, '7 days')).toBeGreaterThan(0);
    const info = await storageInfo(db);
    expect(info.compression?.compressed_chunks).toBeGreaterThan(0);
    expect(info.compression?.ratio).toBeGreaterThan(0);
    expect((await db.query(everything)).rows[0]).toEqual(before);
    expect((await db.query('SELECT bucket, series_id, n, mean FROM readings_1h ORDER BY 1, 2')).rows).toEqual(hourly);
    // The jobs: refresh materialises the rollups, retention drops the raw chunks; the hourly rollup is kept.
    expect(await runTimescaleJobs(db)).toBeGreaterThanOrEqual(6);
    expect((await db.query(everything)).rows[0]).toEqual({ n: 0, h: null });
    expect((await db.query('SELECT bucket, series_id, n, mean FROM readings_1h ORDER BY 1, 2')).rows).toEqual(hourly);
  });
});

describe('PGlite with TimescaleDB on disk', () => {
  it('a reopened data directory takes readings into the hypertable under its continuous aggregates', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hs-timescale-'));
    try {
      const first = await openDatabase({ engine: 'timescale', dataDir: join(dir, 'db') });
      await migrate(first);
      await new ReadingWriter(first).write(items(2, 10));
      await first.close();
      // Failed before the library was loaded on open: "continuous_agg_invalidation_trigger is not supported under the current license".
      const again = await openDatabase({ engine: 'timescale', dataDir: join(dir, 'db') });
      try {
        expect((await migrate(again)).applied).toEqual([]);
        expect(await new ReadingWriter(again).write(items(2, 10, 10))).toMatchObject({ inserted: 40, duplicates: 0 });
        expect((await again.query('SELECT sum(n)::int AS n FROM readings_5m')).rows[0]).toEqual({ n: 80 });
      } finally {
        await again.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('migration 8 where TimescaleDB arrived after the schema was made without it', () => {
  it('leaves the plain rollup views alone (no continuous aggregate to alter) and adds prediction_actuals', async () => {
    const db = await embeddedDatabase('timescale');
    try {
      expect((await migrate(db, { timescale: false, target: 7 })).timescale).toBe(false);
      expect((await migrate(db, { target: 8 })).applied.map((m) => m.version)).toEqual([8]);
      expect((await db.query("SELECT relkind FROM pg_class WHERE relname IN ('readings_5m', 'readings_1h')")).rows).toEqual([{ relkind: 'v' }, { relkind: 'v' }]);
      expect((await db.query("SELECT count(*)::int AS n FROM prediction_actuals('t', 'd', 'm', interval '1 hour')")).rows).toEqual([{ n: 0 }]);
    } finally {
      await db.dispose();
    }
  });
});

describe('migration 6 on a schema with model versions from before', () => {
  it('keeps the newest active version active (status active) and retires the other active ones', async () => {
    const db = await embeddedDatabase(); // the data, not the roles, matter here
    try {
      await migrate(db, { target: 5 });
      await db.query(
        `INSERT INTO model_versions (version, created_at, tasks, strategy, active) VALUES
           ('old', '2024-01-01', '{traffic}', 'equal', true), ('new', '2024-02-01', '{traffic}', 'equal', true), ('c', '2024-03-01', '{traffic}', 'equal', false)`,
      );
      await db.query("INSERT INTO training_metrics (model_version, kind, step, epoch, task) VALUES ('new', 'step', 0, 0, 'traffic')");
      expect((await migrate(db, { target: 6 })).applied.map((m) => m.version)).toEqual([6]);
      expect((await db.query('SELECT version, active, status FROM model_versions ORDER BY version')).rows).toEqual([
        { version: 'c', active: false, status: 'candidate' },
        { version: 'new', active: true, status: 'active' },
        { version: 'old', active: false, status: 'retired' },
      ]);
      expect((await db.query('SELECT model, learning_rate, regime FROM training_metrics')).rows).toEqual([{ model: 'shared', learning_rate: null, regime: null }]);
    } finally {
      await db.dispose();
    }
  });
});

describe('migration 7 on a schema with dead letters from before', () => {
  it('names their app ingest, and a Kafka record is dead-lettered once per app (ingest and the predictor)', async () => {
    const db = await embeddedDatabase();
    try {
      await migrate(db, { target: 6 });
      await db.query("INSERT INTO dead_letters (source, topic, partition, \"offset\", reason, detail, payload, payload_size) VALUES ('kafka', 'hs.readings', 0, '7', 'site_mismatch', 'd', '\\x00', 1)");
      expect((await migrate(db, { target: 7 })).applied.map((m) => m.version)).toEqual([7]);
      expect((await db.query('SELECT app, reason FROM dead_letters')).rows).toEqual([{ app: 'ingest', reason: 'site_mismatch' }]);
      const letter = { source: 'kafka' as const, topic: 'hs.readings', partition: 0, offset: '7', reason: 'site_mismatch', detail: 'd', payload: Buffer.from([0]) };
      await insertDeadLetters(db, [letter, { ...letter, app: 'predictor' }, { ...letter, app: 'predictor' }]);
      expect((await db.query('SELECT app FROM dead_letters ORDER BY app')).rows).toEqual([{ app: 'ingest' }, { app: 'predictor' }]);
    } finally {
      await db.dispose();
    }
  });
});

describe('least privilege on the real PostgreSQL', () => {
  /** A login that is a member of `role` only, connected to the test schema; dropped afterwards. */
  async function loginAs(owner: TestDatabase, role: string, use: (db: SqlClient) => Promise<void>): Promise<void> {
    const login = `hs_test_login_${randomBytes(3).toString('hex')}`;
    await owner.query(`CREATE ROLE ${login} LOGIN IN ROLE ${quoteIdent(role)}`);
    const url = new URL(testServices().postgres.url);
    url.username = login;
    const db = await connectPostgres({ url: url.toString(), schema: owner.schema, createSchema: false });
    try {
      await use(db);
    } finally {
      await db.close();
      await owner.query(`DROP OWNED BY ${login}`).catch(() => undefined);
      await owner.query(`DROP ROLE IF EXISTS ${login}`);
    }
  }

  it('the trainer role writes the model registry but not readings; the predictor writes predictions but not model versions; the reader reads the new tables', async (ctx) => {
    realServiceOrSkip(ctx, 'postgres');
    const db = await realDatabase('privileges-models');
    try {
      await migrate(db);
      await new ReadingWriter(db, { mode: 'unnest' }).write(items(1, 2));
      await loginAs(db, trainerRoleFor(db.schema), async (trainer) => {
        expect((await trainer.query('SELECT * FROM reading_values')).rowCount).toBe(4);
        expect((await trainer.query('SELECT * FROM readings_1h')).rowCount).toBeGreaterThan(0);
        await trainer.query("INSERT INTO model_versions (version, tasks, strategy) VALUES ('t1', '{traffic}', 'equal')");
        await trainer.query("INSERT INTO model_artifacts (version, name, metadata, weights, sha256, bytes) VALUES ('t1', 'shared', '{}', '\\x00', 'x', 1)");
        await trainer.query("UPDATE model_versions SET active = true, status = 'active' WHERE version = 't1'");
        await trainer.query("INSERT INTO model_promotions (version, reason, actor) VALUES ('t1', 'test', 'trainer')");
        await trainer.query("INSERT INTO training_metrics (model_version, model, kind, step, epoch, task) VALUES ('t1', 'shared', 'step', 0, 0, 'traffic')");
        await trainer.query("INSERT INTO training_requests (requested_by) VALUES ('trainer')");
        await trainer.query('UPDATE training_requests SET claimed_at = now()');
        expect((await trainer.query('SELECT max(version) FROM schema_migrations')).rowCount).toBe(1);
        await expect(trainer.query('INSERT INTO readings (time, series_id, value) VALUES (now(), 1, 1)')).rejects.toThrow(/permission denied/);
        await expect(trainer.query('DELETE FROM model_versions')).rejects.toThrow(/permission denied/);
        await expect(trainer.query('SELECT * FROM dead_letters')).rejects.toThrow(/permission denied/);
        await expect(trainer.query('SELECT * FROM predictions')).rejects.toThrow(/permission denied/);
      });
      await loginAs(db, predictorRoleFor(db.schema), async (predictor) => {
        expect((await predictor.query("SELECT weights FROM model_artifacts WHERE version = 't1'")).rowCount).toBe(1);
        expect((await predictor.query('SELECT * FROM model_versions WHERE active')).rowCount).toBe(1);
        expect((await predictor.query('SELECT * FROM reading_values')).rowCount).toBe(4);
        await predictor.query("INSERT INTO predictions (issued_at, task, site, target_time, value, model_version) VALUES (now(), 'traffic', 's', now(), 1, 't1')");
        expect((await predictor.query('SELECT * FROM predictions')).rowCount).toBe(1);
        await expect(predictor.query("INSERT INTO model_versions (version, tasks, strategy) VALUES ('p1', '{traffic}', 'equal')")).rejects.toThrow(/permission denied/);
        await expect(predictor.query("UPDATE model_versions SET status = 'retired'")).rejects.toThrow(/permission denied/);
        await expect(predictor.query('SELECT * FROM training_requests')).rejects.toThrow(/permission denied/);
        await expect(predictor.query('DELETE FROM predictions')).rejects.toThrow(/permission denied/);
        // The messages it refuses are dead letters of its own (it may not read or delete those of ingest).
        await insertDeadLetters(predictor, [{ app: 'predictor', source: 'mqtt', topic: 'hs/v1/readings/city/b', reason: 'site_mismatch', detail: 'd', payload: Buffer.from('{}') }]);
        await expect(predictor.query('SELECT * FROM dead_letters')).rejects.toThrow(/permission denied/);
        await expect(predictor.query('DELETE FROM dead_letters')).rejects.toThrow(/permission denied/);
      });
      expect((await db.query('SELECT app, reason FROM dead_letters')).rows).toEqual([{ app: 'predictor', reason: 'site_mismatch' }]);
      await loginAs(db, readerRoleFor(db.schema), async (reader) => {
        for (const table of ['model_artifacts', 'model_promotions', 'training_requests', 'training_metrics', 'model_versions']) {
          expect((await reader.query(`SELECT * FROM ${table}`)).rowCount).toBeGreaterThan(0);
        }
        await expect(reader.query("INSERT INTO training_requests (requested_by) VALUES ('reader')")).rejects.toThrow(/permission denied/);
      });
    } finally {
      await db.dispose();
    }
  });

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
