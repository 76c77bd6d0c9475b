import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { datasetFolder } from '@headstream/datasets';
import { readPredictions, type EngineReading } from '@headstream/serving';
import { startFactoryOpcuaServer, startOpcuaSimServer, type SimRecord } from '@headstream/sim';
import { migrate, ReadingWriter } from '@headstream/store';
import { freePort, realDatabase, realServiceOrSkip, startHealthyService, testServices, waitUntil, type TestDatabase } from '@headstream/testkit';
import { promote, taskRecords } from '@headstream/training';
import { FIXTURE_SLICES, installFixtureVersion } from '../fixture/index.js';
import { expectedPredictions } from './expected.js';

const require = createRequire(import.meta.url);
const binary = (pkg: string) => require.resolve(`${pkg}/package.json`).replace(/package\.json$/, 'dist/main.js');
const INGEST = binary('@headstream/ingest');
const PREDICTOR = binary('@headstream/predictor');

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

function configFile(doc: unknown): string {
  const dir = mkdtempSync(join(tmpdir(), 'hs-opcua-'));
  cleanups.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
  const file = join(dir, 'opcua.json');
  writeFileSync(file, JSON.stringify(doc, null, 2));
  return file;
}

interface Row {
  site: string;
  metric: string;
  time: number;
  value: number;
}
const key = (r: Row) => `${r.site}/${r.metric}/${r.time}/${r.value}`;

async function storedRows(db: TestDatabase): Promise<Row[]> {
  const rows = (await db.query<{ site: string; metric: string; time: Date; value: number }>('SELECT site, metric, time, value FROM reading_values ORDER BY site, metric, time')).rows;
  return rows.map((r) => ({ site: r.site, metric: r.metric, time: r.time.getTime(), value: Number(r.value) }));
}

async function sourceHealth(port: number): Promise<{ connected: boolean; restored?: number } | undefined> {
  const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as { sources?: { kind: string; connected: boolean; restored?: number }[] };
  return health.sources?.find((s) => s.kind === 'opcua');
}

const MACHINE_METRICS = ['vibration', 'temperature', 'current', 'speed'];
/** Values one monitored item keeps between two publish responses (the endpoint's queueSize). */
const QUEUE = 20;
const BURST = QUEUE + 5;

describe('OPC UA source: a real node-opcua server exposing the factory simulator → ingest → PostgreSQL', () => {
  it('stores values with the server timestamps, dead-letters bad StatusCodes and spoofed mappings, keeps what the queue keeps, and resumes after a server restart', { timeout: 120_000 }, async (ctx) => {
    realServiceOrSkip(ctx, 'postgres');
    const db: TestDatabase = await realDatabase('e2e-opcua');
    cleanups.push(() => db.dispose());
    await migrate(db);

    const port = await freePort();
    const start = Date.UTC(2024, 0, 1);
    let server = await startFactoryOpcuaServer({ port, machines: 2, machinesPerLine: 2, seed: 'opcua-e2e', start, intervalMs: 1_000 });
    cleanups.push(() => server.stop());
    const records = server.records;
    const config = configFile({
      endpoints: [
        {
          name: 'plant',
          url: `opc.tcp://127.0.0.1:${port}/UA/Headstream`,
          // other-7 is this endpoint's, but outside HS_ALLOWED_SITES; line-99-m1 is not this endpoint's.
          sites: ['line-01', 'line-01-m1', 'line-01-m2', 'other-7'],
          publishingIntervalMs: 50,
          queueSize: QUEUE,
          nodes: [
            { nodeId: 'ns=1;s={site}.{metric}', sites: ['line-01-m1', 'line-01-m2'], metrics: MACHINE_METRICS },
            { browsePath: '/Objects/1:Factory/1:line-01/1:throughput', site: 'line-01', metric: 'throughput' },
            { nodeId: 'ns=1;s=line-01-m1.gt_health', site: 'line-99-m1', metric: 'health' },
            { nodeId: 'ns=1;s=line-01-m2.gt_anomaly', site: 'other-7', metric: 'anomaly' },
          ],
        },
      ],
    });
    const ingest = await startHealthyService(INGEST, {
      HS_PG_URL: testServices().postgres.url,
      HS_PG_SCHEMA: db.schema,
      HS_INGEST_SOURCES: 'opcua',
      HS_OPCUA_CONFIG: config,
      HS_ALLOWED_SITES: 'line-*',
    });
    cleanups.push(() => ingest.stop());

    /** What must be stored: every mapped, allowed value written while subscribed. */
    const expected: Row[] = [];
    let spoofs = 0;
    const step = (write: (r: SimRecord) => number) => {
      // One simulated time step: both machines and the line.
      for (let i = 0; i < 3; i++) {
        const r = records.next().value as SimRecord;
        write(r);
        const metrics = r.site === 'line-01' ? ['throughput'] : MACHINE_METRICS;
        for (const metric of metrics) expected.push({ site: r.site, metric, time: r.time, value: r.values[metric] ?? NaN });
        if (r.site !== 'line-01') spoofs++;
      }
    };
    const allStored = async () => {
      const want = expected.map(key).sort();
      await waitUntil(async () => (await storedRows(db)).length >= want.length, `${want.length} readings stored`, 30_000, 50).catch(() => undefined);
      expect((await storedRows(db)).map(key).sort()).toEqual(want);
    };

    for (let s = 0; s < 3; s++) step((r) => server.writeRecord(r));
    // The readings table holds exactly the mapped values, at the server's timestamps (the simulator's times).
    await allStored();
    expect(Math.min(...(await storedRows(db)).map((r) => r.time))).toBe(start);

    // A bad StatusCode dead-letters with its name; the spoofed mappings dead-letter and store nothing.
    server.setStatus('line-01-m1', 'temperature', 'BadSensorFailure', start + 10_000_000);
    // A message holds one site's values of one publish response: count the values the dead letters hold.
    const deadLetters = async () =>
      (await db.query<{ reason: string; detail: string; source: string; topic: string; payload: Buffer }>('SELECT reason, detail, source, topic, payload FROM dead_letters ORDER BY id')).rows.map((d) => ({
        ...d,
        values: (JSON.parse(d.payload.toString('utf8')) as unknown[]).length,
      }));
    const deadValues = (list: { reason: string; values: number }[], reason: string) => list.filter((d) => d.reason === reason).reduce((n, d) => n + d.values, 0);
    await waitUntil(async () => (await deadLetters()).some((d) => d.reason === 'bad_status'), 'the bad StatusCode to be dead-lettered', 30_000, 50);
    await waitUntil(async () => (await deadLetters()).filter((d) => d.reason !== 'bad_status').reduce((n, d) => n + d.values, 0) >= spoofs, `${spoofs} spoofed values dead-lettered`, 30_000, 50);
    const dead = await deadLetters();
    expect(dead.filter((d) => d.reason === 'bad_status').map((d) => [d.detail, d.values])).toEqual([[expect.stringMatching(/^BadSensorFailure .*line-01-m1\.temperature/), 1]]);
    expect(deadValues(dead, 'site_mismatch')).toBe(spoofs / 2);
    expect(deadValues(dead, 'site_not_allowed')).toBe(spoofs / 2);
    expect(dead.filter((d) => d.reason === 'site_mismatch').every((d) => d.topic === 'opcua/plant/line-99-m1')).toBe(true);
    expect(dead.every((d) => d.source === 'opcua')).toBe(true);
    expect((await storedRows(db)).some((r) => r.site === 'line-99-m1' || r.site === 'other-7')).toBe(false);

    // What the queue cannot keep: a burst of BURST changes of one variable between two publish responses
    // (one synchronous loop) keeps its newest QUEUE; the oldest BURST - QUEUE are discarded by the server.
    const burstAt = start - 3_600_000;
    for (let i = 0; i < BURST; i++) server.write({ site: 'line-01-m2', time: burstAt + i, values: { vibration: 1000 + i } });
    for (let i = BURST - QUEUE; i < BURST; i++) expected.push({ site: 'line-01-m2', metric: 'vibration', time: burstAt + i, value: 1000 + i });
    await allStored();

    // Server restart mid-stream: the client reconnects and recreates its subscription, and everything
    // written after that arrives.
    await server.stop();
    server = await startFactoryOpcuaServer({ port, machines: 2, machinesPerLine: 2, seed: 'opcua-e2e', start, intervalMs: 1_000 });
    await waitUntil(async () => {
      const h = await sourceHealth(ingest.port);
      return h?.connected === true && (h.restored ?? 0) >= 1;
    }, 'the OPC UA subscription to be restored after the server restart', 30_000, 50);
    for (let s = 0; s < 3; s++) step((r) => server.writeRecord(r));
    await allStored();
  });
});

const HISTORY = FIXTURE_SLICES.find((s) => s.task === 'traffic')?.records ?? 0;
const LIVE = 6;

describe('predictor: readings over OPC UA', () => {
  it('publishes predictions for a site whose readings came over OPC UA', { timeout: 180_000 }, async (ctx) => {
    realServiceOrSkip(ctx, 'postgres');
    const db: TestDatabase = await realDatabase('e2e-opcua-predict');
    cleanups.push(() => db.dispose());
    await migrate(db);
    const readings: EngineReading[] = [];
    for await (const r of taskRecords('traffic', { path: join(datasetFolder('pems-detector-5min-flow'), 'train.csv') })) {
      readings.push({ domain: 'city', site: r.site, time: r.time, values: r.values });
      if (readings.length >= HISTORY + LIVE) break;
    }
    const history = readings.slice(0, HISTORY);
    const live = readings.slice(HISTORY);
    const site = live[0]?.site ?? '';
    const metrics = Object.keys(live[0]?.values ?? {});
    await new ReadingWriter(db).write(history);
    await installFixtureVersion(db, 'v-opcua');
    await promote(db, 'v-opcua', { reason: 'e2e', actor: 'test' });
    const expected = await expectedPredictions(db, 'v-opcua', [{ history, replayed: live }]);
    expect(expected.size, 'live steps to predict').toBeGreaterThanOrEqual(LIVE / 2);

    const port = await freePort();
    const server = await startOpcuaSimServer({ port, folder: 'City', variables: [{ site, metrics }] });
    cleanups.push(() => server.stop());
    const config = configFile({
      endpoints: [{ name: 'city', url: `opc.tcp://127.0.0.1:${port}/UA/Headstream`, domain: 'city', sites: [site], publishingIntervalMs: 50, nodes: [{ nodeId: 'ns=1;s={site}.{metric}', sites: [site], metrics }] }],
    });
    const env = { HS_PG_URL: testServices().postgres.url, HS_PG_SCHEMA: db.schema, HS_OPCUA_CONFIG: config };
    const predictor = await startHealthyService(PREDICTOR, { ...env, HS_PREDICT_SOURCES: 'opcua', HS_PREDICT_OUTPUTS: 'db' }, { timeoutMs: 120_000 });
    cleanups.push(() => predictor.stop());
    for (const r of live) server.write(r);
    const stored = async () => (await readPredictions(db, { task: 'traffic', site })).filter((p) => p.model_version === 'v-opcua');
    await waitUntil(async () => (await stored()).length >= expected.size, `${expected.size} predictions for ${site}`, 60_000, 100).catch(() => undefined);
    const got = await stored();
    expect(got.map((p) => `${p.task}/${p.site}/${p.issued_at}`).sort()).toEqual([...expected.keys()].sort());
    for (const p of got) {
      const e = expected.get(`${p.task}/${p.site}/${p.issued_at}`);
      if (p.kind !== 'regression' || e?.kind !== 'regression') throw new Error(`${p.issued_at}: expected regression predictions`);
      p.horizons.forEach((h, i) => expect(Math.abs(h.value - (e.horizons[i]?.value ?? NaN)), `${p.issued_at} h${i}`).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(h.value))));
    }
  });
});
