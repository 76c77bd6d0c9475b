import { commonConfigSpec, decodeInbound, kafkaTopic } from '@headstream/core';
import { kafkaFromConfig, transportConfigSpec } from '../config.js';
import { createKafkaPublisher, createKafkaSource, type KafkaSourceOptions } from '../kafka-source.js';
import { defineSource } from './types.js';

const { mqttUsername: _u, mqttPassword: _p, mqttCaFile: _c, mqttCertFile: _cf, mqttKeyFile: _k, ...kafkaSecurity } = transportConfigSpec;

/** Tuning keys: any KafkaSourceOptions but the connection (groupId, partitionsConcurrently, sessionTimeoutMs, ensurePartitions). */
export type KafkaTuning = Partial<Omit<KafkaSourceOptions, 'brokers' | 'ssl' | 'sasl'>>;

/**
 * Headstream JSON frames on Kafka {root}.readings, keyed by site (the key must be every frame's site),
 * decoded by core's decodeInbound; offsets committed after the batch. Dead letters: {root}.deadletter.
 */
export const kafkaSource = defineSource({
  kind: 'kafka',
  summary: 'Headstream JSON frames on Kafka {root}.readings keyed by site (HS_KAFKA_BROKERS)',
  configSpec: { kafkaBrokers: commonConfigSpec.kafkaBrokers, topicRoot: commonConfigSpec.topicRoot, ...kafkaSecurity },
  enabledByDefault: (config) => config.kafkaBrokers !== undefined,
  configProblems: (config) =>
    config.kafkaBrokers === undefined ? [{ key: 'HS_KAFKA_BROKERS', line: 'config: HS_KAFKA_BROKERS: expected a comma-separated list of host:port for the kafka source; it is not set' }] : [],
  async create(config, context) {
    const tuning = (context.tuning?.kafka ?? {}) as KafkaTuning;
    const transport = { ...config, mqttUsername: undefined, mqttPassword: undefined, mqttCaFile: undefined, mqttCertFile: undefined, mqttKeyFile: undefined };
    const connection = kafkaFromConfig(transport, tuning.clientId ?? `headstream-${context.app}`, context.log);
    const topic = kafkaTopic('readings', config.topicRoot);
    const groupId = tuning.groupId ?? `headstream-${context.app}`;
    const source = createKafkaSource({
      ...connection,
      groupId,
      topics: [topic],
      onError: (error) => context.log.error({ err: error }, 'Kafka consumer crashed'),
      ...tuning,
    });
    let deadLetters: Awaited<ReturnType<typeof createKafkaPublisher>> | undefined;
    if (context.deadLetters) {
      deadLetters = await createKafkaPublisher({ ...connection, clientId: `${connection.clientId}-deadletter` });
      await deadLetters.connection.ensureTopics([{ name: kafkaTopic('deadletter', config.topicRoot), partitions: 1 }]);
    }
    return {
      source: Object.assign(source, { decode: decodeInbound }),
      ...(deadLetters ? { deadLetters } : {}),
      probes: {
        kafkaLag: async () => {
          const [end, committed] = await Promise.all([source.connection.endOffsets(topic), source.connection.committedOffsets(groupId, topic)]);
          // A partition with no committed offset (-1) has everything still to read.
          const done = new Map(committed.map((c) => [c.partition, Math.max(0, Number(c.offset))]));
          return end.reduce((sum, e) => sum + Number(e.offset) - (done.get(e.partition) ?? 0), 0);
        },
      },
      close: async () => {
        await deadLetters?.close();
      },
    };
  },
});
