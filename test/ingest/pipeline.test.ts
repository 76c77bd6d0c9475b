import { afterEach, describe, expect, it } from 'vitest';
import { kafkaTopic, mqttTopic } from '@headstream/core';
import { IngestPipeline } from '@headstream/pipeline';
import { migrate } from '@headstream/store';
import {
  compareStoredReadings,
  databaseTargets,
  describeEachTarget,
  kafkaBrokersOrSkip,
  mqttTargets,
  readingsOfMessage,
  realDatabase,
  realServiceOrSkip,
  uniqueName,
  waitUntil,
  type ReadingRow,
  type TestDatabase,
} from '@headstream/testkit';
import { connectMqtt, createKafkaPublisher, createKafkaSource, createMqttPublisher, createMqttSource, type MessageSource } from '@headstream/transport';
import { readingMessage } from './helpers.js';

const BAD = [
  ['not_json', '{"site": oops'],
  ['bad_value', JSON.stringify({ site: 'x', ts: '2025-01-01T00:00:00Z', values: { v: 'NaN' } })],
  ['bad_timestamp', JSON.stringify({ site: 'x', ts: '2025-01-01 noon', values: { v: 1 } })],
  ['bad_name', JSON.stringify({ site: 'a b', ts: '2025-01-01T00:00:00Z', values: { v: 1 } })],
] as const;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

// Each MQTT broker against each database: real Mosquitto with real PostgreSQL, and the
// embedded pair (aedes + PGlite) that the zero-setup default runs on.
const [postgres, pglite] = databaseTargets();
const [mosquitto, aedes] = mqttTargets();
const pairs = [
  { broker: mosquitto, db: postgres },
  { broker: aedes, db: pglite },
].map(({ broker, db }) => ({ name: `MQTT (${broker?.name}) → pipeline → ${db?.name}`, broker: broker!, db, missing: broker?.missing ?? db?.missing }));

describeEachTarget(pairs, '$name', ({ broker, db: dbTarget }) => {
  it.each(['after-commit', 'on-receipt'] as const)('stores every valid reading once and dead-letters the rest (%s)', async (ackMode) => {
    if (!dbTarget) throw new Error('no database target');
    const db: TestDatabase = await dbTarget.open(import.meta.filename);
    cleanups.push(() => db.dispose());
    await migrate(db);
    const root = uniqueName('hst').replace(/-/g, '_');
    const deadLetterTopicMessages: string[] = [];
    const watcher = await connectMqtt({
      url: broker.url,
      protocolVersion: broker.protocolVersion,
      onMessage: (_t, payload) => deadLetterTopicMessages.push(payload.toString()),
    });
    cleanups.push(() => watcher.endAsync());
    await watcher.subscribeAsync(mqttTopic({ kind: 'deadletter' }, root), { qos: 1 });
    const dlPublisher = await createMqttPublisher({ url: broker.url, protocolVersion: broker.protocolVersion });
    cleanups.push(() => dlPublisher.close());
    const source: MessageSource = createMqttSource({
      url: broker.url,
      protocolVersion: broker.protocolVersion,
      clientId: uniqueName('ingest'),
      filters: [`${root}/v1/readings/+/+`],
      ackMode,
    });
    const pipeline = new IngestPipeline({ db, sources: [source], topicRoot: root, deadLetterPublishers: { mqtt: dlPublisher } });
    await pipeline.start();
    cleanups.push(() => pipeline.stop());

    const pub = await connectMqtt({ url: broker.url, protocolVersion: broker.protocolVersion });
    cleanups.push(() => pub.endAsync());
    const messages = 60;
    const readings: ReadingRow[] = [];
    for (let i = 0; i < messages; i++) {
      const site = `s${i % 6}`;
      const payload = readingMessage(site, Math.floor(i / 6) * 10, 10, 5);
      await pub.publishAsync(mqttTopic({ kind: 'readings', domain: 'city', site }, root), payload, { qos: 1 });
      readings.push(...readingsOfMessage(payload, 'city'));
    }
    for (const [, payload] of BAD) await pub.publishAsync(mqttTopic({ kind: 'readings', domain: 'city', site: 'x' }, root), payload, { qos: 1 });
    await pub.publishAsync(`${root}/v1/readings/city/bad site`, readingMessage('s0', 0, 1), { qos: 1 }); // site not a valid name

    await waitUntil(() => pipeline.stats.messages >= messages + BAD.length + 1, 'all messages to be handled');
    // Every (site, metric, time, value) sent is stored, and nothing else (none of the bad messages).
    expect(await compareStoredReadings(db, readings)).toEqual({ stored: messages * 50, sent: messages * 50, missing: [], unexpected: [] });
    const dead = await db.query<{ reason: string; n: number }>('SELECT reason, count(*)::int AS n FROM dead_letters GROUP BY 1 ORDER BY 1');
    expect(dead.rows).toEqual(
      [...BAD.map(([reason]) => reason), 'bad_topic'].sort().map((reason) => ({ reason, n: 1 })),
    );
    await waitUntil(() => deadLetterTopicMessages.length >= BAD.length + 1, 'dead letters on the MQTT topic');
    const first = JSON.parse(deadLetterTopicMessages[0] ?? '{}') as { reason?: string; payload_base64?: string };
    expect(first.reason).toBeTypeOf('string');
    expect(first.payload_base64).toBeTypeOf('string');
    expect(pipeline.stats).toMatchObject({ readings: messages * 50, inserted: messages * 50, duplicates: 0, deadLetters: BAD.length + 1 });
  });
});

describe('Kafka → pipeline → PostgreSQL', () => {
  it('stores every valid reading once, dead-letters the rest to the table and hs.deadletter', async (ctx) => {
    const brokers = kafkaBrokersOrSkip(ctx);
    realServiceOrSkip(ctx, 'postgres');
    const db = await realDatabase(import.meta.filename);
    cleanups.push(() => db.dispose());
    await migrate(db);
    const root = uniqueName('hst');
    const topic = kafkaTopic('readings', root);
    const publisher = await createKafkaPublisher({ brokers, clientId: 'test-producer' });
    cleanups.push(() => publisher.close());
    await publisher.connection.ensureTopics([
      { name: topic, partitions: 3 },
      { name: kafkaTopic('deadletter', root), partitions: 1 },
    ]);
    const source = createKafkaSource({ brokers, clientId: 'test-ingest', groupId: uniqueName('g'), topics: [topic], partitionsConcurrently: 3 });
    const pipeline = new IngestPipeline({ db, sources: [source], topicRoot: root, deadLetterPublishers: { kafka: publisher } });
    await pipeline.start();
    cleanups.push(() => pipeline.stop());

    const messages = 300;
    const batch = Array.from({ length: messages }, (_, i) => {
      const site = `k${i % 10}`;
      return { key: site, payload: readingMessage(site, Math.floor(i / 10) * 4, 4, 5, 'factory') };
    });
    await publisher.publish(topic, batch);
    const readings = batch.flatMap((m) => readingsOfMessage(m.payload));
    await publisher.publish(topic, [
      // Kafka frames carry their domain; add it so each message fails for its own reason.
      ...BAD.map(([, payload]) => ({ key: 'x', payload: payload.startsWith('{"site": oops') ? payload : JSON.stringify({ ...(JSON.parse(payload) as object), domain: 'factory' }) })),
      { key: 'x', payload: readingMessage('x', 0, 1) }, // no domain: Kafka frames must carry it
    ]);
    await waitUntil(() => pipeline.stats.messages >= messages + BAD.length + 1, 'all messages to be handled');
    expect(await compareStoredReadings(db, readings)).toEqual({ stored: messages * 20, sent: messages * 20, missing: [], unexpected: [] });
    const dead = await db.query<{ reason: string; partition: number | null; offset: string | null }>('SELECT reason, partition, "offset" FROM dead_letters');
    expect(dead.rows.map((r) => r.reason).sort()).toEqual([...BAD.map(([r]) => r), 'bad_shape'].sort());
    expect(dead.rows.every((r) => r.partition !== null && r.offset !== null)).toBe(true);
    const dlSeen = await publisher.connection.endOffsets(kafkaTopic('deadletter', root));
    expect(Number(dlSeen[0]?.offset)).toBe(BAD.length + 1);
  });
});
