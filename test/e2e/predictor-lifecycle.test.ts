import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { datasetFolder } from '@headstream/datasets';
import { readPredictions } from '@headstream/serving';
import { migrate, ReadingWriter } from '@headstream/store';
import { realDatabase, realServiceOrSkip, runNodeScript, startHealthyService, testServices, uniqueName, waitUntil, type HealthyService, type TestDatabase } from '@headstream/testkit';
import { promote, taskRecords } from '@headstream/training';
import { installFixtureVersion } from '../fixture/index.js';

const require = createRequire(import.meta.url);
const binary = (pkg: string) => require.resolve(`${pkg}/package.json`).replace(/package\.json$/, 'dist/main.js');
const CLI = binary('@headstream/cli');
const INGEST = binary('@headstream/ingest');
const PREDICTOR = binary('@headstream/predictor');
const FOLDER = 'pems-detector-5min-flow';
const HISTORY = 1500;
const STEP = 300_000;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

describe('predictor lifecycle: promotion mid-stream, SIGKILL and restart (real Mosquitto and PostgreSQL)', () => {
  it('switches version at one issue time with none missing or repeated, resumes within one step after SIGKILL, and keeps serving when a promoted version cannot load', { timeout: 300_000 }, async (ctx) => {
    const mqtt = realServiceOrSkip(ctx, 'mqtt');
    realServiceOrSkip(ctx, 'postgres');
    const db: TestDatabase = await realDatabase('e2e-predictor-life');
    cleanups.push(() => db.dispose());
    await migrate(db);
    const lines = readFileSync(join(datasetFolder(FOLDER), 'train.csv'), 'utf8').split('\n');
    const items: { domain: string; site: string; time: number; values: Record<string, number> }[] = [];
    for await (const r of taskRecords('traffic', { path: join(datasetFolder(FOLDER), 'train.csv') })) {
      items.push({ domain: 'city', site: r.site, time: r.time, values: r.values });
      if (items.length >= HISTORY + 140) break;
    }
    await new ReadingWriter(db).write(items.slice(0, HISTORY));
    // Two versions (the run's trained fixture under two names): which one predicted each step is in its rows.
    await installFixtureVersion(db, 'v1');
    await installFixtureVersion(db, 'v2');
    await promote(db, 'v1', { reason: 'e2e', actor: 'test' });

    const dir = mkdtempSync(join(tmpdir(), 'hs-life-'));
    cleanups.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
    const root = uniqueName('e2e').replace(/-/g, '_');
    const env = { HS_MQTT_URL: mqtt, HS_TOPIC_ROOT: root };
    const dbEnv = { HS_PG_URL: testServices().postgres.url, HS_PG_SCHEMA: db.schema };
    /** Replays data rows [from, to) after the history: the live stream, one part at a time. */
    const replay = async (from: number, to: number) => {
      const partDir = join(dir, `${from}`, FOLDER);
      mkdirSync(partDir, { recursive: true });
      writeFileSync(join(partDir, 'train.csv'), `${[lines[0], ...lines.slice(1 + HISTORY + from, 1 + HISTORY + to)].join('\n')}\n`);
      const run = await runNodeScript(CLI, ['replay', 'pems-detector', '--datasets-dir', join(dir, `${from}`), '--to', 'mqtt', '--max', '--json'], env, 300_000);
      expect(run.code, run.stderr).toBe(0);
    };
    /** Time of live row `row`: its arrival completes the step that ends there, so a prediction is issued at it. */
    const rowTime = (row: number) => items[HISTORY + row]?.time ?? NaN;
    /** Live rows [from, to) whose past hour is complete (PeMS keeps selected days only): each must be predicted. */
    const mustPredict = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, k) => HISTORY + from + k)
        .filter((i) => Array.from({ length: 12 }, (_, j) => (items[i - j]?.time ?? 0) - (items[i - j - 1]?.time ?? 0)).every((d) => d === STEP))
        .map((i) => items[i]?.time ?? NaN);
    const ingest = await startHealthyService(INGEST, { ...env, ...dbEnv, HS_INGEST_SOURCES: 'mqtt', HS_MQTT_CLIENT_ID: uniqueName('ingest') });
    cleanups.push(() => ingest.stop());
    const start = () => startHealthyService(PREDICTOR, { ...env, ...dbEnv, HS_PREDICT_SOURCES: 'mqtt', HS_PREDICT_OUTPUTS: 'mqtt,db', HS_MQTT_CLIENT_ID: uniqueName('predictor') }, { timeoutMs: 180_000 });
    let predictor: HealthyService = await start();
    cleanups.push(() => predictor.stop());
    const issued = async () => (await readPredictions(db, { task: 'traffic' })).map((p) => ({ t: Date.parse(p.issued_at), v: p.model_version }));
    const until = (t: number) => waitUntil(async () => (await issued()).some((p) => p.t >= t), `a prediction issued at ${new Date(t).toISOString()}`, 120_000, 250);

    // Part A on v1, then the promotion, then part B.
    await replay(0, 40);
    await until(rowTime(39));
    await promote(db, 'v2', { reason: 'e2e: mid-stream', actor: 'test' });
    await waitUntil(async () => ((await (await fetch(`http://127.0.0.1:${predictor.port}/healthz`)).json()) as { version: string }).version === 'v2', 'the predictor to serve v2', 60_000, 200);
    await replay(40, 80);
    await until(rowTime(79));
    const ab = (await issued()).sort((a, b) => a.t - b.t);
    // One prediction per step, none missing, and one switch v1 → v2.
    expect(new Set(ab.map((p) => p.t)).size).toBe(ab.length);
    const issuedAb = new Set(ab.map((p) => p.t));
    const expectedAb = mustPredict(1, 80);
    expect(expectedAb.length).toBeGreaterThan(40);
    for (const t of expectedAb) expect(issuedAb.has(t), new Date(t).toISOString()).toBe(true);
    const firstV2 = ab.findIndex((p) => p.v === 'v2');
    expect(firstV2).toBeGreaterThan(0);
    expect(ab.slice(0, firstV2).every((p) => p.v === 'v1')).toBe(true);
    expect(ab.slice(firstV2).every((p) => p.v === 'v2')).toBe(true);

    // SIGKILL, readings keep flowing into the database, restart: predictions resume at the next step.
    predictor.child.kill('SIGKILL');
    await predictor.exited;
    await replay(80, 100);
    const stored = async () => (await db.query<{ ms: number }>('SELECT (extract(epoch FROM max(time)) * 1000)::float8 AS ms FROM readings')).rows[0]?.ms ?? 0;
    await waitUntil(async () => (await stored()) >= rowTime(99) - STEP, 'ingest to store the readings sent while the predictor was down', 60_000, 250);
    predictor = await start();
    await replay(100, 120);
    await until(rowTime(119));
    const all = (await issued()).sort((a, b) => a.t - b.t);
    expect(new Set(all.map((p) => p.t)).size).toBe(all.length);
    // From the first reading after the restart on, every complete step is predicted: the windows were rebuilt
    // from the readings table (including the readings stored while it was down), not refilled over a lookback.
    const issuedAll = new Set(all.map((p) => p.t));
    const expectedD = mustPredict(100, 120);
    expect(expectedD.length).toBeGreaterThan(5);
    for (const t of expectedD) expect(issuedAll.has(t), new Date(t).toISOString()).toBe(true);

    // A promoted version that cannot load: the previous one keeps serving, and /healthz says why.
    await installFixtureVersion(db, 'v3');
    await db.query("UPDATE model_artifacts SET weights = decode('00', 'hex') WHERE version = 'v3'");
    await promote(db, 'v3', { reason: 'e2e: a broken version', actor: 'test' });
    const health = async () => (await (await fetch(`http://127.0.0.1:${predictor.port}/healthz`)).json()) as { version: string; loadError: string | null };
    await waitUntil(async () => (await health()).loadError !== null, '/healthz to report the failed load', 60_000, 200);
    expect(await health()).toMatchObject({ version: 'v2', loadError: expect.stringMatching(/v3/) as unknown });
    await replay(120, 140);
    await until(rowTime(139));
    const after = (await issued()).filter((p) => p.t > rowTime(120));
    expect(after.length).toBeGreaterThan(0);
    expect(after.every((p) => p.v === 'v2')).toBe(true);
  });
});
