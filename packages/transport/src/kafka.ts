import type { ConnectionOptions } from 'node:tls';
import { registerKafkaCodecs } from './kafka-codecs.js';
import { CompressionTypes, Kafka, logLevel as KafkaLogLevel, Partitioners, type Consumer, type Producer, type SASLOptions } from 'kafkajs';

registerKafkaCodecs();

/**
 * Kafka behind Headstream's own small interface. kafkajs (unmaintained since 2023) is
 * used only in this file, so the client library can be swapped without touching callers.
 */
export interface KafkaConnectionOptions {
  brokers: string[];
  clientId: string;
  ssl?: boolean | ConnectionOptions;
  sasl?: { mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; username: string; password: string };
  connectionTimeoutMs?: number;
  /** Retries of a failed request before giving up (kafkajs default: 5, with backoff). */
  retries?: number;
  /** Called for client log lines at warn and above (kafkajs logs to the console otherwise). */
  onLog?: (level: 'error' | 'warn', message: string, extra: Record<string, unknown>) => void;
}

export interface OutgoingMessage {
  key?: string | Buffer | null;
  value: string | Buffer;
  headers?: Record<string, string>;
}

export interface IncomingRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: number;
  headers: Record<string, string>;
}

export interface KafkaProducer {
  send(topic: string, messages: OutgoingMessage[], options?: { compression?: 'none' | 'gzip' }): Promise<void>;
  close(): Promise<void>;
}

export interface KafkaConsumer {
  /** In its group and not crashed (for /healthz). */
  readonly connected: boolean;
  /** Stops fetching (backpressure); in-flight batches finish. */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

export interface ConsumeOptions {
  groupId: string;
  topics: string[];
  fromBeginning?: boolean;
  /** Longest wait of one fetch for data; also bounds how long close() takes. Default 1000 ms. */
  maxWaitMs?: number;
  /** Partitions whose batches are handled at the same time (default 1). */
  partitionsConcurrently?: number;
  /** A member silent this long is dropped from the group (kafkajs default 30 s; broker minimum 6 s). */
  sessionTimeoutMs?: number;
  /**
   * Handles one batch of one partition. Its offsets are committed only after it resolves,
   * so a crash before that re-delivers the batch (at-least-once; the store de-duplicates).
   */
  onBatch: (records: IncomingRecord[]) => Promise<void> | void;
  onError?: (error: Error) => void;
}

export interface KafkaConnection {
  listTopics(): Promise<string[]>;
  ensureTopics(topics: { name: string; partitions: number }[]): Promise<void>;
  producer(): Promise<KafkaProducer>;
  consume(options: ConsumeOptions): Promise<KafkaConsumer>;
  /** Committed offsets of a group on a topic (-1 where none). */
  committedOffsets(groupId: string, topic: string): Promise<{ partition: number; offset: string }[]>;
  /** High watermark (next offset to be written) of each partition. */
  endOffsets(topic: string): Promise<{ partition: number; offset: string }[]>;
  close(): Promise<void>;
}

/** Attempts ensureTopics makes while Kafka answers a retriable error about new topics (backoff 100 ms × attempt: about 4.5 s in all). */
const ENSURE_TOPIC_ATTEMPTS = 10;

/** A KafkaJS error Kafka marks retriable (its own, or every one an aggregate holds). */
function retriable(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { retriable?: unknown; errors?: unknown };
  if (Array.isArray(e.errors) && e.errors.length > 0) return e.errors.every((x) => retriable(x));
  return e.retriable === true;
}

export function createKafkaConnection(options: KafkaConnectionOptions): KafkaConnection {
  const kafka = new Kafka({
    clientId: options.clientId,
    brokers: options.brokers,
    connectionTimeout: options.connectionTimeoutMs ?? 10_000,
    ...(options.retries === undefined ? {} : { retry: { retries: options.retries } }),
    ...(options.ssl === undefined ? {} : { ssl: options.ssl }),
    ...(options.sasl === undefined ? {} : { sasl: options.sasl as SASLOptions }),
    logLevel: KafkaLogLevel.WARN,
    logCreator:
      () =>
      ({ level, log }) => {
        const { message, ...extra } = log;
        const lvl = level <= KafkaLogLevel.ERROR ? 'error' : 'warn';
        if (options.onLog) options.onLog(lvl, String(message), extra);
      },
  });
  const admin = kafka.admin();
  let adminConnected: Promise<void> | undefined;
  const withAdmin = async () => {
    adminConnected ??= admin.connect();
    await adminConnected;
    return admin;
  };
  const opened = new Set<Producer | Consumer>();

  return {
    async listTopics() {
      return (await withAdmin()).listTopics();
    },

    async ensureTopics(topics) {
      if (topics.length === 0) return;
      const a = await withAdmin();
      // A topic just created (here or by another client) can answer metadata with "this server does not host
      // this topic-partition" for a moment, which kafkajs's waitForLeaders does not retry (it retries "leader
      // not available" only): retry what Kafka marks retriable, until every partition has a leader.
      for (let attempt = 1; ; attempt++) {
        try {
          const existing = new Set(await a.listTopics());
          const missing = topics.filter((t) => !existing.has(t.name));
          if (missing.length > 0) await a.createTopics({ waitForLeaders: true, topics: missing.map((t) => ({ topic: t.name, numPartitions: t.partitions })) });
          const { topics: meta } = await a.fetchTopicMetadata({ topics: topics.map((t) => t.name) });
          const leaderless = meta.filter((t) => t.partitions.some((p) => p.leader < 0)).map((t) => t.name);
          if (leaderless.length === 0) return;
          if (attempt >= ENSURE_TOPIC_ATTEMPTS) throw new Error(`kafka: no leader for a partition of ${leaderless.join(', ')} after ${attempt} attempts`);
        } catch (error) {
          if (attempt >= ENSURE_TOPIC_ATTEMPTS || !retriable(error)) throw error;
        }
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    },

    async producer() {
      // Idempotent producer: a retried send never writes a message twice.
      // Default (murmur2) partitioner: the same site key lands where a Java client would put it.
      const producer = kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
      });
      await producer.connect();
      opened.add(producer);
      return {
        async send(topic, messages, sendOptions) {
          await producer.send({
            topic,
            acks: -1,
            compression: sendOptions?.compression === 'gzip' ? CompressionTypes.GZIP : CompressionTypes.None,
            messages: messages.map((m) => ({ key: m.key ?? null, value: m.value, ...(m.headers ? { headers: m.headers } : {}) })),
          });
        },
        async close() {
          opened.delete(producer);
          await producer.disconnect();
        },
      };
    },

    async consume(consumeOptions) {
      const consumer = kafka.consumer({
        groupId: consumeOptions.groupId,
        allowAutoTopicCreation: false,
        maxWaitTimeInMs: consumeOptions.maxWaitMs ?? 1000,
        ...(consumeOptions.sessionTimeoutMs === undefined
          ? {}
          : { sessionTimeout: consumeOptions.sessionTimeoutMs, heartbeatInterval: Math.max(500, Math.floor(consumeOptions.sessionTimeoutMs / 10)) }),
      });
      await consumer.connect();
      opened.add(consumer);
      await consumer.subscribe({ topics: consumeOptions.topics, fromBeginning: consumeOptions.fromBeginning ?? true });
      // Joined = connected; a crash (kafkajs restarts the consumer after a retriable one)
      // or a disconnect clears it until the group is joined again.
      let joined = false;
      consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
      consumer.on(consumer.events.DISCONNECT, () => (joined = false));
      consumer.on(consumer.events.STOP, () => (joined = false));
      consumer.on(consumer.events.CRASH, (event) => {
        joined = false;
        consumeOptions.onError?.(event.payload.error);
      });
      await consumer.run({
        autoCommit: false,
        partitionsConsumedConcurrently: consumeOptions.partitionsConcurrently ?? 1,
        eachBatchAutoResolve: false,
        eachBatch: async (payload) => {
          const { batch } = payload;
          if (!payload.isRunning() || payload.isStale() || batch.messages.length === 0) return;
          const records: IncomingRecord[] = batch.messages.map((m) => ({
            topic: batch.topic,
            partition: batch.partition,
            offset: m.offset,
            key: m.key,
            value: m.value,
            timestamp: Number(m.timestamp),
            headers: Object.fromEntries(
              Object.entries(m.headers ?? {}).map(([k, v]) => [k, Buffer.isBuffer(v) ? v.toString() : String(v)]),
            ),
          }));
          // Keep the group membership alive while the handler works (e.g. retries through
          // a database outage); otherwise the group would rebalance the partition away.
          const beat = setInterval(() => {
            payload.heartbeat().catch(() => undefined);
          }, 2_000);
          try {
            await consumeOptions.onBatch(records);
          } finally {
            clearInterval(beat);
          }
          const last = batch.lastOffset();
          payload.resolveOffset(last);
          await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
          await payload.heartbeat();
        },
      });
      return {
        get connected() {
          return joined;
        },
        pause: () => consumer.pause(consumeOptions.topics.map((topic) => ({ topic }))),
        resume: () => consumer.resume(consumeOptions.topics.map((topic) => ({ topic }))),
        async close() {
          opened.delete(consumer);
          await consumer.disconnect();
        },
      };
    },

    async committedOffsets(groupId, topic) {
      const a = await withAdmin();
      const [entry] = await a.fetchOffsets({ groupId, topics: [topic] });
      return (entry?.partitions ?? []).map((p) => ({ partition: p.partition, offset: p.offset })).sort((x, y) => x.partition - y.partition);
    },

    async endOffsets(topic) {
      const a = await withAdmin();
      const offsets = await a.fetchTopicOffsets(topic);
      return offsets.map((p) => ({ partition: p.partition, offset: p.high })).sort((x, y) => x.partition - y.partition);
    },

    async close() {
      await Promise.allSettled([...opened].map((c) => c.disconnect()));
      opened.clear();
      if (adminConnected) await admin.disconnect();
    },
  };
}
