import { createRequire } from 'node:module';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { datasetFolder } from '@headstream/datasets';
import { readPredictions, type EngineReading } from '@headstream/serving';
import { migrate, ReadingWriter } from '@headstream/store';
import { kafkaBrokersOrSkip, realDatabase, realServiceOrSkip, startHealthyService, testServices, uniqueName, waitUntil, type TestDatabase } from '@headstream/testkit';
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

const HISTORY = FIXTURE_SLICES.find((s) => s.task === 'traffic')?.records ?? 0;
const LIVE = 6;
const SPOOFED = 2;

/**
 * Issue #22, the Kafka half of the spoofing check (test/e2e/predictor-spoofing.test.ts is the MQTT
 * half): on hs.readings the record key is the site a producer writes for. A record keyed site-b whose
 * frames name site A, and a record for site D, which HS_ALLOWED_SITES leaves out, are dead-lettered by
 * ingest (site_mismatch, site_not_allowed) and refused by the predictor too: none of A's forecasts
 * moves, and nothing is predicted for D, although D has the history to be predicted from.
 */
describe('predictor on Kafka: records whose key is not the site their frames name, or a site off the allow-list (spoofing)', () => {
  it('are dead-lettered by ingest and by the predictor, and never predicted from', { timeout: 300_000 }, async (ctx) => {
    const brokers = kafkaBrokersOrSkip(ctx);
    realServiceOrSkip(ctx, 'postgres');
    const db: TestDatabase = await realDatabase('e2e-kafka-spoofing');
    cleanups.push(() => db.dispose());
    await migrate(db);

    // Site A's traffic history (the rows the run's fixture version was trained on) and its next rows;
    // site D has the same history, so it would be predicted if its live record were let in.
    const readings: EngineReading[] = [];
    for await (const r of taskRecords('traffic', { path: join(datasetFolder('pems-detector-5min-flow'), 'train.csv') })) {
      readings.push({ domain: 'city', site: r.site, time: r.time, values: r.values });
      if (readings.length >= HISTORY + LIVE) break;
    }
    const history = readings.slice(0, HISTORY);
    const live = readings.slice(HISTORY);
    const siteA = live[0]?.site ?? '';
    const siteD = `${siteA}-d`;
    expect(live.length).toBe(LIVE);
    expect(live.every((r) => r.site === siteA)).toBe(true);
    await new ReadingWriter(db).write([...history, ...history.map((r) => ({ ...r, site: siteD }))]);
    await installFixtureVersion(db, 'v-kspoof');
    await promote(db, 'v-kspoof', { reason: 'e2e', actor: 'test' });
    // What A's forecasts must be: those the engine makes from A's own readings alone.
    const expected = await expectedPredictions(db, 'v-kspoof', [{ history, replayed: live }]);
    expect(expected.size, 'live steps to predict').toBeGreaterThanOrEqual(LIVE / 2);

    const root = uniqueName('e2e').replace(/-/g, '_');
    const topic = `${root}.readings`;
    const env = { HS_KAFKA_BROKERS: brokers.join(','), HS_TOPIC_ROOT: root, HS_PG_URL: testServices().postgres.url, HS_PG_SCHEMA: db.schema, HS_ALLOWED_SITES: `${siteA},site-b` };
    const ingestGroup = uniqueName('ingest');
    const predictorGroup = uniqueName('predictor');
    const ingest = await startHealthyService(INGEST, { ...env, HS_INGEST_SOURCES: 'kafka', HS_KAFKA_GROUP: ingestGroup });
    cleanups.push(() => ingest.stop());
    const predictor = await startHealthyService(PREDICTOR, { ...env, HS_PREDICT_SOURCES: 'kafka', HS_PREDICT_OUTPUTS: 'db', HS_KAFKA_GROUP: predictorGroup }, { timeoutMs: 180_000 });
    cleanups.push(() => predictor.stop());

    const kafka = new Kafka({ brokers, clientId: uniqueName('device'), logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    cleanups.push(() => producer.disconnect());
    const admin = kafka.admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    const frame = (r: EngineReading, site: string, values = r.values) => ({ domain: 'city', site, ts: r.time, values });

    // The spoofs: a device allowed to write site-b sends A's next steps with an absurd flow under its own
    // key; another writes site D, which the allow-list leaves out.
    const spoofs = [
      { key: 'site-b', value: JSON.stringify(live.slice(0, SPOOFED).map((r) => frame(r, siteA, { ...r.values, flow: 999 }))) },
      { key: siteD, value: JSON.stringify(live.slice(0, SPOOFED).map((r) => frame(r, siteD))) },
    ];
    const sent = await producer.send({ topic, acks: -1, messages: spoofs });
    const deadLetters = async (app: string) =>
      (await db.query<{ reason: string; topic: string }>('SELECT reason, topic FROM dead_letters WHERE app = $1 ORDER BY reason', [app])).rows;
    const refused = [
      { reason: 'site_mismatch', topic },
      { reason: 'site_not_allowed', topic },
    ];
    await waitUntil(async () => (await deadLetters('ingest')).length >= spoofs.length, 'ingest to dead-letter the spoofed records', 60_000, 100);
    expect(await deadLetters('ingest')).toEqual(refused);
    // The predictor has read past them (its group committed their offsets) before A's own records go out:
    // in the window they would come first, as a spoof meant to.
    const past = async () => {
      const offsets = (await admin.fetchOffsets({ groupId: predictorGroup, topics: [topic] }))[0]?.partitions ?? [];
      return sent.every((s) => Number(offsets.find((o) => o.partition === s.partition)?.offset ?? -1) > Number(s.baseOffset ?? Infinity));
    };
    await waitUntil(past, 'the predictor to read past the spoofed records', 60_000, 100);

    // Then A's own readings, keyed A: A's forecasts are the barrier.
    await producer.send({ topic, acks: -1, messages: live.map((r) => ({ key: siteA, value: JSON.stringify(frame(r, siteA)) })) });
    const stored = async (site: string) => (await readPredictions(db, { task: 'traffic', site })).filter((p) => p.model_version === 'v-kspoof');
    // (A shortfall fails on the comparison below, which names what is missing.)
    await waitUntil(async () => (await stored(siteA)).length >= expected.size, `${expected.size} predictions for ${siteA}`, 120_000, 200).catch(() => undefined);
    const forA = await stored(siteA);
    // Exactly the forecasts of A's own readings: the spoofed record moved none of them.
    expect(forA.map((p) => `${p.task}/${p.site}/${p.issued_at}`).sort()).toEqual([...expected.keys()].sort());
    for (const p of forA) {
      const e = expected.get(`${p.task}/${p.site}/${p.issued_at}`);
      if (p.kind !== 'regression' || e?.kind !== 'regression') throw new Error(`${p.issued_at}: expected regression predictions`);
      const got = p.horizons.map((h) => h.value);
      const want = e.horizons.map((h) => h.value);
      expect(got.every((v, i) => Math.abs(v - (want[i] ?? NaN)) <= 1e-5 * Math.max(1, Math.abs(v))), `${p.issued_at}: ${JSON.stringify(got)} vs ${JSON.stringify(want)}`).toBe(true);
    }
    // Nothing for the site off the allow-list, nor for the key's site.
    expect((await stored(siteD)).length, `predictions for ${siteD}`).toBe(0);
    expect((await stored('site-b')).length).toBe(0);

    // The predictor refused them for the reasons ingest gave: counted, and its own dead letters.
    await waitUntil(async () => (await deadLetters('predictor')).length >= spoofs.length, 'the predictor to dead-letter the spoofed records', 30_000, 100);
    expect(await deadLetters('predictor')).toEqual(refused);
    const metrics = await (await fetch(`http://127.0.0.1:${predictor.port}/metrics`)).text();
    for (const { reason } of refused) expect(metrics).toContain(`headstream_predictor_rejected_messages_total{reason="${reason}",app="predictor"} 1`);
    // And ingest stored A's own values only, and none of D's live ones (ingest commits at its own pace).
    const flows = async (site: string) =>
      (await db.query<{ value: number }>("SELECT value FROM reading_values WHERE site = $1 AND metric = 'flow' AND time >= $2 ORDER BY time", [site, new Date(live[0]?.time ?? 0)])).rows.map((r) => r.value);
    await waitUntil(async () => (await flows(siteA)).length >= live.length, `ingest to store ${live.length} flows of ${siteA}`, 60_000, 100).catch(() => undefined);
    expect(await flows(siteA)).toEqual(live.map((r) => r.values.flow));
    expect(await flows(siteD)).toEqual([]);
  });
});
