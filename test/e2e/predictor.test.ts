import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskName } from '@headstream/core';
import { datasetFolder } from '@headstream/datasets';
import { readPredictions } from '@headstream/serving';
import { migrate, ReadingWriter } from '@headstream/store';
import { realDatabase, realServiceOrSkip, runNodeScript, skipOrFailInCi, startHealthyService, testServices, uniqueName, waitUntil, type TestDatabase } from '@headstream/testkit';
import { promote, taskRecords, trainFromDatabase } from '@headstream/training';

const require = createRequire(import.meta.url);
const binary = (pkg: string) => require.resolve(`${pkg}/package.json`).replace(/package\.json$/, 'dist/main.js');
const CLI = binary('@headstream/cli');
const INGEST = binary('@headstream/ingest');
const PREDICTOR = binary('@headstream/predictor');
const SCHEMA = fileURLToPath(new URL('../../packages/core/schemas/prediction.schema.json', import.meta.url));

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

/** Each task's file: the first `history` data rows go into the database and train; the next `live` rows are replayed live. */
const FILES: { task: TaskName; folder: string; file: string; dataset: string; history: number; live: number }[] = [
  { task: 'traffic', folder: 'pems-detector-5min-flow', file: 'train.csv', dataset: 'pems-detector', history: 1500, live: 36 },
  { task: 'air_quality', folder: 'beijing-multisite-air-quality', file: 'PRSA_Data_Aotizhongxin_20130301-20170228.csv', dataset: 'beijing-air', history: 700, live: 12 },
  { task: 'fault', folder: 'skab', file: 'valve1/1.csv', dataset: 'skab', history: 800, live: 60 },
  { task: 'throughput', folder: 'gas-turbine-co-nox-tey', file: 'gt_2011.csv', dataset: 'gas-turbine', history: 700, live: 12 },
];
const DOMAIN: Record<TaskName, string> = { traffic: 'city', air_quality: 'city', fault: 'factory', throughput: 'factory' };

function mosquittoSub(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, 'mosquitto_sub'))) return join(dir, 'mosquitto_sub');
  return undefined;
}

describe('predictor: live readings → predictions on MQTT (mosquitto_sub) and in the predictions table', () => {
  it('predicts every served task for the live steps, once each, with the active version; payloads valid against the JSON Schema', { timeout: 900_000 }, async (ctx) => {
    const mqtt = realServiceOrSkip(ctx, 'mqtt');
    realServiceOrSkip(ctx, 'postgres');
    const sub = mosquittoSub();
    if (!sub) return skipOrFailInCi(ctx, 'mosquitto_sub is not installed (Debian package mosquitto-clients)');
    const db: TestDatabase = await realDatabase('e2e-predictor');
    cleanups.push(() => db.dispose());
    await migrate(db);

    // History into the database, the continuation as files to replay.
    const live = mkdtempSync(join(tmpdir(), 'hs-live-'));
    cleanups.push(() => Promise.resolve(rmSync(live, { recursive: true, force: true })));
    const writer = new ReadingWriter(db);
    for (const f of FILES) {
      const items = [];
      for await (const r of taskRecords(f.task, { path: join(datasetFolder(f.folder), f.file) })) {
        items.push({ domain: DOMAIN[f.task], site: r.site, time: r.time, values: r.values });
        if (items.length >= f.history) break;
      }
      await writer.write(items);
      const lines = readFileSync(join(datasetFolder(f.folder), f.file), 'utf8').split('\n');
      mkdirSync(join(live, f.folder, f.file, '..'), { recursive: true });
      // The gas turbine's times come from the row number (row i = Jan 1 + i h): its live file replays the
      // history rows again (duplicates, ignored by ingest and the predictor) before the new ones.
      const from = f.dataset === 'gas-turbine' ? 1 : 1 + f.history;
      writeFileSync(join(live, f.folder, f.file), `${[lines[0], ...lines.slice(from, 1 + f.history + f.live)].join('\n')}\n`);
    }
    const { report } = await trainFromDatabase({ db, mode: 'quick', epochs: 2, version: 'v-live', promotion: 'never' });
    expect(report.tasks).toEqual(['traffic', 'air_quality', 'fault', 'throughput']);
    await promote(db, 'v-live', { reason: 'e2e', actor: 'test' });

    const root = uniqueName('e2e').replace(/-/g, '_');
    const env = { HS_MQTT_URL: mqtt, HS_TOPIC_ROOT: root };
    const dbEnv = { HS_PG_URL: testServices().postgres.url, HS_PG_SCHEMA: db.schema };
    const ingest = await startHealthyService(INGEST, { ...env, ...dbEnv, HS_INGEST_SOURCES: 'mqtt', HS_MQTT_CLIENT_ID: uniqueName('ingest') });
    cleanups.push(() => ingest.stop());
    const predictor = await startHealthyService(PREDICTOR, { ...env, ...dbEnv, HS_PREDICT_SOURCES: 'mqtt', HS_PREDICT_OUTPUTS: 'mqtt,db', HS_MQTT_CLIENT_ID: uniqueName('predictor') }, { timeoutMs: 180_000 });
    cleanups.push(() => predictor.stop());

    // A real third-party subscriber, from before the first prediction.
    const received: string[] = [];
    const child = spawn(sub, ['-h', new URL(mqtt).hostname, '-p', new URL(mqtt).port || '1883', '-q', '1', '-t', `${root}/v1/predictions/#`, '-v'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let buffered = '';
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      received.push(...lines.filter(Boolean));
    });
    cleanups.push(() => Promise.resolve(child.kill('SIGTERM')));
    await new Promise((r) => setTimeout(r, 1000));

    for (const f of FILES) {
      const replay = await runNodeScript(CLI, ['replay', f.dataset, '--datasets-dir', live, '--to', 'mqtt', '--max', '--ground-truth', '--json'], env, 300_000);
      expect(replay.code, replay.stderr).toBe(0);
    }
    await waitUntil(async () => new Set((await readPredictions(db)).map((p) => p.task)).size === 4, 'predictions of all four tasks', 300_000, 1000);
    // Let the last batches land, then compare what the subscriber saw with the table.
    await new Promise((r) => setTimeout(r, 3000));
    const stored = await readPredictions(db);
    const keys = stored.map((p) => `${p.task}/${p.site}/${p.issued_at}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(stored.every((p) => p.model_version === 'v-live')).toBe(true);
    // About one prediction per live step of each task (the step a replay ends in is not complete yet).
    for (const f of FILES) expect(stored.filter((p) => p.task === f.task).length, f.task).toBeGreaterThanOrEqual(f.live / 2);
    const ajv = new Ajv2020.default({ allErrors: true, strict: true });
    addFormats.default(ajv);
    const validate = ajv.compile(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object);
    const seen = new Map<string, unknown>();
    for (const line of received) {
      const space = line.indexOf(' ');
      const topic = line.slice(0, space);
      const payload = JSON.parse(line.slice(space + 1)) as { task: string; site: string; issued_at: string };
      expect(validate(payload), ajv.errorsText(validate.errors)).toBe(true);
      expect(topic).toBe(`${root}/v1/predictions/${payload.task}/${payload.site}`);
      const key = `${payload.task}/${payload.site}/${payload.issued_at}`;
      expect(seen.has(key), `${key} received twice`).toBe(false);
      seen.set(key, payload);
    }
    expect([...seen.keys()].sort()).toEqual([...keys].sort());
    for (const p of stored) expect(seen.get(`${p.task}/${p.site}/${p.issued_at}`)).toEqual(JSON.parse(JSON.stringify(p)));
    // The service says what it serves.
    const health = (await (await fetch(`http://127.0.0.1:${predictor.port}/healthz`)).json()) as { ok: boolean; version: string };
    expect(health).toMatchObject({ ok: true, version: 'v-live' });
    const metrics = await (await fetch(`http://127.0.0.1:${predictor.port}/metrics`)).text();
    expect(metrics).toMatch(/headstream_predictor_predictions_total\{task="traffic",app="predictor"\} \d+/);
    // Retained: a subscriber arriving now still gets the latest prediction of each (task, site).
    const late = await runNodeScriptLike(sub, ['-h', new URL(mqtt).hostname, '-p', new URL(mqtt).port || '1883', '-t', `${root}/v1/predictions/#`, '-v', '-W', '3']);
    expect(new Set(late.filter(Boolean).map((l) => l.slice(0, l.indexOf(' ')))).size).toBe(new Set(stored.map((p) => `${p.task}/${p.site}`)).size);
    // Clean the retained topics up.
    for (const topic of new Set(late.filter(Boolean).map((l) => l.slice(0, l.indexOf(' '))))) await runNodeScriptLike(sub.replace(/mosquitto_sub$/, 'mosquitto_pub'), ['-h', new URL(mqtt).hostname, '-p', new URL(mqtt).port || '1883', '-t', topic, '-r', '-n']);
  });
});

/** Runs a binary to its end (mosquitto_sub -W exits 27 on its timeout); returns stdout lines. */
function runNodeScriptLike(bin: string, args: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', () => resolve(out.split('\n')));
  });
}
