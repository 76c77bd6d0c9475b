import { cfg, commonConfigSpec, field, inboundConfigSpec, type ConfigOf } from '@headstream/core';
import { DEFAULT_EMBEDDED_DATA_DIR, storeConfigSpec } from '@headstream/store';
import { SOURCE_KINDS, sourcesConfigSpec, transportConfigSpec } from '@headstream/transport';

/** How the MQTT source hands readings over (measured in BENCHMARKS.md, predictor): the service's and the bench's defaults. */
export const PREDICTOR_SOURCE_DEFAULTS = { mqttAck: 'on-receipt', batchAgeMs: 5 } as const;

/** The predictor's settings: where readings come from, where predictions go, and its bounds. */
export const predictorConfigSpec = {
  ...commonConfigSpec,
  ...transportConfigSpec,
  ...storeConfigSpec,
  // HS_ALLOWED_SITES, HS_ALLOWED_DOMAINS: the same allow-lists as ingest's (one decoder, decodeInbound).
  ...inboundConfigSpec,
  // Every registered source's own settings (packages/transport/src/sources/registry.ts).
  ...sourcesConfigSpec,
  sources: field('HS_PREDICT_SOURCES', cfg.listOf(SOURCE_KINDS).optional(), `a comma-separated subset of ${SOURCE_KINDS.join(',')} (unset: kafka when HS_KAFKA_BROKERS is set, else mqtt, plus each other source its settings turn on)`),
  outputs: field('HS_PREDICT_OUTPUTS', cfg.listOf(['mqtt', 'kafka', 'db']).optional(), 'a comma-separated subset of mqtt,kafka,db (unset: mqtt and db, plus kafka when HS_KAFKA_BROKERS is set)'),
  pgDataDir: field('HS_PG_DATA_DIR', cfg.string().default(DEFAULT_EMBEDDED_DATA_DIR), 'a directory for the embedded PGlite database (used when HS_PG_URL is unset)'),
  httpHost: field('HS_HTTP_HOST', cfg.string().default('127.0.0.1'), 'an address for /healthz and /metrics (0.0.0.0 = every interface)'),
  httpPort: field('HS_HTTP_PORT', cfg.int(0, 65535).default(9465), 'a TCP port for /healthz and /metrics (0 = any free port)'),
  replicaId: field('HS_REPLICA_ID', cfg.name().optional(), 'a name unique per predictor replica, appended to HS_MQTT_CLIENT_ID (unset: host name)'),
  mqttClientId: field('HS_MQTT_CLIENT_ID', cfg.name().default('headstream-predictor'), 'an MQTT client id of [A-Za-z0-9_.-]'),
  kafkaGroup: field('HS_KAFKA_GROUP', cfg.name().default('headstream-predictor'), 'a consumer group name (predictors in one group share the sites: the readings topic is keyed by site)'),
  maxWindows: field('HS_PREDICT_MAX_WINDOWS', cfg.int(1, 100_000_000).default(200_000), 'an integer >= 1: (task, site) windows kept in memory; the least recently updated is evicted beyond it'),
  mqttAck: field('HS_PREDICT_MQTT_ACK', cfg.oneOf(['on-receipt', 'after-commit']).default(PREDICTOR_SOURCE_DEFAULTS.mqttAck), 'on-receipt (acknowledge readings as they arrive: a lost batch is rebuilt from the readings table at restart) or after-commit (after their predictions are published; batches of one message on MQTT 5)'),
  batchAgeMs: field('HS_PREDICT_BATCH_AGE_MS', cfg.int(1, 10_000).default(PREDICTOR_SOURCE_DEFAULTS.batchAgeMs), 'milliseconds a batch of readings may wait for more before it is predicted (latency vs model batch size)'),
  latenessMs: field('HS_PREDICT_LATENESS_MS', cfg.int(0, 24 * 3600 * 1000).default(0), 'milliseconds a step waits for out-of-order readings before it is predicted'),
};
export type PredictorConfig = ConfigOf<typeof predictorConfigSpec>;
