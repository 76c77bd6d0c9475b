import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { IngestPipeline } from '@headstream/pipeline';
import { migrate } from '@headstream/store';
import { kafkaBrokersOrSkip, realDatabase, realServiceOrSkip, skipOrFailInCi, uniqueName, waitUntil } from '@headstream/testkit';
import { createKafkaConnection, createKafkaSource } from '@headstream/transport';
import { readingCounts } from './helpers.js';

// Batches compressed the way real producers send them (Kafka's Java producer, each codec it offers)
// are ingested. Before, kafkajs could read only gzip: snappy, lz4 and zstd stopped the consumer for
// good (KafkaJSNotImplemented) and a restarted ingest stopped on the same batch again.

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

const PRODUCER = fileURLToPath(new URL('./fixtures/CompressedProducer.java', import.meta.url));
/** Where infra/kafka/start.sh keeps the Kafka jars (same variables and default). */
const KAFKA_LIBS = join(process.env.HS_KAFKA_HOME ?? join(process.env.HOME ?? homedir(), '.cache', 'headstream', `kafka-${process.env.HS_KAFKA_VERSION ?? '4.4.0'}`), 'libs');
const CODECS = ['gzip', 'snappy', 'lz4', 'zstd'] as const;

it('gzip, snappy, lz4 and zstd batches from a real Java producer are all ingested, none stops the consumer', async (ctx) => {
  const brokers = kafkaBrokersOrSkip(ctx);
  realServiceOrSkip(ctx, 'postgres');
  if (!existsSync(join(KAFKA_LIBS, `kafka-clients-${process.env.HS_KAFKA_VERSION ?? '4.4.0'}.jar`))) skipOrFailInCi(ctx, `no Kafka jars in ${KAFKA_LIBS} (npm run kafka:start fetches them)`);
  const db = await realDatabase('kafka-compression');
  cleanups.push(() => db.dispose());
  await migrate(db);
  const prefix = uniqueName('hsz');
  const connection = createKafkaConnection({ brokers, clientId: 'compression-test' });
  cleanups.push(() => connection.close());
  await connection.ensureTopics(CODECS.map((c) => ({ name: `${prefix}-${c}`, partitions: 1 })));

  const N = 60;
  const t0 = Date.now() - 3_600_000;
  const lines = Array.from({ length: N }, (_, i) => `k${i % 3}\t${JSON.stringify({ site: `k${i % 3}`, domain: 'factory', ts: t0 + i * 1000, values: { v: i, w: i / 7 } })}`);
  const produced = spawnSync('java', ['-cp', `${KAFKA_LIBS}/*`, PRODUCER, brokers.join(','), prefix, ...CODECS], { input: `${lines.join('\n')}\n`, encoding: 'utf8', timeout: 120_000 });
  expect(produced.status, `${produced.stdout}${produced.stderr}`).toBe(0);

  const errors: unknown[] = [];
  const source = createKafkaSource({ brokers, clientId: 'compression-ingest', groupId: uniqueName('g'), topics: CODECS.map((c) => `${prefix}-${c}`), onError: (e: Error) => errors.push(e) });
  const pipeline = new IngestPipeline({ db, sources: [source], topicRoot: 'hs' });
  await pipeline.start();
  cleanups.push(() => pipeline.stop());
  // Every codec's topic: N frames of 2 values; the sites repeat, so per codec the keys are distinct only by time.
  await waitUntil(() => pipeline.stats.messages >= N * CODECS.length || errors.length > 0, `${N * CODECS.length} records`, 90_000, 200);
  expect(errors.map(String)).toEqual([]);
  expect(pipeline.stats.deadLetters).toBe(0);
  // The four topics carry the same frames, so the table holds each reading once (duplicates skipped).
  expect(await readingCounts(db)).toMatchObject({ rows: N * 2, distinct: N * 2 });
  expect(pipeline.stats.duplicates).toBe(N * 2 * (CODECS.length - 1));
}, 240_000);
