import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { inboundOptionsOf, Metrics, mqttReadingsFilter, startOpsServer, type Logger, type OpsServer } from '@headstream/core';
import { IngestPipeline, type StoreUnavailableError } from '@headstream/pipeline';
import { expireDeadLetters, migrate, openDatabase, requireCurrentSchema, type SqlClient } from '@headstream/store';
import {
  embeddedBrokerUsersFromFile,
  mqttFromConfig,
  MQTT_MAX_PACKET_SIZE,
  sourceKindsOf,
  startEmbeddedMqttBroker,
  startSources,
  type KafkaTuning,
  type MqttTuning,
  type SourceContext,
} from '@headstream/transport';
import { checkIngestConfig, type IngestConfig } from './config.js';
import { databaseTarget } from './database-target.js';

/** Room above HS_MAX_PAYLOAD_BYTES for the PUBLISH header, topic and properties: payloads a
 * little over the limit still arrive and are dead-lettered (payload_too_large); much larger
 * ones are dropped by the broker and never reach ingest's memory. */
const MQTT_PACKET_HEADROOM = 64 * 1024;

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
  checkIngestConfig(config);
  try {
    // In memory only when asked explicitly (HS_EMBEDDED=1); otherwise PGlite on disk or a server.
    const target = databaseTarget(config);
    if (target.kind === 'pglite') mkdirSync(target.dataDir, { recursive: true });
    if (target.kind === 'memory') log.warn('database in memory (HS_EMBEDDED): every reading is lost when ingest stops');
    const db: SqlClient = await openDatabase({
      ...(target.kind === 'postgres' ? { url: target.url } : {}),
      ...(target.kind === 'pglite' ? { dataDir: target.dataDir } : {}),
      ...(config.pgSchema === undefined ? {} : { schema: config.pgSchema }),
      applicationName: 'headstream-ingest',
      statementTimeoutMs: config.pgStatementTimeoutMs,
      lockTimeoutMs: config.pgLockTimeoutMs,
      idleInTransactionTimeoutMs: config.pgIdleTxTimeoutMs,
      createSchema: false,
    });
    closers.push(() => db.close());
    // A server database is migrated by `headstream migrate` as its owner, never by a service (its
    // least-privilege role may not): refuse to start when it is behind. Embedded PGlite has nobody else.
    const migrated = db.kind === 'pglite' ? await migrate(db) : { applied: [], current: await requireCurrentSchema(db), timescale: undefined };
    log.info({ database: db.kind, ...(target.kind === 'pglite' ? { dataDir: target.dataDir } : {}), applied: migrated.applied.map((m) => m.version), version: migrated.current, timescale: migrated.timescale }, 'database ready');

    const metrics = new Metrics('ingest');
    const sourceKinds = sourceKindsOf(config.sources, config, 'ingest');
    let mqtt: SourceContext['mqtt'];
    let mqttUrl: string | undefined;
    if (config.mqttUrl === undefined && sourceKinds.some((kind) => kind === 'mqtt' || kind === 'sparkplug')) {
      const embedded = await startEmbeddedMqttBroker({
        host: config.mqttEmbeddedHost,
        port: config.mqttEmbeddedPort,
        ...(config.mqttEmbeddedUsersFile === undefined ? {} : { users: embeddedBrokerUsersFromFile(config.mqttEmbeddedUsersFile) }),
        maxPacketBytes: config.mqttEmbeddedMaxPacketBytes ?? config.maxPayloadBytes + MQTT_PACKET_HEADROOM,
      });
      closers.push(() => embedded.close());
      log.info({ url: embedded.url }, 'embedded MQTT broker listening');
      mqttUrl = embedded.url;
      // Our own clients of the embedded broker use its internal credentials when it has users.
      mqtt = { ...mqttFromConfig(config, embedded.url), ...(embedded.internal ?? {}), protocolVersion: embedded.protocolVersion };
    } else {
      mqttUrl = config.mqttUrl;
    }
    // One client id per replica: two replicas with the same id would kick each other off.
    const replica = config.replicaId ?? hostname().replace(/[^A-Za-z0-9_.-]/g, '_');
    const mqttTuning: MqttTuning = {
      clientId: `${config.mqttClientId}-${replica}`,
      filters: [mqttReadingsFilter({ root: config.topicRoot, ...(config.mqttShareGroup ? { shareGroup: config.mqttShareGroup } : {}) })],
      ackMode: config.mqttAckMode,
      connections: config.mqttConnections,
      maxBatchMessages: config.batchMaxMessages,
      maxBatchBytes: config.batchMaxBytes,
      maxQueueMessages: config.mqttQueueMessages,
      maxQueueBytes: config.mqttQueueBytes,
      maximumPacketSize: Math.min(MQTT_MAX_PACKET_SIZE, config.maxPayloadBytes + MQTT_PACKET_HEADROOM),
    };
    const kafkaTuning: KafkaTuning = {
      groupId: config.kafkaGroup,
      ensurePartitions: config.kafkaPartitions,
      partitionsConcurrently: config.kafkaConcurrency,
      sessionTimeoutMs: config.kafkaSessionTimeoutMs,
    };
    // The one wiring of sources (packages/transport/src/sources): each with its decoder and dead-letter publisher.
    const started = await startSources(sourceKinds, config, {
      app: 'ingest',
      replica,
      log,
      metrics,
      topicRoot: config.topicRoot,
      ...(mqtt ? { mqtt } : {}),
      deadLetters: true,
      tuning: { mqtt: mqttTuning, kafka: kafkaTuning, sparkplug: { ...mqttTuning, clientId: `${config.mqttClientId}-sparkplug-${replica}` } },
    });
    closers.push(() => started.close());
    const mqttQueue = started.built.find((b) => b.source.kind === 'mqtt')?.probes?.mqttQueue;
    const kafkaLag = started.built.find((b) => b.source.kind === 'kafka')?.probes?.kafkaLag;

    const pipeline = new IngestPipeline({
      db,
      sources: started.sources,
      deadLetterPublishers: started.deadLetterPublishers,
      topicRoot: config.topicRoot,
      parse: inboundOptionsOf(config),
      writeMode: config.writeMode,
      maxWriteValues: config.batchMaxValues,
      seriesCacheEntries: config.seriesCacheSize,
      seriesQuotaPerMinute: config.seriesQuotaPerMin,
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
    if (mqttQueue) {
      const queue = mqttQueue;
      const gauges = {
        messages: metrics.gauge('ingest_mqtt_queue_messages', 'MQTT messages received and not yet stored'),
        bytes: metrics.gauge('ingest_mqtt_queue_bytes', 'Payload bytes of MQTT messages received and not yet stored'),
        peakMessages: metrics.gauge('ingest_mqtt_queue_peak_messages', 'Most MQTT messages received and not yet stored at once, since start'),
        peakBytes: metrics.gauge('ingest_mqtt_queue_peak_bytes', 'Most payload bytes received and not yet stored at once, since start'),
        paused: metrics.gauge('ingest_mqtt_paused', '1 while reading from the broker is paused (queue full)'),
      };
      const sample = () => {
        const q = queue();
        gauges.messages.set(q.messages);
        gauges.bytes.set(q.bytes);
        gauges.peakMessages.set(q.peakMessages);
        gauges.peakBytes.set(q.peakBytes);
        gauges.paused.set(q.paused ? 1 : 0);
      };
      sample();
      const timer = setInterval(sample, 250);
      timer.unref();
      closers.push(() => Promise.resolve(clearInterval(timer)));
    }
    if (config.deadLetterRetentionDays > 0) {
      // Retention of dead letters: an hourly DELETE (the ingest role holds DELETE on dead_letters only).
      const days = config.deadLetterRetentionDays;
      const expired = metrics.counter('ingest_dead_letters_expired_total', 'Dead letters deleted by HS_DEADLETTER_RETENTION_DAYS');
      const expire = () => {
        expireDeadLetters(db, days).then(
          (n) => {
            if (n > 0) expired.inc(n);
          },
          (error: unknown) => log.warn({ err: error }, 'dead-letter retention: DELETE failed'),
        );
      };
      expire();
      const timer = setInterval(expire, 3_600_000);
      timer.unref();
      closers.push(() => Promise.resolve(clearInterval(timer)));
    }
    let running = false;
    const ops = await startOpsServer({
      port: config.httpPort,
      host: config.httpHost,
      metrics,
      onError: (error) => log.warn({ err: error }, '/healthz or /metrics failed'),
      // 503 until started, and whenever a source is disconnected or stalled or the store has failed.
      health: () => {
        const health = pipeline.health();
        // The store's error text stays in the log, never in the answer (/healthz may be scraped by anyone on HS_HTTP_HOST).
        const { fatal, ...rest } = health;
        return { ...pipeline.stats, database: db.kind, writeMode: pipeline.writeMode, ...(mqttQueue ? { mqttQueue: mqttQueue() } : {}), ...rest, ...(fatal ? { fatal: 'store unavailable (see the log)' } : {}), ok: running && health.ok };
      },
    });
    closers.push(() => ops.close());
    await pipeline.start();
    running = true;
    log.info({ sources: sourceKinds, writeMode: pipeline.writeMode, http: ops.port, mqttUrl }, 'ingest running');

    let stopping: Promise<void> | undefined;
    return {
      pipeline,
      ops,
      mqttUrl,
      stop() {
        stopping ??= (async () => {
          running = false;
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
