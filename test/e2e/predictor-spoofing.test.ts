import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { datasetFolder } from '@headstream/datasets';
import { readPredictions, type EngineReading } from '@headstream/serving';
import { migrate, ReadingWriter } from '@headstream/store';
import { realDatabase, realServiceOrSkip, startHealthyService, testServices, uniqueName, waitUntil, type TestDatabase } from '@headstream/testkit';
import { promote, taskRecords } from '@headstream/training';
import { createMqttPublisher } from '@headstream/transport';
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
 * Issue #22: ingest and the predictor decode readings with one decoder (core's decodeInbound). Frames
 * naming site A published on site B's topic are dead-lettered by ingest (site_mismatch) and refused by
 * the predictor too: counted, dead-lettered as the predictor's, and never in A's window. Before, the
 * predictor read them into A's window and published A's forecasts from them.
 */
describe('predictor: frames naming another site than their topic (spoofing)', () => {
  it('are dead-lettered by ingest and by the predictor, and never predicted from', { timeout: 300_000 }, async (ctx) => {
    const mqtt = realServiceOrSkip(ctx, 'mqtt');
    realServiceOrSkip(ctx, 'postgres');
    const db: TestDatabase = await realDatabase('e2e-spoofing');
    cleanups.push(() => db.dispose());
    await migrate(db);

    // Site A's traffic history (the rows the run's fixture version was trained on), and its next rows.
    const readings: EngineReading[] = [];
    for await (const r of taskRecords('traffic', { path: join(datasetFolder('pems-detector-5min-flow'), 'train.csv') })) {
      readings.push({ domain: 'city', site: r.site, time: r.time, values: r.values });
      if (readings.length >= HISTORY + LIVE) break;
    }
    const history = readings.slice(0, HISTORY);
    const live = readings.slice(HISTORY);
    const siteA = live[0]?.site ?? '';
    expect(live.length).toBe(LIVE);
    expect(live.every((r) => r.site === siteA)).toBe(true);
    await new ReadingWriter(db).write(history);
    await installFixtureVersion(db, 'v-spoof');
    await promote(db, 'v-spoof', { reason: 'e2e', actor: 'test' });
    // What A's forecasts must be: those the engine makes from A's own readings alone.
    const expected = await expectedPredictions(db, 'v-spoof', [{ history, replayed: live }]);
    expect(expected.size, 'live steps to predict').toBeGreaterThanOrEqual(LIVE / 2);

    const root = uniqueName('e2e').replace(/-/g, '_');
    const env = { HS_MQTT_URL: mqtt, HS_TOPIC_ROOT: root, HS_PG_URL: testServices().postgres.url, HS_PG_SCHEMA: db.schema };
    const ingest = await startHealthyService(INGEST, { ...env, HS_INGEST_SOURCES: 'mqtt', HS_MQTT_CLIENT_ID: uniqueName('ingest') });
    cleanups.push(() => ingest.stop());
    const predictor = await startHealthyService(PREDICTOR, { ...env, HS_PREDICT_SOURCES: 'mqtt', HS_PREDICT_OUTPUTS: 'mqtt,db', HS_MQTT_CLIENT_ID: uniqueName('predictor') }, { timeoutMs: 180_000 });
    cleanups.push(() => predictor.stop());
    const publisher = await createMqttPublisher({ url: mqtt, clientId: uniqueName('spoofer') });
    cleanups.push(() => publisher.close());

    // The spoof: A's next steps with an absurd flow, on site B's topic (a device allowed to write B only).
    const spoofTopic = `${root}/v1/readings/city/site-b`;
    const spoofed = live.slice(0, SPOOFED).map((r) => ({ payload: JSON.stringify({ site: r.site, ts: r.time, values: { ...r.values, flow: 999 } }) }));
    await publisher.publish(spoofTopic, spoofed);
    const deadLetters = async (app: string) =>
      (await db.query<{ reason: string; topic: string }>('SELECT reason, topic FROM dead_letters WHERE app = $1 ORDER BY id', [app])).rows;
    await waitUntil(async () => (await deadLetters('ingest')).length >= SPOOFED, 'ingest to dead-letter the spoofed frames', 60_000, 100);
    expect(await deadLetters('ingest')).toEqual(spoofed.map(() => ({ reason: 'site_mismatch', topic: spoofTopic })));

    // Then A's own readings on A's topic, after the spoof (ingest has it, so the broker has sent it to the
    // predictor too): A's forecasts are the barrier.
    await publisher.publish(`${root}/v1/readings/city/${siteA}`, live.map((r) => ({ payload: JSON.stringify({ site: r.site, ts: r.time, values: r.values }) })));
    const storedA = async () => (await readPredictions(db, { task: 'traffic', site: siteA })).filter((p) => p.model_version === 'v-spoof');
    // (A shortfall fails on the comparison below, which names what is missing.)
    await waitUntil(async () => (await storedA()).length >= expected.size, `${expected.size} predictions for ${siteA}`, 120_000, 200).catch(() => undefined);
    const stored = await storedA();
    // Exactly the forecasts of A's own readings: the spoofed frames moved none of them.
    expect(stored.map((p) => `${p.task}/${p.site}/${p.issued_at}`).sort()).toEqual([...expected.keys()].sort());
    for (const p of stored) {
      const e = expected.get(`${p.task}/${p.site}/${p.issued_at}`);
      if (p.kind !== 'regression' || e?.kind !== 'regression') throw new Error(`${p.issued_at}: expected regression predictions`);
      const got = p.horizons.map((h) => h.value);
      const want = e.horizons.map((h) => h.value);
      expect(got.every((v, i) => Math.abs(v - (want[i] ?? NaN)) <= 1e-5 * Math.max(1, Math.abs(v))), `${p.issued_at}: ${JSON.stringify(got)} vs ${JSON.stringify(want)}`).toBe(true);
    }

    // The predictor refused them for the reason ingest gave: counted, and its own dead letters.
    await waitUntil(async () => (await deadLetters('predictor')).length >= SPOOFED, 'the predictor to dead-letter the spoofed frames', 30_000, 100);
    expect(await deadLetters('predictor')).toEqual(spoofed.map(() => ({ reason: 'site_mismatch', topic: spoofTopic })));
    const metrics = await (await fetch(`http://127.0.0.1:${predictor.port}/metrics`)).text();
    expect(metrics).toContain(`headstream_predictor_rejected_messages_total{reason="site_mismatch",app="predictor"} ${SPOOFED}`);
    // And ingest stored A's own values only (ingest commits on its own pace: the predictor may be ahead of it).
    const flows = async () =>
      (await db.query<{ value: number }>("SELECT value FROM reading_values WHERE site = $1 AND metric = 'flow' AND time >= $2 ORDER BY time", [siteA, new Date(live[0]?.time ?? 0)])).rows.map((r) => r.value);
    await waitUntil(async () => (await flows()).length >= live.length, `ingest to store ${live.length} flows of ${siteA}`, 60_000, 100).catch(() => undefined);
    expect(await flows()).toEqual(live.map((r) => r.values.flow));
  });
});
