import { cfg, commonConfigSpec, DEFAULT_READINGS_PARTITIONS, field, type ConfigOf } from '@headstream/core';

export const ingestConfigSpec = {
  ...commonConfigSpec,
  sources: field('HS_INGEST_SOURCES', cfg.listOf(['mqtt', 'kafka']).optional(), 'a comma-separated subset of mqtt,kafka (unset: mqtt, plus kafka when HS_KAFKA_BROKERS is set)'),
  httpPort: field('HS_HTTP_PORT', cfg.int(0, 65535).default(9464), 'a TCP port for /healthz and /metrics (0 = any free port)'),
  pgSchema: field('HS_PG_SCHEMA', cfg.name().optional(), 'a schema name for Headstream tables (unset: public)'),
  pgDataDir: field('HS_PG_DATA_DIR', cfg.string().optional(), 'a directory for the embedded PGlite database (unset: in memory)'),
  writeMode: field('HS_WRITE_MODE', cfg.oneOf(['auto', 'copy', 'unnest']).default('auto'), 'one of auto|copy|unnest'),
  mqttEmbeddedPort: field('HS_MQTT_EMBEDDED_PORT', cfg.int(0, 65535).default(1883), 'a TCP port for the embedded MQTT broker'),
  mqttClientId: field('HS_MQTT_CLIENT_ID', cfg.name().default('headstream-ingest'), 'an MQTT client id of [A-Za-z0-9_.-]'),
  mqttShareGroup: field('HS_MQTT_SHARE_GROUP', cfg.name().optional(), 'a shared-subscription group name, e.g. ingest'),
  mqttConnections: field('HS_MQTT_CONNECTIONS', cfg.int(1, 64).default(1), 'an integer 1..64 (> 1 needs HS_MQTT_SHARE_GROUP)'),
  mqttAckMode: field('HS_MQTT_ACK_MODE', cfg.oneOf(['after-commit', 'on-receipt']).default('after-commit'), 'after-commit or on-receipt'),
  mqttUsername: field('HS_MQTT_USERNAME', cfg.string().optional(), 'an MQTT user name'),
  mqttPassword: field('HS_MQTT_PASSWORD', cfg.string().optional(), 'an MQTT password', { secret: true }),
  mqttCaFile: field('HS_MQTT_CA_FILE', cfg.string().optional(), 'a PEM file path'),
  mqttCertFile: field('HS_MQTT_CERT_FILE', cfg.string().optional(), 'a PEM file path'),
  mqttKeyFile: field('HS_MQTT_KEY_FILE', cfg.string().optional(), 'a PEM file path', { secret: true }),
  kafkaGroup: field('HS_KAFKA_GROUP', cfg.name().default('headstream-ingest'), 'a consumer group name'),
  kafkaPartitions: field('HS_KAFKA_PARTITIONS', cfg.int(1, 1024).default(DEFAULT_READINGS_PARTITIONS), 'partitions for hs.readings when ingest creates it'),
  kafkaConcurrency: field('HS_KAFKA_CONCURRENCY', cfg.int(1, 64).default(2), 'partitions handled at once, 1..64'),
  kafkaSessionTimeoutMs: field('HS_KAFKA_SESSION_TIMEOUT_MS', cfg.int(6_000, 300_000).default(30_000), 'milliseconds, 6000..300000: how soon a crashed worker\'s partitions move to another'),
  kafkaSsl: field('HS_KAFKA_SSL', cfg.bool().default(false), 'true or false'),
  kafkaSaslMechanism: field('HS_KAFKA_SASL_MECHANISM', cfg.oneOf(['plain', 'scram-sha-256', 'scram-sha-512']).optional(), 'plain, scram-sha-256 or scram-sha-512'),
  kafkaUsername: field('HS_KAFKA_USERNAME', cfg.string().optional(), 'a SASL user name'),
  kafkaPassword: field('HS_KAFKA_PASSWORD', cfg.string().optional(), 'a SASL password', { secret: true }),
};
export type IngestConfig = ConfigOf<typeof ingestConfigSpec>;
