import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { datasetFolder } from '@headstream/datasets';
import { readPredictions, type EngineReading } from '@headstream/serving';
import { migrate, ReadingWriter } from '@headstream/store';
import { realDatabase, realServiceOrSkip, startHealthyService, testServices, uniqueName, waitUntil, type TestDatabase } from '@headstream/testkit';
import { promote, taskRecords } from '@headstream/training';
import { FIXTURE_SLICES, installFixtureVersion } from '../fixture/index.js';
import { expectedPredictions } from './expected.js';

const require = createRequire(import.meta.url);
const binary = (pkg: string) => require.resolve(`${pkg}/package.json`).replace(/package\.json$/, 'dist/main.js');
const INGEST = binary('@headstream/ingest');
const PREDICTOR = binary('@headstream/predictor');
const run = promisify(execFile);

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

const HISTORY = FIXTURE_SLICES.find((s) => s.task === 'traffic')?.records ?? 0;
const LIVE = 6;
const SPOOFED = 2;

/**
 * Issue #22 items 3 and "done when": the predictor reads mapped JSON topics through the registry as
 * ingest does. Vendor messages naming site A in their payload, published (mosquitto_pub) on site B's
 * topic, are dead-lettered by both (site_mismatch, source json) and move none of A's forecasts; A's own
 * messages give exactly the forecasts the engine makes from A's readings.
 */
describe('mapped JSON topics: the predictor', () => {
  it('predicts from mapped readings, and refuses a payload naming another site than its topic', { timeout: 300_000 }, async (ctx) => {
    const mqtt = realServiceOrSkip(ctx, 'mqtt');
    realServiceOrSkip(ctx, 'postgres');
    const db: TestDatabase = await realDatabase('e2e-json-predictor');
    cleanups.push(() => db.dispose());
    await migrate(db);

    const readings: EngineReading[] = [];
    for await (const r of taskRecords('traffic', { path: join(datasetFolder('pems-detector-5min-flow'), 'train.csv') })) {
      readings.push({ domain: 'city', site: r.site, time: r.time, values: r.values });
      if (readings.length >= HISTORY + LIVE) break;
    }
    const history = readings.slice(0, HISTORY);
    const live = readings.slice(HISTORY);
    const siteA = live[0]?.site ?? '';
    expect(live.every((r) => r.site === siteA)).toBe(true);
    await new ReadingWriter(db).write(history);
    await installFixtureVersion(db, 'v-json');
    await promote(db, 'v-json', { reason: 'e2e', actor: 'test' });
    const expected = await expectedPredictions(db, 'v-json', [{ history, replayed: live }]);
    expect(expected.size, 'live steps to predict').toBeGreaterThanOrEqual(LIVE / 2);

    const p = uniqueName('vendor').replace(/-/g, '_');
    const dir = mkdtempSync(join(tmpdir(), 'hs-json-predictor-'));
    cleanups.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
    const configFile = join(dir, 'json-sources.json');
    writeFileSync(configFile, JSON.stringify({ topics: [{ topic: `${p}/{domain}/{site}/{metric}`, payload: { value: '/v', time: '/t', site: '/site' } }] }));
    const env = { HS_MQTT_URL: mqtt, HS_PG_URL: testServices().postgres.url, HS_PG_SCHEMA: db.schema, HS_JSON_SOURCES_CONFIG: configFile };
    const ingest = await startHealthyService(INGEST, { ...env, HS_INGEST_SOURCES: 'json', HS_MQTT_CLIENT_ID: uniqueName('ingest') });
    cleanups.push(() => ingest.stop());
    const predictor = await startHealthyService(PREDICTOR, { ...env, HS_PREDICT_SOURCES: 'json', HS_PREDICT_OUTPUTS: 'db', HS_MQTT_CLIENT_ID: uniqueName('predictor') }, { timeoutMs: 180_000 });
    cleanups.push(() => predictor.stop());

    const url = new URL(mqtt);
    const pub = (topic: string, message: object) => run('mosquitto_pub', ['-h', url.hostname, '-p', url.port || '1883', '-q', '1', '-t', topic, '-m', JSON.stringify(message)]);
    const deadLetters = async (app: string) => (await db.query<{ reason: string; source: string }>('SELECT reason, source FROM dead_letters WHERE app = $1 ORDER BY id', [app])).rows;

    // The spoof first: A's next steps with an absurd flow, naming A, on site B's topic.
    for (const r of live.slice(0, SPOOFED)) await pub(`${p}/city/site-b/flow`, { site: r.site, t: r.time, v: 999 });
    await waitUntil(async () => (await deadLetters('ingest')).length >= SPOOFED && (await deadLetters('predictor')).length >= SPOOFED, 'both to dead-letter the spoofed messages', 60_000, 100);
    expect(await deadLetters('ingest')).toEqual(Array.from({ length: SPOOFED }, () => ({ reason: 'site_mismatch', source: 'json' })));
    expect(await deadLetters('predictor')).toEqual(Array.from({ length: SPOOFED }, () => ({ reason: 'site_mismatch', source: 'json' })));

    // A's own readings, one message per metric, on A's topic.
    for (const r of live) for (const [metric, v] of Object.entries(r.values)) await pub(`${p}/city/${siteA}/${metric}`, { site: siteA, t: r.time, v });
    const storedA = async () => (await readPredictions(db, { task: 'traffic', site: siteA })).filter((x) => x.model_version === 'v-json');
    await waitUntil(async () => (await storedA()).length >= expected.size, `${expected.size} predictions for ${siteA}`, 120_000, 200).catch(() => undefined);
    const stored = await storedA();
    expect(stored.map((x) => `${x.task}/${x.site}/${x.issued_at}`).sort()).toEqual([...expected.keys()].sort());
    for (const x of stored) {
      const e = expected.get(`${x.task}/${x.site}/${x.issued_at}`);
      if (x.kind !== 'regression' || e?.kind !== 'regression') throw new Error(`${x.issued_at}: expected regression predictions`);
      const got = x.horizons.map((h) => h.value);
      const want = e.horizons.map((h) => h.value);
      expect(got.every((v, i) => Math.abs(v - (want[i] ?? NaN)) <= 1e-5 * Math.max(1, Math.abs(v))), `${x.issued_at}: ${JSON.stringify(got)} vs ${JSON.stringify(want)}`).toBe(true);
    }
  });
});
