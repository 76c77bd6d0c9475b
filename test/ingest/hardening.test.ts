import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, type TestContext } from 'vitest';
import { kafkaTopic, mqttTopic } from '@headstream/core';
import { IngestPipeline, type CommittedBatch } from '@headstream/pipeline';
import { migrate, quoteIdent } from '@headstream/store';
import {
  firstAvailable,
  freePort,
  kafkaBrokersOrSkip,
  mosquittoBinary,
  mqttTargets,
  realDatabase,
  realServiceOrSkip,
  skipOrFailInCi,
  spawnNodeScript,
  startScratchMosquitto,
  testServices,
  uniqueName,
  waitUntil,
  type NodeProcess,
  type TestDatabase,
} from '@headstream/testkit';
import { connectMqtt, createKafkaPublisher, createKafkaSource, createMqttSource } from '@headstream/transport';
import { readingCounts, readingMessage } from './helpers.js';

// Items of the hardening issue: a poison message never makes ingest deaf, a broken store makes it
// exit, /healthz tells the truth about each source, and a held lock pauses writes instead of hanging them.

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

const INGEST = fileURLToPath(new URL('../../apps/ingest/dist/main.js', import.meta.url));

interface Ingest extends NodeProcess {
  port: number;
}

/** Spawns the built ingest service; ready when /healthz answers 200 (fails fast if it exits instead). */
async function startIngest(env: Record<string, string>): Promise<Ingest> {
  const port = await freePort();
  const ingest = spawnNodeScript(INGEST, [], { HS_LOG_LEVEL: 'warn', ...env, HS_HTTP_PORT: String(port) });
  cleanups.push(async () => {
    if (ingest.child.exitCode === null && ingest.child.signalCode === null) ingest.child.kill('SIGKILL');
    await ingest.exited;
  });
  await waitUntil(
    async () => {
      if (ingest.child.exitCode !== null) throw new Error(`ingest exited at start: ${ingest.output()}`);
      return (await healthz(port))?.status === 200;
    },
    'ingest /healthz to answer 200',
    60_000,
    100,
  );
  return { ...ingest, port };
}

interface Health {
  ok: boolean;
  inserted: number;
  sources: { kind: string; connected: boolean; lastCommittedAt: string | null; consecutiveFailures: number; stalled: boolean }[];
}

async function healthz(port: number): Promise<{ status: number; body: Health } | undefined> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
  if (!res) return undefined;
  return { status: res.status, body: (await res.json()) as Health };
}

/** Sum of a counter in /metrics, 0 when absent. */
async function metric(port: number, name: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `))
    .reduce((sum, l) => sum + Number(l.slice(l.lastIndexOf(' ') + 1)), 0);
}

/** A real-PostgreSQL schema with the readings table refusing value 666 (the parser accepts it). */
async function databaseRefusing666(ctx: TestContext, label: string): Promise<TestDatabase> {
  realServiceOrSkip(ctx, 'postgres');
  const db = await realDatabase(label);
  cleanups.push(() => db.dispose());
  await migrate(db);
  await db.query('ALTER TABLE readings ADD CONSTRAINT no_666 CHECK (value <> 666)');
  return db;
}

const poison = (site: string, step: number, domain?: string) =>
  JSON.stringify([{ site, ts: Date.parse('2025-01-01T00:00:00Z') + step * 60_000, values: { m0: 666 }, ...(domain ? { domain } : {}) }]);

async function storeRejected(db: TestDatabase) {
  return (await db.query<{ reason: string; detail: string; topic: string; partition: number | null; offset: string | null }>(
    'SELECT reason, detail, topic, partition, "offset" FROM dead_letters ORDER BY id',
  )).rows;
}

describe('a message the database refuses', () => {
  it('MQTT: is dead-lettered (store_rejected) while its batch neighbours are stored, and later messages still flow', async (ctx) => {
    const broker = firstAvailable(mqttTargets());
    const db = await databaseRefusing666(ctx, 'poison-mqtt');
    const root = uniqueName('poison').replace(/-/g, '_');
    const committed: CommittedBatch[] = [];
    const source = createMqttSource({
      url: broker.url,
      protocolVersion: broker.protocolVersion,
      clientId: uniqueName('ingest'),
      filters: [`${root}/v1/readings/+/+`],
      ackMode: 'on-receipt',
      maxBatchMessages: 100,
      maxBatchAgeMs: 300,
    });
    const pipeline = new IngestPipeline({
      db,
      sources: [source],
      topicRoot: root,
      retry: { initialDelayMs: 20, maxDelayMs: 200, maxPermanentAttempts: 2 },
      onCommitted: (e) => committed.push(e),
    });
    await pipeline.start();
    cleanups.push(() => pipeline.stop());
    const pub = await connectMqtt({ url: broker.url, protocolVersion: broker.protocolVersion });
    cleanups.push(() => pub.endAsync());
    const topic = (site: string) => mqttTopic({ kind: 'readings', domain: 'city', site }, root);

    // 20 good messages with the poison in the middle, sent at once: they share a batch.
    await Promise.all(
      Array.from({ length: 21 }, (_, i) =>
        pub.publishAsync(topic('s1'), i === 10 ? poison('s1', 10_000) : readingMessage('s1', i * 2, 2, 3), { qos: 1 }),
      ),
    );
    await waitUntil(() => pipeline.stats.messages >= 21, 'the 21 messages to be handled', 30_000);
    expect((await readingCounts(db)).rows).toBe(20 * 6);
    const dead = await storeRejected(db);
    expect(dead).toHaveLength(1);
    expect(dead[0]).toMatchObject({ reason: 'store_rejected', topic: topic('s1') });
    expect(dead[0]?.detail).toMatch(/violates check constraint "no_666".*SQLSTATE 23514/);
    // The poison shared its batch with good messages, which were stored around it.
    expect(committed.some((b) => b.deadLetters === 1 && b.messages > 1)).toBe(true);

    // Still consuming afterwards.
    for (let i = 0; i < 10; i++) await pub.publishAsync(topic('s2'), readingMessage('s2', i * 2, 2, 3), { qos: 1 });
    await waitUntil(async () => (await readingCounts(db)).rows >= 30 * 6, 'later messages to be stored', 30_000);
    expect(await readingCounts(db)).toMatchObject({ rows: 30 * 6, distinct: 30 * 6 });
    expect(pipeline.stats).toMatchObject({ deadLetters: 1, storeRejected: 1 });
  }, 90_000);

  it('Kafka: is dead-lettered with its offset, the rest of its batch is stored and committed, later records flow', async (ctx) => {
    const brokers = kafkaBrokersOrSkip(ctx);
    const db = await databaseRefusing666(ctx, 'poison-kafka');
    const root = uniqueName('poison');
    const topic = kafkaTopic('readings', root);
    const producer = await createKafkaPublisher({ brokers, clientId: 'poison-producer' });
    cleanups.push(() => producer.close());
    await producer.connection.ensureTopics([{ name: topic, partitions: 1 }]);
    // One send on one partition: one fetch, one batch.
    await producer.publish(
      topic,
      Array.from({ length: 21 }, (_, i) => ({ key: 'k1', payload: i === 10 ? poison('k1', 10_000, 'factory') : readingMessage('k1', i * 2, 2, 3, 'factory') })),
    );
    const group = uniqueName('g');
    const committed: CommittedBatch[] = [];
    const source = createKafkaSource({ brokers, clientId: 'poison-ingest', groupId: group, topics: [topic] });
    const pipeline = new IngestPipeline({
      db,
      sources: [source],
      topicRoot: root,
      retry: { initialDelayMs: 20, maxDelayMs: 200, maxPermanentAttempts: 2 },
      onCommitted: (e) => committed.push(e),
    });
    await pipeline.start();
    cleanups.push(() => pipeline.stop());

    await waitUntil(async () => (await readingCounts(db)).rows >= 20 * 6, 'the 20 good records to be stored', 60_000, 100);
    const dead = await storeRejected(db);
    expect(dead).toEqual([expect.objectContaining({ reason: 'store_rejected', topic, partition: 0, offset: '10' })]);
    expect(committed.some((b) => b.deadLetters === 1 && b.messages > 1)).toBe(true);

    await producer.publish(topic, Array.from({ length: 10 }, (_, i) => ({ key: 'k2', payload: readingMessage('k2', i * 2, 2, 3, 'factory') })));
    const kafka = producer.connection;
    await waitUntil(
      async () => JSON.stringify(await kafka.committedOffsets(group, topic)) === JSON.stringify(await kafka.endOffsets(topic)),
      'the group to commit every record, the refused one included',
      60_000,
      200,
    );
    expect(await readingCounts(db)).toMatchObject({ rows: 30 * 6, distinct: 30 * 6 });
  }, 120_000);
});

describe('a store that refuses every write', () => {
  it('makes the ingest process exit with code 3, saying why (INSERT revoked from its role)', async (ctx) => {
    const mqttUrl = realServiceOrSkip(ctx, 'mqtt');
    realServiceOrSkip(ctx, 'postgres');
    const db = await realDatabase('revoked');
    cleanups.push(() => db.dispose());
    await migrate(db);
    // A login role of the test's own (roles are cluster-wide), allowed what ingest needs.
    const role = `hs_t_ingest_${randomBytes(4).toString('hex')}`;
    await db.query(`CREATE ROLE ${role} LOGIN`);
    cleanups.push(async () => {
      await db.query(`DROP OWNED BY ${role}`);
      await db.query(`DROP ROLE ${role}`);
    });
    const schema = quoteIdent(db.schema);
    await db.query(`GRANT USAGE, CREATE ON SCHEMA ${schema} TO ${role}`);
    await db.query(`GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA ${schema} TO ${role}`);
    const url = new URL(testServices().postgres.url);
    url.username = role;
    url.password = '';

    const root = uniqueName('revoked').replace(/-/g, '_');
    const ingest = await startIngest({
      HS_PG_URL: url.toString(),
      HS_PG_SCHEMA: db.schema,
      HS_MQTT_URL: mqttUrl,
      HS_INGEST_SOURCES: 'mqtt',
      HS_TOPIC_ROOT: root,
      HS_MQTT_CLIENT_ID: uniqueName('ingest'),
    });
    const pub = await connectMqtt({ url: mqttUrl });
    cleanups.push(() => pub.endAsync());
    const topic = mqttTopic({ kind: 'readings', domain: 'city', site: 's1' }, root);
    await pub.publishAsync(topic, readingMessage('s1', 0, 1, 2), { qos: 1 });
    await waitUntil(async () => (await readingCounts(db)).rows === 2, 'the first message to be stored (the role can write)', 30_000);

    await db.query(`REVOKE INSERT ON readings FROM ${role}`);
    await pub.publishAsync(topic, readingMessage('s1', 1, 1, 2), { qos: 1 });
    let code: number | null | undefined;
    void ingest.exited.then((c) => (code = c));
    await waitUntil(() => code !== undefined, `ingest to exit after INSERT was revoked; output:\n${ingest.output()}`, 60_000, 100);
    // README: a store that refuses every write makes ingest exit with code 3 so its supervisor restarts it.
    expect(code, ingest.output()).toBe(3);
    expect(ingest.output()).toMatch(/exiting: store unavailable: .*permission denied for table readings \(SQLSTATE 42501\)/);
    // Nothing was dead-lettered for it: the message was fine, the store was not.
    expect((await db.query('SELECT 1 FROM dead_letters')).rowCount).toBe(0);
  }, 150_000);
});

describe('/healthz', () => {
  it('answers 503 while the MQTT broker is gone, 200 again once it is back, and ingest goes on', async (ctx) => {
    if (!mosquittoBinary()) skipOrFailInCi(ctx, 'no mosquitto binary to run a broker of the test\'s own');
    realServiceOrSkip(ctx, 'postgres');
    const broker = await startScratchMosquitto();
    cleanups.push(() => broker.dispose());
    const db = await realDatabase('healthz-broker');
    cleanups.push(() => db.dispose());
    await migrate(db); // `headstream migrate` as the owner: ingest only checks the version
    const root = uniqueName('hz').replace(/-/g, '_');
    const ingest = await startIngest({
      HS_PG_URL: testServices().postgres.url,
      HS_PG_SCHEMA: db.schema,
      HS_MQTT_URL: broker.url,
      HS_INGEST_SOURCES: 'mqtt',
      HS_TOPIC_ROOT: root,
      HS_MQTT_CLIENT_ID: uniqueName('ingest'),
    });
    await broker.stop();
    await waitUntil(async () => (await healthz(ingest.port))?.status === 503, '/healthz to answer 503 with the broker gone', 30_000, 100);
    expect((await healthz(ingest.port))?.body).toMatchObject({ ok: false, sources: [{ kind: 'mqtt', connected: false }] });
    expect(ingest.child.exitCode).toBeNull();

    await broker.start();
    await waitUntil(async () => (await healthz(ingest.port))?.status === 200, '/healthz to answer 200 with the broker back', 60_000, 100);
    const pub = await connectMqtt({ url: broker.url });
    cleanups.push(() => pub.endAsync());
    await pub.publishAsync(mqttTopic({ kind: 'readings', domain: 'city', site: 's1' }, root), readingMessage('s1', 0, 3, 2), { qos: 1 });
    await waitUntil(async () => (await readingCounts(db)).rows === 6, 'a message after the broker came back', 30_000);
    expect((await healthz(ingest.port))?.body.sources).toEqual([expect.objectContaining({ kind: 'mqtt', connected: true, stalled: false, consecutiveFailures: 0 })]);
    expect((await healthz(ingest.port))?.body.sources[0]?.lastCommittedAt).toMatch(/^\d{4}-/);
  }, 150_000);
});

describe('no hung partitions', () => {
  it('a held lock on readings: writes time out and are retried (counted), /healthz says stalled, and all is stored after release', async (ctx) => {
    const brokers = kafkaBrokersOrSkip(ctx);
    realServiceOrSkip(ctx, 'postgres');
    const db = await realDatabase('locked');
    cleanups.push(() => db.dispose());
    await migrate(db); // `headstream migrate` as the owner: ingest only checks the version
    const root = uniqueName('locked');
    const topic = kafkaTopic('readings', root);
    const producer = await createKafkaPublisher({ brokers, clientId: 'lock-producer' });
    cleanups.push(() => producer.close());
    await producer.connection.ensureTopics([{ name: topic, partitions: 2 }]);
    const ingest = await startIngest({
      HS_PG_URL: testServices().postgres.url,
      HS_PG_SCHEMA: db.schema,
      HS_KAFKA_BROKERS: brokers.join(','),
      HS_INGEST_SOURCES: 'kafka',
      HS_TOPIC_ROOT: root,
      HS_KAFKA_GROUP: uniqueName('g'),
      HS_PG_LOCK_TIMEOUT_MS: '300',
      HS_HEALTH_STALL_MS: '2000',
    });
    // The first records prove the path works before the lock.
    await producer.publish(topic, [{ key: 'a', payload: readingMessage('a', 0, 1, 2, 'factory') }]);
    await waitUntil(async () => (await readingCounts(db)).rows === 2, 'the first record to be stored', 60_000, 100);

    // Another session holds ACCESS EXCLUSIVE on the ingest schema's readings, in an open transaction.
    const holder = await realDatabase('lock-holder');
    cleanups.push(() => holder.dispose());
    let release: (() => void) | undefined;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked: (() => void) | undefined;
    const lockTaken = new Promise<void>((resolve) => (locked = resolve));
    const holding = holder.transaction(async (tx) => {
      await tx.query(`LOCK TABLE ${quoteIdent(db.schema)}.readings IN ACCESS EXCLUSIVE MODE`);
      locked?.();
      await released;
    });
    cleanups.push(() => {
      release?.();
      return holding;
    });
    await lockTaken;

    const N = 40;
    await producer.publish(topic, Array.from({ length: N }, (_, i) => ({ key: `s${i % 4}`, payload: readingMessage(`s${i % 4}`, 100 + i, 1, 2, 'factory') })));
    // Writes fail on the lock timeout and are retried, rather than waiting forever.
    await waitUntil(async () => (await metric(ingest.port, 'headstream_ingest_write_retries_total')) >= 2, 'lock timeouts to be retried', 60_000, 200);
    await waitUntil(async () => (await healthz(ingest.port))?.status === 503, '/healthz to say the source is stalled', 30_000, 200);
    const stalled = (await healthz(ingest.port))?.body;
    expect(stalled?.sources[0]).toMatchObject({ kind: 'kafka', stalled: true });
    expect(stalled?.sources[0]?.consecutiveFailures).toBeGreaterThan(0);
    // (Not counted in the table: a SELECT would queue behind the lock too.)
    expect(stalled?.inserted).toBe(2);

    release?.();
    await holding;
    await waitUntil(async () => (await readingCounts(db)).rows === 2 + N * 2, 'every reading once the lock is released', 60_000, 100);
    await waitUntil(async () => (await healthz(ingest.port))?.status === 200, '/healthz 200 again', 30_000, 200);
    expect((await db.query('SELECT 1 FROM dead_letters')).rowCount).toBe(0);
  }, 180_000);
});
