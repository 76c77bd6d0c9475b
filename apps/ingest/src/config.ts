import { cfg, commonConfigSpec, ConfigError, DEFAULT_READINGS_PARTITIONS, field, inboundConfigSpec, type ConfigOf } from '@headstream/core';
import { storeConfigSpec } from '@headstream/store';
import { embeddedBrokerConfigSpec, SOURCE_KINDS, sourceKindsOf, sourcesConfigSpec, transportConfigSpec } from '@headstream/transport';

export const ingestConfigSpec = {
  ...commonConfigSpec,
  // Credentials and TLS of MQTT and Kafka (shared with the CLI), the embedded broker, HS_PG_SCHEMA.
  ...transportConfigSpec,
  ...embeddedBrokerConfigSpec,
  ...storeConfigSpec,
  // HS_ALLOWED_SITES, HS_ALLOWED_DOMAINS: the same allow-lists as the predictor's (one decoder, decodeInbound).
  ...inboundConfigSpec,
  // Every registered source's own settings (packages/transport/src/sources/registry.ts).
  ...sourcesConfigSpec,
  httpHost: field('HS_HTTP_HOST', cfg.string().default('127.0.0.1'), 'an address for /healthz and /metrics (0.0.0.0 = every interface)'),
  replicaId: field('HS_REPLICA_ID', cfg.name().optional(), 'a name of [A-Za-z0-9_.-] unique per ingest replica, appended to HS_MQTT_CLIENT_ID (unset: host name and pid)'),
  deadLetterRetentionDays: field('HS_DEADLETTER_RETENTION_DAYS', cfg.int(0, 36_500).default(0), 'days, 0 = keep forever: older dead letters are deleted hourly'),
  sources: field('HS_INGEST_SOURCES', cfg.listOf(SOURCE_KINDS).optional(), `a comma-separated subset of ${SOURCE_KINDS.join(',')} (unset: mqtt, plus kafka when HS_KAFKA_BROKERS is set, plus each other source its settings turn on)`),
  httpPort: field('HS_HTTP_PORT', cfg.int(0, 65535).default(9464), 'a TCP port for /healthz and /metrics (0 = any free port)'),
  pgDataDir: field('HS_PG_DATA_DIR', cfg.string().optional(), 'a directory for the embedded PGlite database, or memory:// (unset: .headstream/ingest-db under the working directory; in memory with HS_EMBEDDED=1)'),
  embedded: field('HS_EMBEDDED', cfg.bool().default(false), 'true or false: allow an in-memory database (demo, tests; readings are lost when ingest stops)'),
  pgStatementTimeoutMs: field('HS_PG_STATEMENT_TIMEOUT_MS', cfg.int(0, 24 * 3600 * 1000).default(30_000), 'milliseconds, 0 = none: longest a database statement may run before it fails and is retried'),
  pgLockTimeoutMs: field('HS_PG_LOCK_TIMEOUT_MS', cfg.int(0, 24 * 3600 * 1000).default(10_000), 'milliseconds, 0 = none: longest a write waits for a table or row lock'),
  pgIdleTxTimeoutMs: field('HS_PG_IDLE_TX_TIMEOUT_MS', cfg.int(0, 24 * 3600 * 1000).default(60_000), 'milliseconds, 0 = none: a session idle inside a transaction this long is closed by the server'),
  healthStallMs: field('HS_HEALTH_STALL_MS', cfg.int(1_000, 24 * 3600 * 1000).default(120_000), 'milliseconds, >= 1000: a batch in hand this long makes /healthz answer 503'),
  writeMode: field('HS_WRITE_MODE', cfg.oneOf(['auto', 'copy', 'unnest']).default('auto'), 'one of auto|copy|unnest'),
  mqttEmbeddedPort: field('HS_MQTT_EMBEDDED_PORT', cfg.int(0, 65535).default(1883), 'a TCP port for the embedded MQTT broker'),
  mqttClientId: field('HS_MQTT_CLIENT_ID', cfg.name().default('headstream-ingest'), 'an MQTT client id of [A-Za-z0-9_.-]'),
  mqttShareGroup: field('HS_MQTT_SHARE_GROUP', cfg.name().optional(), 'a shared-subscription group name, e.g. ingest'),
  mqttConnections: field('HS_MQTT_CONNECTIONS', cfg.int(1, 64).default(1), 'an integer 1..64 (> 1 needs HS_MQTT_SHARE_GROUP)'),
  mqttAckMode: field('HS_MQTT_ACK_MODE', cfg.oneOf(['after-commit', 'on-receipt']).default('after-commit'), 'after-commit or on-receipt'),
  mqttQueueMessages: field('HS_MQTT_QUEUE_MESSAGES', cfg.int(1, 10_000_000).default(10_000), 'an integer 1..10000000: MQTT messages received and not yet stored before ingest stops reading'),
  mqttQueueBytes: field('HS_MQTT_QUEUE_BYTES', cfg.int(1024, 4 * 1024 * 1024 * 1024).default(64 * 1024 * 1024), 'bytes, >= 1024: payload bytes received and not yet stored before ingest stops reading'),
  batchMaxMessages: field('HS_BATCH_MAX_MESSAGES', cfg.int(1, 100_000).default(500), 'an integer 1..100000: MQTT messages per batch'),
  batchMaxBytes: field('HS_BATCH_MAX_BYTES', cfg.int(1024, 1024 * 1024 * 1024).default(16 * 1024 * 1024), 'bytes, >= 1024: MQTT payload bytes per batch (one larger message is a batch alone)'),
  batchMaxValues: field('HS_BATCH_MAX_VALUES', cfg.int(1, 10_000_000).default(200_000), 'an integer 1..10000000: values (frames x metrics) written per transaction'),
  seriesCacheSize: field('HS_SERIES_CACHE_SIZE', cfg.int(1, 100_000_000).default(250_000), 'an integer >= 1: series ids kept in memory (least recently used evicted)'),
  seriesQuotaPerMin: field('HS_SERIES_QUOTA_PER_MIN', cfg.int(0, 100_000_000).default(10_000), 'an integer >= 0: new series allowed per minute; messages beyond are dead-lettered as series_quota'),
  kafkaGroup: field('HS_KAFKA_GROUP', cfg.name().default('headstream-ingest'), 'a consumer group name'),
  kafkaPartitions: field('HS_KAFKA_PARTITIONS', cfg.int(1, 1024).default(DEFAULT_READINGS_PARTITIONS), 'partitions for hs.readings when ingest creates it'),
  kafkaConcurrency: field('HS_KAFKA_CONCURRENCY', cfg.int(1, 64).default(2), 'partitions handled at once, 1..64'),
  kafkaSessionTimeoutMs: field('HS_KAFKA_SESSION_TIMEOUT_MS', cfg.int(6_000, 300_000).default(30_000), 'milliseconds, 6000..300000: how soon a crashed worker\'s partitions move to another'),
};
export type IngestConfig = ConfigOf<typeof ingestConfigSpec>;

/**
 * MQTT settings ingest refuses because the broker could not keep its promise (every acknowledged
 * reading stored) with them, one line each naming the setting and why (empty when fine).
 */
export function ingestConfigProblems(c: IngestConfig): { key: string; line: string }[] {
  const mqtt = sourceKindsOf(c.sources, c, 'ingest').includes('mqtt');
  if (!mqtt) return [];
  const problems: { key: string; line: string }[] = [];
  if (c.mqttConnections > 1 && c.mqttShareGroup === undefined) {
    problems.push({ key: 'HS_MQTT_CONNECTIONS', line: `config: HS_MQTT_CONNECTIONS: ${c.mqttConnections} connections need HS_MQTT_SHARE_GROUP (a shared subscription); without it every reading would arrive ${c.mqttConnections} times` });
  }
  if (c.mqttShareGroup !== undefined && c.mqttUrl === undefined) {
    // aedes grants a $share/... subscription and delivers nothing to it: ingest would be deaf.
    problems.push({ key: 'HS_MQTT_SHARE_GROUP', line: 'config: HS_MQTT_SHARE_GROUP: the embedded broker (HS_MQTT_URL unset) has no shared subscriptions and would deliver nothing to ingest; set HS_MQTT_URL to an MQTT 5 broker or unset HS_MQTT_SHARE_GROUP' });
  }
  if (c.mqttShareGroup !== undefined && c.replicaId === undefined) {
    // A shared subscription's broker deals messages to every member session, connected or not.
    problems.push({ key: 'HS_REPLICA_ID', line: 'config: HS_REPLICA_ID: expected a name each replica keeps across restarts, since HS_MQTT_SHARE_GROUP is set: the broker keeps dealing readings to a member\'s session while it is away, and with the host-name default a replica that comes back under another name strands them; it is not set' });
  }
  return problems;
}

/** Throws a ConfigError listing ingestConfigProblems, if any. */
export function checkIngestConfig(c: IngestConfig): void {
  const problems = ingestConfigProblems(c);
  if (problems.length > 0) throw new ConfigError(problems);
}
