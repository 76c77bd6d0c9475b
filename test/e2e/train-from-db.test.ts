import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { loadServingVersion } from '@headstream/serving';
import { datasetFolder } from '@headstream/datasets';
import { migrate } from '@headstream/store';
import { realDatabase, realServiceOrSkip, runNodeScript, startHealthyService, testServices, uniqueName, waitUntil, type TestDatabase } from '@headstream/testkit';
import { simulate } from '@headstream/sim';
import { activeVersion, getVersion, loadArtifact, promote, SHARED_ARTIFACT, taskRecords, trainFromDatabase, type VersionReport } from '@headstream/training';

const require = createRequire(import.meta.url);
const binary = (pkg: string) => require.resolve(`${pkg}/package.json`).replace(/package\.json$/, 'dist/main.js');
const CLI = binary('@headstream/cli');
const INGEST = binary('@headstream/ingest');

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

/** A data-set folder with the first `lines` rows of some of the shared files (what a user replays). */
function sliceOf(root: string, folder: string, files: string[], lines?: number): void {
  for (const file of files) {
    const target = join(root, folder, file);
    mkdirSync(join(target, '..'), { recursive: true });
    if (lines === undefined) copyFileSync(join(datasetFolder(folder), file), target);
    else writeFileSync(target, `${readFileSync(join(datasetFolder(folder), file), 'utf8').split('\n').slice(0, lines + 1).join('\n')}\n`);
  }
}

async function startIngest(env: Record<string, string>): Promise<void> {
  const ingest = await startHealthyService(INGEST, env);
  cleanups.push(() => ingest.stop());
}

async function readingCount(db: TestDatabase): Promise<number> {
  return (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM readings')).rows[0]?.n ?? 0;
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
const rootDir = fileURLToPath(new URL('../../', import.meta.url));

describe('replay → ingest → headstream train --from-db --quick → headstream models show (real Mosquitto and PostgreSQL)', () => {
  /** The database of the first test, with its version v-e2e: the next tests load it and compare a bad candidate with it. */
  let trained: TestDatabase | undefined;
  afterAll(async () => {
    await trained?.dispose();
  });

  it('slices of the four shared data sets: a version with metrics for all four tasks, telemetry for every epoch, shown by models show', { timeout: 300_000 }, async (ctx) => {
    const mqtt = realServiceOrSkip(ctx, 'mqtt');
    realServiceOrSkip(ctx, 'postgres');
    const db = await realDatabase('e2e-train');
    trained = db;
    await migrate(db);
    const root = mkdtempSync(join(tmpdir(), 'hs-slices-'));
    dirs.push(root);
    sliceOf(root, 'pems-detector-5min-flow', ['train.csv'], 2500);
    sliceOf(root, 'beijing-multisite-air-quality', ['PRSA_Data_Aotizhongxin_20130301-20170228.csv', 'PRSA_Data_Changping_20130301-20170228.csv'], 1500);
    sliceOf(root, 'skab', ['valve1/1.csv', 'valve1/2.csv', 'valve2/1.csv']);
    sliceOf(root, 'gas-turbine-co-nox-tey', ['gt_2011.csv'], 1500);
    const topicRoot = uniqueName('e2e').replace(/-/g, '_');
    const env = { HS_MQTT_URL: mqtt, HS_TOPIC_ROOT: topicRoot };
    const dbEnv = { HS_PG_URL: testServices().postgres.url, HS_PG_SCHEMA: db.schema };
    await startIngest({ ...env, ...dbEnv, HS_INGEST_SOURCES: 'mqtt', HS_MQTT_CLIENT_ID: uniqueName('ingest') });

    for (const dataset of ['pems-detector', 'beijing-air', 'skab', 'gas-turbine']) {
      const replay = await runNodeScript(CLI, ['replay', dataset, '--datasets-dir', root, '--to', 'mqtt', '--max', '--ground-truth', '--json'], env, 300_000);
      expect(replay.code, replay.stderr).toBe(0);
      expect((JSON.parse(replay.stdout) as { aborted: boolean }).aborted).toBe(false);
    }
    // Every replayed value (and numeric label) stored: count what the slices hold, as replay reads them.
    let readings = 0;
    for (const task of ['traffic', 'air_quality', 'fault', 'throughput'] as const) for await (const r of taskRecords(task, { datasetsDir: root })) readings += Object.keys(r.values).length;
    await waitUntil(async () => (await readingCount(db)) === readings, `${readings} readings`, 300_000, 1000);

    const train = await runNodeScript(CLI, ['train', '--from-db', '--quick', '--name', 'v-e2e', '--json'], dbEnv, 300_000);
    expect(train.code, train.stderr).toBe(0);
    const report = JSON.parse(train.stdout) as VersionReport;
    expect(report.tasks).toEqual(['traffic', 'air_quality', 'fault', 'throughput']);
    for (const t of report.tasks) {
      const r = report.task_reports[t];
      expect(r?.validation.windows).toBeGreaterThan(0);
      expect(r?.persistence).toBeDefined();
    }
    // Not a terminal: one progress line per epoch on stderr.
    expect(train.stderr).toMatch(/\[train\] shared epoch 10\/10 \(\d+\/50\)/);
    const epochs = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM training_metrics WHERE model_version = 'v-e2e' AND kind = 'epoch'");
    expect(epochs.rows[0]?.n).toBe(10 * 4 + 4 * 10);

    // The version, its artifacts and per-epoch telemetry of every model, as stored.
    const stored = await getVersion(db, 'v-e2e');
    expect(stored?.artifacts.map((a) => a.name).sort()).toEqual(['shared', 'single-air_quality', 'single-fault', 'single-throughput', 'single-traffic']);
    expect(stored?.status).toBe(report.decision.promote ? 'active' : 'rejected');
    const { rows } = await db.query<{ model: string; n: number }>("SELECT model, count(*)::int AS n FROM training_metrics WHERE model_version = 'v-e2e' AND kind = 'epoch' GROUP BY model ORDER BY model");
    expect(rows).toEqual([
      { model: 'shared', n: 10 * 4 },
      { model: 'single-air_quality', n: 10 },
      { model: 'single-fault', n: 10 },
      { model: 'single-throughput', n: 10 },
      { model: 'single-traffic', n: 10 },
    ]);
    const cosines = await db.query<{ n: string }>("SELECT count(*) AS n FROM training_metrics WHERE model_version = 'v-e2e' AND model = 'shared' AND kind = 'step' AND grad_cosine IS NOT NULL");
    expect(Number(cosines.rows[0]?.n)).toBeGreaterThan(0);
    expect(report.compute.shared.parameters).toBeLessThan(report.compute.single.parameters);
    // The guard's per-task decision is what is stored and what serving loads (its rule: guard.test.ts, and the
    // constructed cases in packages/training/test/train-from-db.int.test.ts).
    expect(stored?.decision?.serving).toEqual(report.decision.serving);
    const serving = await loadServingVersion(db, 'v-e2e');
    try {
      for (const t of report.tasks) expect(serving.tasks.get(t)?.artifact, t).toBe(report.task_reports[t]?.served_by === 'shared' ? 'shared' : `single-${t}`);
    } finally {
      serving.dispose();
    }

    const show = await runNodeScript(CLI, ['models', 'show', 'v-e2e'], dbEnv, 120_000);
    expect(show.code, show.stderr).toBe(0);
    for (const t of ['traffic', 'air_quality', 'fault', 'throughput']) expect(show.stdout).toContain(t);
    expect(show.stdout).toMatch(/persistence/);
    expect(show.stdout).toMatch(/Δm/);
    if (!report.decision.promote) await promote(db, 'v-e2e', { reason: 'test: the next candidates are compared with it', actor: 'test' });
  });

  it('another process loads the version from the database alone and predicts the same within 1e-5', async () => {
    const db = trained;
    if (!db) throw new Error('the first test trained no version');
    const { model, metadata } = await loadArtifact(db, 'v-e2e', SHARED_ARTIFACT);
    const dir = mkdtempSync(join(tmpdir(), 'hs-load-'));
    try {
      const inputs = Object.fromEntries(Object.entries(model.config.inputs).map(([name, { features }]) => [name, Array.from({ length: 5 * model.config.lookback * features }, (_, i) => Math.sin(i * 0.37))]));
      const here = model.predict(Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, Float32Array.from(v)])));
      writeFileSync(join(dir, 'inputs.json'), JSON.stringify(inputs));
      const script = join(dir, 'load.mjs');
      writeFileSync(
        script,
        `import { openDatabase } from ${JSON.stringify(join(rootDir, 'packages/store/dist/index.js'))};
import { loadArtifact } from ${JSON.stringify(join(rootDir, 'packages/training/dist/index.js'))};
import { readFileSync, writeFileSync } from 'node:fs';
const db = await openDatabase({ url: process.env.URL, schema: process.env.SCHEMA });
const { model } = await loadArtifact(db, 'v-e2e', 'shared');
const inputs = JSON.parse(readFileSync(process.env.DIR + '/inputs.json', 'utf8'));
const out = model.predict(Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, Float32Array.from(v)])));
writeFileSync(process.env.DIR + '/out.json', JSON.stringify(Object.fromEntries(Object.entries(out).map(([t, p]) => [t, Array.from(p.kind === 'regression' ? p.values : p.probabilities)]))));
await db.close();
`,
      );
      const run = await runNodeScript(script, [], { URL: testServices().postgres.url, SCHEMA: db.schema, DIR: dir }, 180_000);
      expect(run.code, run.stderr).toBe(0);
      const there = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as Record<string, number[]>;
      for (const [task, p] of Object.entries(here)) {
        const mine = Array.from(p.kind === 'regression' ? p.values : p.probabilities);
        const theirs = there[task] ?? [];
        expect(theirs.length).toBe(mine.length);
        expect(Math.max(...mine.map((v, i) => Math.abs(v - (theirs[i] ?? NaN))))).toBeLessThan(1e-5);
      }
      expect(Object.keys(metadata.features).sort()).toEqual(['air_quality', 'fault', 'throughput', 'traffic']);
    } finally {
      model.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the guard refuses a deliberately bad candidate (never trained) and records why; the active version stays', { timeout: 300_000 }, async () => {
    const db = trained;
    if (!db) throw new Error('the first test trained no version');
    const { report, promoted } = await trainFromDatabase({ db, mode: 'quick', version: 'v-bad', seed: 2, epochs: 0 });
    expect(promoted).toBe(false);
    expect(report.decision.promote).toBe(false);
    expect(report.decision.compared_with).toBe('v-e2e');
    expect(report.decision.reasons.filter((r) => r.includes('REFUSED')).length).toBeGreaterThan(0);
    for (const t of report.tasks) expect(report.task_reports[t]?.active?.version).toBe('v-e2e');
    const stored = await getVersion(db, 'v-bad');
    expect(stored?.status).toBe('rejected');
    expect(stored?.decision?.reasons).toEqual(report.decision.reasons);
    expect((await activeVersion(db))?.version).toBe('v-e2e');
  });

  it('the simulator: six days of a small city and factory, all four tasks trained from the defaults', { timeout: 300_000 }, async (ctx) => {
    const mqtt = realServiceOrSkip(ctx, 'mqtt');
    realServiceOrSkip(ctx, 'postgres');
    const db = await realDatabase('e2e-train-sim');
    cleanups.push(() => db.dispose());
    await migrate(db);
    const topicRoot = uniqueName('e2e').replace(/-/g, '_');
    const env = { HS_MQTT_URL: mqtt, HS_TOPIC_ROOT: topicRoot };
    const dbEnv = { HS_PG_URL: testServices().postgres.url, HS_PG_SCHEMA: db.schema };
    await startIngest({ ...env, ...dbEnv, HS_INGEST_SOURCES: 'mqtt', HS_MQTT_CLIENT_ID: uniqueName('ingest') });
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
    await waitUntil(async () => (await readingCount(db)) === readings, `${readings} readings`, 300_000, 1000);
    const train = await runNodeScript(CLI, ['train', '--from-db', '--quick', '--epochs', '2', '--name', 'v-sim', '--json'], dbEnv, 300_000);
    expect(train.code, train.stderr).toBe(0);
    const report = JSON.parse(train.stdout) as VersionReport;
    expect(report.tasks, JSON.stringify(report.skipped)).toEqual(['traffic', 'air_quality', 'fault', 'throughput']);
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
