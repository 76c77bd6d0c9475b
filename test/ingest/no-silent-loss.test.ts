import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { mqttTopic } from '@headstream/core';
import { connectPostgres, migrate } from '@headstream/store';
import {
  freePort,
  mosquittoBinary,
  compareStoredReadings,
  postgresBinDir,
  readingsOfMessage,
  realServiceOrSkip,
  skipOrFailInCi,
  spawnNodeScript,
  startScratchMosquitto,
  startScratchPostgres,
  uniqueName,
  waitUntil,
  type NodeProcess,
  type ReadingRow,
} from '@headstream/testkit';
import { connectMqtt } from '@headstream/transport';
import { expectedSum, readingCounts, readingMessage } from './helpers.js';

// Item 2 of the hardening issue: no silent data loss by default. An in-memory database is refused
// unless asked for, and the queue of MQTT messages received but not stored is bounded: during a
// database outage ingest stops reading (the broker holds the messages) instead of buffering them all.

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

const INGEST = fileURLToPath(new URL('../../apps/ingest/dist/main.js', import.meta.url));

function spawnIngest(env: Record<string, string>, port: number): NodeProcess {
  const ingest = spawnNodeScript(INGEST, [], { HS_LOG_LEVEL: 'warn', ...env, HS_HTTP_PORT: String(port) });
  cleanups.push(async () => {
    if (ingest.child.exitCode === null && ingest.child.signalCode === null) ingest.child.kill('SIGKILL');
    await ingest.exited;
  });
  return ingest;
}

async function healthzStatus(port: number): Promise<number | undefined> {
  return (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status;
}

/** Value of a gauge in /metrics; undefined when the process does not report it. */
async function gauge(port: number, name: string): Promise<number | undefined> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
}

describe('an in-memory database only when asked for', () => {
  it('HS_PG_DATA_DIR=memory:// without HS_EMBEDDED=1: exit code 2 and one line saying why; with HS_EMBEDDED=1 it starts', async (ctx) => {
    const mqttUrl = realServiceOrSkip(ctx, 'mqtt');
    const env = { HS_PG_DATA_DIR: 'memory://', HS_MQTT_URL: mqttUrl, HS_INGEST_SOURCES: 'mqtt', HS_MQTT_CLIENT_ID: uniqueName('ingest'), HS_TOPIC_ROOT: uniqueName('mem').replace(/-/g, '_') };
    const port = await freePort();
    const refused = spawnIngest(env, port);
    let code: number | null | undefined;
    void refused.exited.then((c) => (code = c));
    await waitUntil(
      async () => {
        if (code !== undefined) return true;
        if ((await healthzStatus(port)) === 200) throw new Error(`ingest started on an in-memory database: ${refused.output()}`);
        return false;
      },
      'ingest to exit',
      60_000,
      100,
    );
    expect(code).toBe(2);
    const lines = refused.output().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^config: HS_PG_DATA_DIR: memory:\/\/ keeps the database in memory and every reading is lost when ingest stops; set HS_EMBEDDED=1/);

    const allowed = spawnIngest({ ...env, HS_EMBEDDED: '1' }, port);
    await waitUntil(
      async () => {
        if (allowed.child.exitCode !== null) throw new Error(`ingest exited: ${allowed.output()}`);
        return (await healthzStatus(port)) === 200;
      },
      'ingest with HS_EMBEDDED=1 to answer /healthz 200',
      60_000,
      100,
    );
  }, 150_000);
});

describe('bounded MQTT queue', () => {
  it('database outage: the pending queue never exceeds its bound (reading pauses), and after recovery every reading is stored exactly once', async (ctx) => {
    if (!postgresBinDir()) skipOrFailInCi(ctx, 'PostgreSQL server binaries (initdb, pg_ctl) are not installed');
    if (!mosquittoBinary()) skipOrFailInCi(ctx, 'no mosquitto binary to run a broker of the test\'s own');
    const pg = await startScratchPostgres();
    cleanups.push(() => pg.dispose());
    // A broker of the test's own: it holds ~N messages for the paused session (max_queued_messages 100000).
    const broker = await startScratchMosquitto();
    cleanups.push(() => broker.dispose());
    const db = await connectPostgres({ url: pg.url, poolSize: 1 });
    cleanups.push(() => db.close());
    await migrate(db);
    const root = uniqueName('bound').replace(/-/g, '_');
    const QUEUE = 100;
    const QUEUE_BYTES = 256 * 1024;
    const port = await freePort();
    const ingest = spawnIngest(
      {
        HS_PG_URL: pg.url,
        HS_MQTT_URL: broker.url,
        HS_INGEST_SOURCES: 'mqtt',
        HS_TOPIC_ROOT: root,
        HS_MQTT_CLIENT_ID: uniqueName('ingest'),
        // Acknowledging on receipt is the mode that used to buffer without limit.
        HS_MQTT_ACK_MODE: 'on-receipt',
        HS_MQTT_QUEUE_MESSAGES: String(QUEUE),
        HS_MQTT_QUEUE_BYTES: String(QUEUE_BYTES),
        HS_BATCH_MAX_MESSAGES: '20',
        HS_HEALTH_STALL_MS: '600000',
      },
      port,
    );
    await waitUntil(
      async () => {
        if (ingest.child.exitCode !== null) throw new Error(`ingest exited at start: ${ingest.output()}`);
        return (await healthzStatus(port)) === 200;
      },
      'ingest /healthz to answer 200',
      60_000,
      100,
    );

    await pg.stop('fast');
    const pub = await connectMqtt({ url: broker.url });
    cleanups.push(() => pub.endAsync());
    const N = 2_000;
    const sent: { frames: number; firstStep: number; metrics: number }[] = [];
    const readings: ReadingRow[] = [];
    let maxPayload = 0;
    for (let i = 0; i < N; i += 100) {
      await Promise.all(
        Array.from({ length: 100 }, (_, k) => {
          const site = `s${(i + k) % 10}`;
          const firstStep = Math.floor((i + k) / 10) * 10;
          sent.push({ frames: 10, firstStep, metrics: 2 });
          const payload = readingMessage(site, firstStep, 10, 2);
          readings.push(...readingsOfMessage(payload, 'city'));
          maxPayload = Math.max(maxPayload, payload.length);
          return pub.publishAsync(mqttTopic({ kind: 'readings', domain: 'city', site }, root), payload, { qos: 1 });
        }),
      );
    }
    // Full: reading is paused with the bound reached, far below the N messages published.
    await waitUntil(async () => (await gauge(port, 'headstream_ingest_mqtt_paused')) === 1, 'ingest to pause reading from the broker (queue full)', 60_000, 100);
    const during = { messages: await gauge(port, 'headstream_ingest_mqtt_queue_messages'), peak: await gauge(port, 'headstream_ingest_mqtt_queue_peak_messages') };
    expect(during.messages).toBeLessThanOrEqual(QUEUE);
    expect(during.peak).toBeLessThanOrEqual(QUEUE);

    await pg.start();
    await waitUntil(async () => (await readingCounts(db)).rows >= N * 20, 'every reading to be stored after recovery', 120_000, 250);
    await waitUntil(async () => (await gauge(port, 'headstream_ingest_mqtt_queue_messages')) === 0, 'the queue to drain', 60_000, 100);
    // Every (site, metric, time, value) sent is stored, and nothing else.
    expect(await compareStoredReadings(db, readings)).toEqual({ stored: N * 20, sent: N * 20, missing: [], unexpected: [] });
    expect((await readingCounts(db)).sum).toBeCloseTo(expectedSum(sent), 3);
    expect((await db.query('SELECT 1 FROM dead_letters')).rowCount).toBe(0);
    // Never above the bound over the whole run (the peak is tracked at each message).
    expect(await gauge(port, 'headstream_ingest_mqtt_queue_peak_messages')).toBeLessThanOrEqual(QUEUE);
    expect(await gauge(port, 'headstream_ingest_mqtt_queue_peak_bytes')).toBeLessThanOrEqual(QUEUE_BYTES + maxPayload);
    expect(await gauge(port, 'headstream_ingest_mqtt_paused')).toBe(0);
  }, 240_000);
});
