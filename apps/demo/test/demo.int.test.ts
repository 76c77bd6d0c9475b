import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { TASK_NAMES } from '@headstream/core';
import { resolveDatasetsDir } from '@headstream/datasets';
import { createKafkaConnection } from '@headstream/transport';
import { freePort, kafkaBrokersOrSkip, realDatabase, realServiceOrSkip, skipOrFailInCi, testServices, uniqueName, waitUntil } from '@headstream/testkit';
import type { DemoSummary } from '../src/summary.js';

/** The binary `npm run demo` runs (npx turbo run build --filter=@headstream/demo builds it). */
const DEMO = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/**
 * Measured on the shared 2-core machine (load 8–12): a default run 104 s, --replay 82 s. A run may take
 * 3–5× that on a busy CI machine.
 */
const RUN_LIMIT_MS = 540_000;

interface Demo {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

/** Starts the demo as a user would: in `cwd`, with only the HS_* variables given (the test's own are removed). */
function startDemo(args: string[], cwd: string, env: Record<string, string> = {}): Demo {
  if (!existsSync(DEMO)) throw new Error(`${DEMO} is missing: npx turbo run build --filter=@headstream/demo`);
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HS_')));
  const child = spawn(process.execPath, [DEMO, ...args], { cwd, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Waits for the exit; a run still going after `limitMs` is killed and fails with its output. */
async function finished(demo: Demo, limitMs: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      demo.child.kill('SIGKILL');
      reject(new Error(`the demo was still running after ${limitMs} ms:\n${demo.stderr().slice(-3000)}`));
    }, limitMs);
  });
  try {
    return await Promise.race([demo.exited, limit]);
  } finally {
    clearTimeout(timer);
  }
}

function mosquittoSub(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, 'mosquitto_sub'))) return join(dir, 'mosquitto_sub');
  return undefined;
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hs-demo-'));
  cleanups.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
  return dir;
}

function stopOnCleanup(demo: Demo): void {
  cleanups.push(async () => {
    if (demo.child.exitCode === null && demo.child.signalCode === null) demo.child.kill('SIGKILL');
    await demo.exited;
  });
}

describe('npm run demo (the built headstream-demo binary)', () => {
  it('a bad flag or setting is one line naming it, exit 2, before anything starts', { timeout: 120_000 }, async () => {
    const cwd = tempDir();
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['--bogus'], {}, /^error: unknown option '--bogus'/],
      [['--port', 'abc'], {}, /^error: option '--port <n>' argument 'abc' is invalid/],
      [['--seed', '-1'], {}, /^error: option '--seed <n>' argument '-1' is invalid/],
      [['--stack', '--port', '1900'], {}, /^headstream-demo: --port sets the embedded broker's port; with --stack/],
      [['--stack'], {}, /^headstream-demo: --stack needs HS_PG_URL/],
      [['--replay', '--datasets-dir', join(cwd, 'nowhere')], {}, /^headstream-demo: --replay needs the shared data sets: .*nowhere/],
      [[], { HS_TOPIC_ROOT: 'bad root' }, /^config: HS_TOPIC_ROOT: /],
    ];
    for (const [args, env, line] of cases) {
      const demo = startDemo(args, cwd, env);
      const code = await finished(demo, 60_000);
      expect(code, `${args.join(' ')}: ${demo.stderr()}`).toBe(2);
      expect(demo.stderr().trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(demo.stderr().trim()).toMatch(line);
    }
    // A folder the demo did not make is never emptied.
    const foreign = join(cwd, 'mine');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'keep.txt'), 'mine');
    const demo = startDemo(['--dir', foreign], cwd);
    expect(await finished(demo, 60_000)).toBe(2);
    expect(demo.stderr().trim()).toMatch(/^headstream-demo: --dir .*mine holds files the demo did not create/);
    expect(readdirSync(foreign)).toEqual(['keep.txt']);
  });

  it(
    'embedded defaults with --serve: the summary shows predictions for all four tasks; mosquitto_sub (MQTT 3.1.1) receives all four from the demo\'s broker; SIGINT exits 0',
    { timeout: RUN_LIMIT_MS + 120_000 },
    async (ctx) => {
      const sub = mosquittoSub();
      if (!sub) return skipOrFailInCi(ctx, 'mosquitto_sub is not installed (Debian package mosquitto-clients)');
      const cwd = tempDir();
      const port = await freePort();
      const started = Date.now();
      const demo = startDemo(['--serve', '--port', String(port), '--view-port', '0'], cwd);
      stopOnCleanup(demo);
      // The human summary comes once the live part is predicted; then the demo keeps serving.
      await waitUntil(
        () => {
          if (demo.child.exitCode !== null) throw new Error(`the demo exited with ${demo.child.exitCode}:\n${demo.stderr().slice(-3000)}`);
          return /^Subscribe /m.test(demo.stdout());
        },
        'the demo summary',
        RUN_LIMIT_MS,
        500,
      );
      const summarySeconds = (Date.now() - started) / 1000;
      const text = demo.stdout();
      expect(text, demo.stderr()).toMatch(/Headstream demo finished in \d+ s \(embedded/);
      const ingested = Number(/^Readings\s+([\d,]+) ingested/m.exec(text)?.[1]?.replaceAll(',', '') ?? 0);
      expect(ingested).toBeGreaterThan(0);
      for (const task of TASK_NAMES) {
        const counts = new RegExp(`^\\s+${task}\\s+([\\d,]+)\\s+on MQTT \\(.*\\), ([\\d,]+) in the table`, 'm').exec(text);
        const published = Number(counts?.[1]?.replaceAll(',', '') ?? 0);
        expect(published, `${task} predictions in:\n${text}`).toBeGreaterThan(0);
        // What the demo's own subscriber received is what the predictor stored.
        expect(Number(counts?.[2]?.replaceAll(',', '') ?? 0), task).toBe(published);
        // Its metrics row: shared, single-task and persistence.
        expect(text).toMatch(new RegExp(`^\\s+${task}\\s+(MAE|macro-F1)\\s+[\\d.]+\\s+[\\d.]+\\s+[\\d.]+\\s+[+−]?[\\d.]+ %`, 'm'));
      }
      expect(text).toMatch(/Δm% [+−]?\d+\.\d %/);
      expect(text).toMatch(/^Guard\s+(promoted|REFUSED) v\d{8}T\d{6}Z/m);
      expect(text).toContain(`mosquitto_sub -h 127.0.0.1 -p ${port} -t 'hs/v1/predictions/#' -v`);
      expect(text).toContain(join(cwd, '.headstream', 'demo', 'db'));
      expect(text).not.toMatch(/PROBLEM/);
      // The live view (it reads the demo's database) answers while the demo serves.
      const view = /^Live view\s+(http:\/\/127\.0\.0\.1:\d+\S*)/m.exec(text)?.[1];
      expect(view, text).toBeDefined();
      expect((await fetch(view ?? '')).status).toBe(200);

      // Another terminal: Debian's mosquitto_sub speaking MQTT 3.1.1 to the demo's broker.
      const subscribed = Date.now();
      const client = spawn(sub, ['-V', 'mqttv311', '-h', '127.0.0.1', '-p', String(port), '-t', 'hs/v1/predictions/#', '-v'], { stdio: ['ignore', 'pipe', 'pipe'] });
      cleanups.push(async () => {
        if (client.exitCode === null) client.kill('SIGKILL');
        await new Promise((resolve) => (client.exitCode !== null ? resolve(null) : client.once('exit', resolve)));
      });
      let received = '';
      client.stdout?.on('data', (d: Buffer) => (received += d.toString()));
      const lines = () => received.split('\n').filter((l) => l.startsWith('hs/v1/predictions/'));
      const tasksSeen = () => new Set(lines().map((l) => l.split('/')[3]));
      // Each task's latest prediction per site is retained; new fault predictions follow every second while serving.
      const issuedAfterSubscribing = () =>
        lines().some((l) => {
          const issued = Date.parse((JSON.parse(l.slice(l.indexOf(' ') + 1)) as { issued_at: string }).issued_at);
          return l.startsWith('hs/v1/predictions/fault/') && issued >= subscribed - 5_000;
        });
      await waitUntil(() => TASK_NAMES.every((t) => tasksSeen().has(t)) && issuedAfterSubscribing(), `predictions of all four tasks via mosquitto_sub (seen: ${[...tasksSeen()].join(', ')})`, 120_000, 250);
      for (const line of lines().slice(0, 20)) {
        const prediction = JSON.parse(line.slice(line.indexOf(' ') + 1)) as { task: string; site: string; model_version: string };
        expect(line.startsWith(`hs/v1/predictions/${prediction.task}/${prediction.site} `)).toBe(true);
        expect(prediction.model_version).toMatch(/^v\d{8}T\d{6}Z$/);
      }

      const interrupted = Date.now();
      demo.child.kill('SIGINT');
      const code = await finished(demo, 30_000);
      const stopSeconds = (Date.now() - interrupted) / 1000;
      expect(code, demo.stderr().slice(-2000)).toBe(0);
      expect(stopSeconds).toBeLessThan(15);
      expect(demo.stderr()).toMatch(/stopped cleanly/);
      process.stderr.write(`[demo test] summary after ${summarySeconds.toFixed(0)} s, stopped ${stopSeconds.toFixed(1)} s after SIGINT\n`);
    },
  );

  it('--stack --replay --json: the same loop on the real PostgreSQL (own schema), Mosquitto and Kafka, fed from the shared data sets', { timeout: RUN_LIMIT_MS + 120_000 }, async (ctx) => {
    const mqtt = realServiceOrSkip(ctx, 'mqtt');
    realServiceOrSkip(ctx, 'postgres');
    const brokers = kafkaBrokersOrSkip(ctx);
    let datasets: string;
    try {
      datasets = resolveDatasetsDir();
    } catch (error) {
      return skipOrFailInCi(ctx, (error as Error).message);
    }
    // An isolated schema the demo migrates itself (it is empty), dropped afterwards with its roles.
    const db = await realDatabase('demo-stack');
    cleanups.push(() => db.dispose());
    const root = uniqueName('demo').replace(/-/g, '_');
    const env = { HS_PG_URL: testServices().postgres.url, HS_PG_SCHEMA: db.schema, HS_MQTT_URL: mqtt, HS_KAFKA_BROKERS: brokers.join(','), HS_TOPIC_ROOT: root };
    const demo = startDemo(['--stack', '--replay', '--datasets-dir', datasets, '--json'], tempDir(), env);
    stopOnCleanup(demo);
    const code = await finished(demo, RUN_LIMIT_MS);
    expect(code, demo.stderr().slice(-3000)).toBe(0);
    const summary = JSON.parse(demo.stdout()) as DemoSummary;
    expect(summary.ok, JSON.stringify(summary.problems)).toBe(true);
    expect(summary.mode).toBe('stack');
    expect(summary.source).toBe('replay');
    expect(summary.readings.ingested).toBeGreaterThan(0);
    expect(summary.readings.ingested + summary.readings.duplicates).toBe(summary.readings.published);
    expect(summary.training.tasks).toEqual([...TASK_NAMES]);
    expect(Number.isFinite(summary.training.delta_m_pct)).toBe(true);
    expect(['guard', 'demo']).toContain(summary.guard.promoted_by);
    expect(summary.guard.reasons.length).toBeGreaterThan(0);
    for (const task of TASK_NAMES) {
      const p = summary.predictions.per_task[task];
      expect(p.mqtt, task).toBeGreaterThan(0);
      expect(p.table, task).toBe(p.mqtt);
    }
    expect(summary.where.database).toContain(`schema ${db.schema}`);
    expect(summary.predictions.outputs).toContain(`kafka ${root}.predictions`);
    // Everything is in the stack: readings, the version, the predictions (in the schema) and on Kafka.
    const stored = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM readings');
    expect(stored.rows[0]?.n).toBe(summary.readings.ingested);
    const rows = await db.query<{ task: string; n: number }>('SELECT task, count(DISTINCT (site, issued_at))::int AS n FROM predictions GROUP BY task ORDER BY task');
    expect(Object.fromEntries(rows.rows.map((r) => [r.task, r.n]))).toEqual(Object.fromEntries(TASK_NAMES.map((t) => [t, summary.predictions.per_task[t].table])));
    const kafka = createKafkaConnection({ brokers, clientId: uniqueName('demo-test') });
    try {
      const offsets = await kafka.endOffsets(`${root}.predictions`);
      expect(offsets.reduce((sum, o) => sum + Number(o.offset), 0)).toBe(summary.predictions.total);
    } finally {
      await kafka.close();
    }

    // A rerun on the same stack: the same readings again (duplicates), a new version the guard compares with
    // the active one, and no step predicted twice — said in a note, not a failure.
    const again = startDemo(['--stack', '--replay', '--datasets-dir', datasets, '--json'], tempDir(), env);
    stopOnCleanup(again);
    expect(await finished(again, RUN_LIMIT_MS), again.stderr().slice(-3000)).toBe(0);
    const rerun = JSON.parse(again.stdout()) as DemoSummary;
    expect(rerun.ok, JSON.stringify(rerun.problems)).toBe(true);
    expect(rerun.readings.duplicates).toBe(summary.readings.published);
    expect(rerun.training.version).not.toBe(summary.training.version);
    expect(rerun.guard.reasons.some((r) => r.includes(`active version ${summary.training.version}`))).toBe(true);
    // The replayed live steps are the same ones: every task's were predicted by the first run.
    expect(rerun.notes).toHaveLength(4);
    expect(TASK_NAMES.every((t) => rerun.predictions.per_task[t].mqtt === 0)).toBe(true);
    for (const note of rerun.notes) expect(note).toMatch(/from an earlier run, and a step is never predicted twice/);
  });
});
