import { fileURLToPath } from 'node:url';
import type { ChildProcess } from 'node:child_process';
import { afterEach, describe, expect, it, type TestContext } from 'vitest';
import { kafkaTopic, mqttTopic } from '@headstream/core';
import { IngestPipeline } from '@headstream/pipeline';
import { connectPostgres, migrate } from '@headstream/store';
import {
  compareStoredReadings,
  kafkaBrokersOrSkip,
  mosquittoBinary,
  mqttTargets,
  databaseTargets,
  firstAvailable,
  freePort,
  postgresBinDir,
  readingsOfMessage,
  realDatabase,
  realServiceOrSkip,
  skipOrFailInCi,
  spawnNodeScript,
  startScratchMosquitto,
  startScratchPostgres,
  testServices,
  uniqueName,
  waitUntil,
  type ReadingRow,
} from '@headstream/testkit';
import { connectMqtt, createKafkaPublisher, createMqttSource } from '@headstream/transport';
import { expectedSum, readingCounts, readingMessage } from './helpers.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

function needPostgresBinaries(ctx: TestContext): void {
  if (!postgresBinDir()) skipOrFailInCi(ctx, 'PostgreSQL server binaries (initdb, pg_ctl) are not installed');
}

function needMosquittoBinary(ctx: TestContext): void {
  if (!mosquittoBinary()) skipOrFailInCi(ctx, 'no mosquitto binary to run a broker of the test\'s own');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('ingest reliability', () => {
  it('database outage mid-stream: after recovery every reading is stored exactly once', async (ctx) => {
    needPostgresBinaries(ctx);
    const pg = await startScratchPostgres();
    cleanups.push(() => pg.dispose());
    const db = await connectPostgres({ url: pg.url, poolSize: 2 });
    cleanups.push(() => db.close());
    await migrate(db);
    const broker = firstAvailable(mqttTargets());
    const root = uniqueName('outage').replace(/-/g, '_');
    const source = createMqttSource({ url: broker.url, protocolVersion: broker.protocolVersion, clientId: uniqueName('ingest'), filters: [`${root}/v1/readings/+/+`] });
    const pipeline = new IngestPipeline({ db, sources: [source], topicRoot: root, retry: { initialDelayMs: 50, maxDelayMs: 400, maxPermanentAttempts: 3 } });
    await pipeline.start();
    cleanups.push(() => pipeline.stop());
    const pub = await connectMqtt({ url: broker.url, protocolVersion: broker.protocolVersion });
    cleanups.push(() => pub.endAsync());

    const N = 300;
    const sent: { frames: number; firstStep: number; metrics: number }[] = [];
    const readings: ReadingRow[] = [];
    for (let i = 0; i < N; i++) {
      if (i === 100) await pg.stop('fast');
      if (i === 200) await pg.start();
      const site = `s${i % 5}`;
      const firstStep = Math.floor(i / 5) * 10;
      const payload = readingMessage(site, firstStep, 10, 2);
      await pub.publishAsync(mqttTopic({ kind: 'readings', domain: 'city', site }, root), payload, { qos: 1 });
      sent.push({ frames: 10, firstStep, metrics: 2 });
      readings.push(...readingsOfMessage(payload, 'city'));
      await sleep(5);
    }
    await waitUntil(() => pipeline.stats.messages >= N, 'every message to be committed', 60_000);
    // Every (site, metric, time, value) sent is stored, and nothing else.
    expect(await compareStoredReadings(db, readings)).toEqual({ stored: N * 20, sent: N * 20, missing: [], unexpected: [] });
    expect((await readingCounts(db)).sum).toBeCloseTo(expectedSum(sent), 6);
    expect(pipeline.stats.retries).toBeGreaterThan(0); // the outage really hit a write
    expect(pipeline.stats.deadLetters).toBe(0);
  }, 120_000);

  it('MQTT broker restarted mid-stream at QoS 1: nothing lost', async (ctx) => {
    needMosquittoBinary(ctx);
    const broker = await startScratchMosquitto();
    cleanups.push(() => broker.dispose());
    const db = await realOrEmbedded();
    cleanups.push(() => db.dispose());
    await migrate(db);
    const root = 'restart';
    const source = createMqttSource({ url: broker.url, clientId: 'ingest-restart', filters: [`${root}/v1/readings/+/+`], reconnectPeriodMs: 200 });
    const pipeline = new IngestPipeline({ db, sources: [source], topicRoot: root });
    await pipeline.start();
    cleanups.push(() => pipeline.stop());
    // The publisher's unacknowledged QoS 1 messages wait in its store and go out on reconnect.
    const pub = await connectMqtt({ url: broker.url, clientId: 'sensor-gateway', clean: false, reconnectPeriodMs: 200 });
    cleanups.push(() => pub.endAsync(true));

    const N = 300;
    const acked: Promise<unknown>[] = [];
    const readings: ReadingRow[] = [];
    for (let i = 0; i < N; i++) {
      if (i === 120) {
        await broker.stop();
        await sleep(500);
        await broker.start();
      }
      const site = `m${i % 3}`;
      const payload = readingMessage(site, Math.floor(i / 3) * 5, 5, 4);
      acked.push(pub.publishAsync(mqttTopic({ kind: 'readings', domain: 'factory', site }, root), payload, { qos: 1 }));
      readings.push(...readingsOfMessage(payload, 'factory'));
      await sleep(3);
    }
    await Promise.all(acked);
    await waitUntil(async () => (await readingCounts(db)).rows >= N * 20, 'every reading to be stored', 60_000);
    // Every message (re-deliveries after the restart included) has gone through a committed batch.
    await waitUntil(() => pipeline.stats.messages >= N, 'every message to be committed', 60_000);
    // Every (site, metric, time, value) sent is stored once, re-deliveries included, and nothing else.
    expect(await compareStoredReadings(db, readings)).toEqual({ stored: N * 20, sent: N * 20, missing: [], unexpected: [] });
    expect(pipeline.stats.deadLetters).toBe(0);
  }, 120_000);

  it('ingest killed with SIGKILL mid-stream on Kafka, then restarted: exactly N rows', async (ctx) => {
    const brokers = kafkaBrokersOrSkip(ctx);
    realServiceOrSkip(ctx, 'postgres');
    const db = await realDatabase('sigkill');
    cleanups.push(() => db.dispose());
    await migrate(db); // `headstream migrate` as the owner: ingest only checks the version
    const root = uniqueName('kill');
    const topic = kafkaTopic('readings', root);
    const producer = await createKafkaPublisher({ brokers, clientId: 'sigkill-producer' });
    cleanups.push(() => producer.close());
    await producer.connection.ensureTopics([{ name: topic, partitions: 3 }]);

    const group = uniqueName('ingest');
    const env: Record<string, string> = {
      HS_PG_URL: testServices().postgres.url,
      HS_PG_SCHEMA: db.schema,
      HS_INGEST_SOURCES: 'kafka',
      HS_KAFKA_BROKERS: brokers.join(','),
      HS_KAFKA_GROUP: group,
      HS_TOPIC_ROOT: root,
      HS_KAFKA_SESSION_TIMEOUT_MS: '6000',
      HS_LOG_LEVEL: 'warn',
    };
    const start = () => startIngestProcess(env);
    let ingest = await start();

    const N = 400;
    const readings: ReadingRow[] = [];
    const producing = (async () => {
      for (let i = 0; i < N; i += 10) {
        const records = Array.from({ length: 10 }, (_, k) => {
          const site = `p${(i + k) % 8}`;
          return { key: site, payload: readingMessage(site, Math.floor((i + k) / 8) * 5, 5, 4, 'factory') };
        });
        await producer.publish(topic, records);
        for (const r of records) readings.push(...readingsOfMessage(r.payload));
        await sleep(20);
      }
    })();
    await waitUntil(async () => (await readingCounts(db)).rows > N * 4, 'the first rows', 60_000);
    ingest.process.kill('SIGKILL');
    await ingest.exited;
    const atKill = (await readingCounts(db)).rows;
    await producing;
    ingest = await start();
    await waitUntil(async () => (await readingCounts(db)).rows >= N * 20, 'every reading after the restart', 60_000);
    // The group has committed every record: nothing is left to re-deliver.
    const kafka = producer.connection;
    await waitUntil(
      async () => JSON.stringify(await kafka.committedOffsets(group, topic)) === JSON.stringify(await kafka.endOffsets(topic)),
      'the ingest group to commit up to the end offsets',
      60_000,
      200,
    );
    expect(await compareStoredReadings(db, readings)).toEqual({ stored: N * 20, sent: N * 20, missing: [], unexpected: [] });
    expect(atKill).toBeLessThan(N * 20);
    // Graceful stop: SIGTERM flushes, commits and exits 0.
    ingest.process.kill('SIGTERM');
    expect(await ingest.exited).toBe(0);
  }, 180_000);
});

async function realOrEmbedded() {
  return firstAvailable(databaseTargets()).open('reliability');
}

const INGEST = fileURLToPath(new URL('../../apps/ingest/dist/main.js', import.meta.url));

async function startIngestProcess(env: Record<string, string>): Promise<{ process: ChildProcess; exited: Promise<number | null> }> {
  const port = await freePort();
  const ingest = spawnNodeScript(INGEST, [], { ...env, HS_HTTP_PORT: String(port) });
  cleanups.push(async () => {
    if (ingest.child.exitCode === null && ingest.child.signalCode === null) ingest.child.kill('SIGKILL');
    await ingest.exited;
  });
  // Ready when /healthz says the sources are started; fail fast if the process died instead.
  let died = false;
  void ingest.exited.then(() => (died = true));
  await waitUntil(
    async () => {
      if (died) throw new Error(`ingest exited at start: ${ingest.output()}`);
      const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
      return res?.status === 200;
    },
    'ingest /healthz to answer 200',
    60_000,
    100,
  );
  return { process: ingest.child, exited: ingest.exited };
}
