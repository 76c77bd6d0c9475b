import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { getLoader, openSources, ReadingChecksum } from '@headstream/datasets';
import { migrate } from '@headstream/store';
import { kafkaBrokersOrSkip, realDatabase, realServiceOrSkip, runNodeScript, startHealthyService, testServices, uniqueName, waitUntil, type TestDatabase } from '@headstream/testkit';

const require = createRequire(import.meta.url);
const binary = (pkg: string) => require.resolve(`${pkg}/package.json`).replace(/package\.json$/, 'dist/main.js');
const CLI = binary('@headstream/cli');
const INGEST = binary('@headstream/ingest');

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function checksumOfDatabase(db: TestDatabase) {
  const sum = new ReadingChecksum();
  const { rows } = await db.query<{ domain: string; site: string; metric: string; ms: number; value: number }>(
    'SELECT domain, site, metric, (extract(epoch FROM time) * 1000)::float8 AS ms, value FROM reading_values',
  );
  for (const r of rows) sum.addValue(r.domain, r.site, r.metric, r.ms, r.value);
  return sum.result();
}

async function startIngest(env: Record<string, string>): Promise<{ port: number }> {
  const ingest = await startHealthyService(INGEST, env);
  cleanups.push(() => ingest.stop());
  return ingest;
}

// The source side: what `replay pems-detector --ground-truth` sends, as readings.
async function sourceChecksum(dataset: string) {
  const sum = new ReadingChecksum();
  const { sources } = await openSources(dataset);
  for (const source of sources) for await (const record of source.records()) sum.addRecord(record, { groundTruth: true });
  return sum.result();
}

describe('replay a real data set through a real broker into ingest: the database holds exactly the source', () => {
  const dataset = 'pems-detector';

  it.for(['mqtt', 'kafka'] as const)('via %s', { timeout: 120_000 }, async (to, ctx) => {
    const services = testServices();
    const env: Record<string, string> = {};
    if (to === 'kafka') env.HS_KAFKA_BROKERS = kafkaBrokersOrSkip(ctx).join(',');
    else env.HS_MQTT_URL = realServiceOrSkip(ctx, 'mqtt');
    realServiceOrSkip(ctx, 'postgres');
    const db = await realDatabase(`replay-${to}`);
    cleanups.push(() => db.dispose());
    await migrate(db); // `headstream migrate` as the owner: ingest only checks the version
    const root = uniqueName('e2e').replace(/-/g, '_');
    const ingest = await startIngest({
      ...env,
      HS_PG_URL: services.postgres.url,
      HS_PG_SCHEMA: db.schema,
      HS_INGEST_SOURCES: to,
      HS_TOPIC_ROOT: root,
      HS_MQTT_CLIENT_ID: uniqueName('ingest'),
      HS_KAFKA_GROUP: uniqueName('ingest'),
    });
    const expected = await sourceChecksum(dataset);
    expect(expected.count).toBe(getLoader(dataset).metrics.length * 7776);

    const replay = await runNodeScript(CLI, ['replay', dataset, '--to', to, '--max', '--ground-truth', '--json'], { ...env, HS_TOPIC_ROOT: root });
    expect(replay.code, replay.stderr).toBe(0);
    const summary = JSON.parse(replay.stdout) as { records: number; aborted: boolean };
    expect(summary).toMatchObject({ records: 7776, aborted: false });

    await waitUntil(async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM readings')).rows[0]?.n === expected.count, `${expected.count} readings`, 60_000, 250);
    expect(await checksumOfDatabase(db)).toEqual(expected);
    expect((await db.query('SELECT 1 FROM dead_letters')).rowCount).toBe(0);

    // The service tells operators the same through its endpoints.
    const health = (await (await fetch(`http://127.0.0.1:${ingest.port}/healthz`)).json()) as { ok: boolean; inserted: number };
    expect(health).toMatchObject({ ok: true, inserted: expected.count });
    const metrics = await (await fetch(`http://127.0.0.1:${ingest.port}/metrics`)).text();
    expect(metrics).toContain(`headstream_ingest_readings_total{source="${to}",app="ingest"} ${expected.count}`);
    expect(metrics).toMatch(/headstream_ingest_batch_seconds_bucket/);
  });
});
