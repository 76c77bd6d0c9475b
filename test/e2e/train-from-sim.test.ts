import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '@headstream/store';
import { realDatabase, realServiceOrSkip, runNodeScript, startHealthyService, testServices, uniqueName, waitUntil } from '@headstream/testkit';
import { simulate } from '@headstream/sim';
import type { VersionReport } from '@headstream/training';

// Beside train-from-db.test.ts (the data-set slices and the guard), so that neither file takes minutes on CI's two cores.
const require = createRequire(import.meta.url);
const binary = (pkg: string) => require.resolve(`${pkg}/package.json`).replace(/package\.json$/, 'dist/main.js');
const CLI = binary('@headstream/cli');
const INGEST = binary('@headstream/ingest');

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

describe('simulate → ingest → headstream train --from-db (real Mosquitto and PostgreSQL)', () => {
  it('the simulator: six days of a small city and factory, all four tasks trained from the defaults', { timeout: 300_000 }, async (ctx) => {
    const mqtt = realServiceOrSkip(ctx, 'mqtt');
    realServiceOrSkip(ctx, 'postgres');
    const db = await realDatabase('e2e-train-sim');
    cleanups.push(() => db.dispose());
    await migrate(db);
    const topicRoot = uniqueName('e2e').replace(/-/g, '_');
    const env = { HS_MQTT_URL: mqtt, HS_TOPIC_ROOT: topicRoot };
    const dbEnv = { HS_PG_URL: testServices().postgres.url, HS_PG_SCHEMA: db.schema };
    const ingest = await startHealthyService(INGEST, { ...env, ...dbEnv, HS_INGEST_SOURCES: 'mqtt', HS_MQTT_CLIENT_ID: uniqueName('ingest') });
    cleanups.push(() => ingest.stop());
    // 2 city sites every 5 min, 2 machines and their line every 10 s, for six days of virtual time. 500 frames a
    // message: a burst of many small QoS 1 messages overflows Mosquitto's default queue of 1,000 per client.
    const records = 2 * 6 * 288 + 3 * 6 * 8640;
    let readings = 0;
    let n = 0;
    for (const r of simulate({ city: 2, factory: 2, seed: 1, start: Date.parse('2024-03-01T00:00:00Z'), factoryIntervalMs: 10_000 })) {
      readings += Object.keys(r.values).length + Object.keys(r.labels).length;
      if (++n >= records) break;
    }
    const sim = await runNodeScript(CLI, ['simulate', '--city', '2', '--factory', '2', '--factory-interval', '10s', '--seed', '1', '--rate', '1000000', '--count', String(records), '--frames', '500', '--start', '2024-03-01T00:00:00Z', '--to', 'mqtt'], env, 300_000);
    expect(sim.code, sim.stderr).toBe(0);
    // Every simulated value (and label) stored: the count is exact, not "it stopped growing".
    await waitUntil(async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM readings')).rows[0]?.n === readings, `${readings} readings`, 300_000, 1000);
    const train = await runNodeScript(CLI, ['train', '--from-db', '--quick', '--epochs', '2', '--name', 'v-sim', '--json'], dbEnv, 300_000);
    expect(train.code, train.stderr).toBe(0);
    const report = JSON.parse(train.stdout) as VersionReport;
    expect(report.tasks, JSON.stringify(report.skipped)).toEqual(['traffic', 'air_quality', 'fault', 'throughput', 'emissions']);
    const show = await runNodeScript(CLI, ['models', 'show', 'v-sim'], dbEnv, 120_000);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('throughput');
  });

  it('bad flags give one line and exit 2; an empty database names what is missing', { timeout: 300_000 }, async (ctx) => {
    realServiceOrSkip(ctx, 'postgres');
    const db = await realDatabase('e2e-train-empty');
    cleanups.push(() => db.dispose());
    await migrate(db);
    const dbEnv = { HS_PG_URL: testServices().postgres.url, HS_PG_SCHEMA: db.schema };
    const cases: [string[], RegExp][] = [
      [['train', '--from-db', '--strategy', 'nope'], /^headstream: unknown strategy "nope"; valid: equal, /],
      [['train', '--from-db', '--tasks', 'traffic,weather'], /^headstream: unknown task\(s\) in --tasks: weather; valid: /],
      [['train', '--from-db', '--regime', 'parallel'], /^error: option '--regime <regime>' argument 'parallel' is invalid/],
      [['train', '--from-db', '--from-datasets'], /^headstream: train needs exactly one of --from-datasets/],
      [['train', '--from-db', '--epochs', 'many'], /^error: option '--epochs <n>' argument 'many' is invalid/],
      [['train', '--from-db', '--bindings', join(tmpdir(), 'no-such-bindings.json')], /^headstream: .*no-such-bindings\.json/],
      [['train', '--from-db'], /^headstream: the database holds no readings/],
    ];
    for (const [args, line] of cases) {
      const run = await runNodeScript(CLI, args, dbEnv, 120_000);
      expect(run.code, `${args.join(' ')}: ${run.stderr}`).toBe(2);
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr.trim()).toMatch(line);
    }
  });
});
