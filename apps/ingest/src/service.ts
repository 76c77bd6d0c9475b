import { readFileSync } from 'node:fs';
import { kafkaTopic, Metrics, mqttReadingsFilter, parseOptionsOf, startOpsServer, type Logger, type OpsServer } from '@headstream/core';
import { IngestPipeline, type StoreUnavailableError } from '@headstream/pipeline';
import { migrate, openDatabase, type SqlClient } from '@headstream/store';
import {
  createKafkaPublisher,
  createKafkaSource,
  createMqttPublisher,
  createMqttSource,
  startEmbeddedMqttBroker,
  type EmbeddedMqttBroker,
  type MessagePublisher,
  type MessageSource,
} from '@headstream/transport';
import type { IngestConfig } from './config.js';

export interface IngestService {
  pipeline: IngestPipeline;
  ops: OpsServer;
  mqttUrl: string | undefined;
  stop(): Promise<void>;
}

export interface IngestHooks {
  /** The store refuses writes for good (no privilege, read-only, disk full): main exits non-zero. */
  onFatal?: (error: StoreUnavailableError) => void;
}

/** Wires config → database, migrations, sources, dead-letter publishers, ops endpoints. */
export async function startIngest(config: IngestConfig, log: Logger, hooks: IngestHooks = {}): Promise<IngestService> {
  const closers: (() => Promise<unknown>)[] = [];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close().catch((error: unknown) => log.warn({ err: error }, 'error while closing'));
  };
  try {
    const db: SqlClient = await openDatabase({
      ...(config.pgUrl === undefined ? {} : { url: config.pgUrl }),
      ...(config.pgDataDir === undefined ? {} : { dataDir: config.pgDataDir }),
      ...(config.pgSchema === undefined ? {} : { schema: config.pgSchema }),
      applicationName: 'headstream-ingest',
      statementTimeoutMs: config.pgStatementTimeoutMs,
      lockTimeoutMs: config.pgLockTimeoutMs,
      idleInTransactionTimeoutMs: config.pgIdleTxTimeoutMs,
    });
    closers.push(() => db.close());
    const migrated = await migrate(db);
    log.info({ database: db.kind, applied: migrated.applied.map((m) => m.version), version: migrated.current, timescale: migrated.timescale }, 'database ready');

    const sourceKinds = config.sources ?? (config.kafkaBrokers ? ['mqtt', 'kafka'] : ['mqtt']);
    const sources: MessageSource[] = [];
    const publishers: Partial<Record<'mqtt' | 'kafka', MessagePublisher>> = {};
    let mqttUrl: string | undefined;

    if (sourceKinds.includes('mqtt')) {
      let embedded: EmbeddedMqttBroker | undefined;
      if (config.mqttUrl === undefined) {
        embedded = await startEmbeddedMqttBroker({ port: config.mqttEmbeddedPort });
        closers.push(() => embedded?.close() ?? Promise.resolve());
        log.info({ url: embedded.url }, 'embedded MQTT broker listening');
      }
      mqttUrl = embedded?.url ?? config.mqttUrl;
      const connection = {
        url: mqttUrl ?? '',
        protocolVersion: embedded ? embedded.protocolVersion : (5 as const),
        ...(config.mqttUsername === undefined ? {} : { username: config.mqttUsername }),
        ...(config.mqttPassword === undefined ? {} : { password: config.mqttPassword }),
        ...(config.mqttCaFile || config.mqttCertFile
          ? {
              tls: {
                ...(config.mqttCaFile ? { ca: readFileSync(config.mqttCaFile) } : {}),
                ...(config.mqttCertFile ? { cert: readFileSync(config.mqttCertFile) } : {}),
                ...(config.mqttKeyFile ? { key: readFileSync(config.mqttKeyFile) } : {}),
              },
            }
          : {}),
      };
      sources.push(
        createMqttSource({
          ...connection,
          clientId: config.mqttClientId,
          filters: [mqttReadingsFilter({ root: config.topicRoot, ...(config.mqttShareGroup ? { shareGroup: config.mqttShareGroup } : {}) })],
          ackMode: config.mqttAckMode,
          connections: config.mqttConnections,
          onError: (error) => log.error({ err: error }, 'MQTT source error'),
        }),
      );
      const publisher = await createMqttPublisher({
        ...connection,
        clientId: `${config.mqttClientId}-deadletter-${process.pid}`,
        onError: (error) => log.warn({ err: error }, 'MQTT dead-letter publisher error'),
      });
      closers.push(() => publisher.close());
      publishers.mqtt = publisher;
    }

    let kafkaLag: (() => Promise<number>) | undefined;
    if (sourceKinds.includes('kafka')) {
      if (!config.kafkaBrokers) throw new Error('HS_INGEST_SOURCES includes kafka but HS_KAFKA_BROKERS is not set');
      const kafkaConnection = {
        brokers: config.kafkaBrokers,
        clientId: 'headstream-ingest',
        ...(config.kafkaSsl ? { ssl: true } : {}),
        ...(config.kafkaSaslMechanism && config.kafkaUsername && config.kafkaPassword
          ? { sasl: { mechanism: config.kafkaSaslMechanism, username: config.kafkaUsername, password: config.kafkaPassword } }
          : {}),
        onLog: (level: 'error' | 'warn', message: string, extra: Record<string, unknown>) => log[level](extra, `kafka: ${message}`),
      };
      const topic = kafkaTopic('readings', config.topicRoot);
      const source = createKafkaSource({
        ...kafkaConnection,
        groupId: config.kafkaGroup,
        topics: [topic],
        ensurePartitions: config.kafkaPartitions,
        partitionsConcurrently: config.kafkaConcurrency,
        sessionTimeoutMs: config.kafkaSessionTimeoutMs,
        onError: (error) => log.error({ err: error }, 'Kafka consumer crashed'),
      });
      sources.push(source);
      kafkaLag = async () => {
        const [end, committed] = await Promise.all([source.connection.endOffsets(topic), source.connection.committedOffsets(config.kafkaGroup, topic)]);
        // A partition with no committed offset (-1) has everything still to read.
        const done = new Map(committed.map((c) => [c.partition, Math.max(0, Number(c.offset))]));
        return end.reduce((sum, e) => sum + Number(e.offset) - (done.get(e.partition) ?? 0), 0);
      };
      const publisher = await createKafkaPublisher({ ...kafkaConnection, clientId: 'headstream-ingest-deadletter' });
      await publisher.connection.ensureTopics([{ name: kafkaTopic('deadletter', config.topicRoot), partitions: 1 }]);
      closers.push(() => publisher.close());
      publishers.kafka = publisher;
    }

    const metrics = new Metrics('ingest');
    const pipeline = new IngestPipeline({
      db,
      sources,
      deadLetterPublishers: publishers,
      topicRoot: config.topicRoot,
      parse: {
        ...parseOptionsOf(config),
        ...(config.allowedSites ? { allowedSites: config.allowedSites } : {}),
        ...(config.allowedDomains ? { allowedDomains: config.allowedDomains } : {}),
      },
      writeMode: config.writeMode,
      log: log.child({ component: 'pipeline' }),
      metrics,
      stallAfterMs: config.healthStallMs,
      ...(hooks.onFatal ? { onFatal: hooks.onFatal } : {}),
    });
    if (kafkaLag) {
      const lagGauge = metrics.gauge('ingest_kafka_consumer_lag', 'Messages in hs.readings not yet committed by the ingest group');
      const measure = kafkaLag;
      const timer = setInterval(() => {
        measure().then(
          (lag) => lagGauge.set(lag),
          (error: unknown) => log.debug({ err: error }, 'consumer lag unavailable'),
        );
      }, 5_000);
      timer.unref();
      closers.push(() => Promise.resolve(clearInterval(timer)));
    }
    let started = false;
    const ops = await startOpsServer({
      port: config.httpPort,
      metrics,
      // 503 until started, and whenever a source is disconnected or stalled or the store has failed.
      health: () => {
        const health = pipeline.health();
        return { ...pipeline.stats, database: db.kind, writeMode: pipeline.writeMode, ...health, ok: started && health.ok };
      },
    });
    closers.push(() => ops.close());
    await pipeline.start();
    started = true;
    log.info({ sources: sourceKinds, writeMode: pipeline.writeMode, http: ops.port, mqttUrl }, 'ingest running');

    let stopping: Promise<void> | undefined;
    return {
      pipeline,
      ops,
      mqttUrl,
      stop() {
        stopping ??= (async () => {
          started = false;
          await pipeline.stop();
          await closeAll();
          log.info({ ...pipeline.stats }, 'ingest stopped');
        })();
        return stopping;
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}
