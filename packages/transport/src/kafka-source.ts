import { createKafkaConnection, type KafkaConnection, type KafkaConnectionOptions } from './kafka.js';
import type { InboundMessage, MessagePublisher, MessageSource } from './source.js';

export interface KafkaSourceOptions extends KafkaConnectionOptions {
  groupId: string;
  topics: string[];
  /** Partitions handled at once (each batch is one partition's), default 1. */
  partitionsConcurrently?: number;
  /** See ConsumeOptions.sessionTimeoutMs: how soon a crashed member's partitions move on. */
  sessionTimeoutMs?: number;
  /** Create missing topics with this many partitions before subscribing. */
  ensurePartitions?: number;
  onError?: (error: Error) => void;
}

/**
 * Kafka readings source: one consumer group; a batch is one partition's fetch, and its
 * offsets are committed only after the handler (the database transaction) succeeds.
 */
export function createKafkaSource(options: KafkaSourceOptions): MessageSource & { connection: KafkaConnection } {
  const connection = createKafkaConnection(options);
  let stopConsumer: (() => Promise<void>) | undefined;
  let consumerConnected: (() => boolean) | undefined;
  return {
    kind: 'kafka',
    connection,
    async start(handler) {
      if (options.ensurePartitions !== undefined) {
        const partitions = options.ensurePartitions;
        await connection.ensureTopics(options.topics.map((name) => ({ name, partitions })));
      }
      const consumer = await connection.consume({
        groupId: options.groupId,
        topics: options.topics,
        partitionsConcurrently: options.partitionsConcurrently ?? 1,
        ...(options.sessionTimeoutMs === undefined ? {} : { sessionTimeoutMs: options.sessionTimeoutMs }),
        ...(options.onError ? { onError: options.onError } : {}),
        onBatch: (records) => {
          const receivedAt = Date.now();
          return handler(
            records.map(
              (r): InboundMessage => ({
                source: 'kafka',
                topic: r.topic,
                payload: r.value ?? Buffer.alloc(0),
                key: r.key?.toString() ?? null,
                partition: r.partition,
                offset: r.offset,
                receivedAt,
                publishedAt: r.timestamp,
              }),
            ),
          );
        },
      });
      stopConsumer = () => consumer.close();
      consumerConnected = () => consumer.connected;
    },
    async stop() {
      consumerConnected = undefined;
      await stopConsumer?.();
      await connection.close();
    },
    connected: () => consumerConnected?.() ?? false,
  };
}

export async function createKafkaPublisher(options: KafkaConnectionOptions): Promise<MessagePublisher & { connection: KafkaConnection }> {
  const connection = createKafkaConnection(options);
  const producer = await connection.producer();
  return {
    kind: 'kafka',
    connection,
    async publish(topic, messages) {
      await producer.send(topic, messages.map((m) => ({ key: m.key ?? null, value: m.payload })));
    },
    async close() {
      await producer.close();
      await connection.close();
    },
  };
}
