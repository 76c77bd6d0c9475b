#!/usr/bin/env node
import { hostname } from 'node:os';
import { ConfigError, CONFIG_EXIT_CODE, consoleToStderr, SCHEMA_BEHIND_EXIT_CODE, createLogger, exitOnSignals, loadConfig, maskSecrets, Metrics, inboundOptionsOf, startOpsServer } from '@headstream/core';
import { createKafkaPredictionPublisher, createMqttPredictionPublisher, databasePredictionPublisher, fanOut, startPredictor, type PredictionPublisher } from '@headstream/serving';
import { openDatabase, requireCurrentSchema, SchemaBehindError } from '@headstream/store';
import { chooseBackend } from '@headstream/model';
import { checkTransportConfig, kafkaFromConfig, mqttFromConfig, sourceKindsOf, startSources } from '@headstream/transport';
import { predictorConfigSpec } from './config.js';

// Thin entry point: config, wiring, signals. The predicting lives in @headstream/serving.
let config;
try {
  config = loadConfig(predictorConfigSpec);
  checkTransportConfig(config);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(CONFIG_EXIT_CODE);
}
// stdout is the JSON log: a library's console output (node-opcua's warnings) goes to stderr.
consoleToStderr();
const log = createLogger('predictor', { level: config.logLevel });
const closers: (() => Promise<unknown>)[] = [];
try {
  const db = await openDatabase({
    ...(config.pgUrl === undefined ? { dataDir: config.pgDataDir } : { url: config.pgUrl }),
    ...(config.pgSchema === undefined ? {} : { schema: config.pgSchema }),
    applicationName: 'headstream-predictor',
    createSchema: false,
  });
  closers.push(() => db.close());
  await requireCurrentSchema(db);
  await chooseBackend((line) => log.debug({}, line), 64);
  const replica = config.replicaId ?? hostname().replace(/[^A-Za-z0-9_.-]/g, '_');
  const sourceKinds = sourceKindsOf(config.sources, config, 'predictor');
  const outputs = config.outputs ?? ['mqtt', 'db', ...(config.kafkaBrokers ? ['kafka' as const] : [])];
  if ((sourceKinds.some((k) => k === 'mqtt' || k === 'sparkplug') || outputs.includes('mqtt')) && !config.mqttUrl) throw new ConfigError([{ key: 'mqttUrl', line: 'HS_MQTT_URL: the predictor reads or publishes MQTT and needs a broker URL' }]);
  if ((sourceKinds.includes('kafka') || outputs.includes('kafka')) && !config.kafkaBrokers) throw new ConfigError([{ key: 'kafkaBrokers', line: 'HS_KAFKA_BROKERS: the predictor reads or publishes Kafka and needs brokers' }]);

  const metrics = new Metrics('predictor');
  // The one wiring of sources (packages/transport/src/sources), the decoders ingest uses. One predictor
  // per MQTT broker: a shared subscription would split a site's readings between members. Acking on
  // receipt lets readings batch (after-commit holds one message in flight per connection); what a crash
  // loses in hand, the restart rebuilds from the readings table. On Kafka, readings are keyed by site,
  // so each member of the group holds whole sites: that is the scale-out.
  const mqttTuning = { clientId: `${config.mqttClientId}-${replica}`, ackMode: config.mqttAck, maxBatchAgeMs: config.batchAgeMs };
  const started = await startSources(sourceKinds, config, {
    app: 'predictor',
    replica,
    log,
    metrics,
    topicRoot: config.topicRoot,
    deadLetters: false,
    tuning: { mqtt: mqttTuning, kafka: { groupId: config.kafkaGroup }, sparkplug: { ...mqttTuning, clientId: `${config.mqttClientId}-sparkplug-${replica}` } },
  });
  closers.push(() => started.close());
  const sources = started.sources;
  const publishers: PredictionPublisher[] = [];
  if (outputs.includes('db')) publishers.push(databasePredictionPublisher(db));
  if (outputs.includes('mqtt')) publishers.push(await createMqttPredictionPublisher({ ...mqttFromConfig(config, config.mqttUrl ?? ''), clientId: `${config.mqttClientId}-${replica}-out-${process.pid}`, root: config.topicRoot, onError: (error) => log.warn({ err: error }, 'MQTT publisher error') }));
  if (outputs.includes('kafka')) publishers.push(await createKafkaPredictionPublisher({ connection: kafkaFromConfig(config, 'headstream-predictor-out', log), root: config.topicRoot }));
  const publisher = fanOut(publishers);
  closers.push(() => publisher.close());

  const predictor = await startPredictor({ db, sources, publisher, topicRoot: config.topicRoot, parse: inboundOptionsOf(config), log, metrics, engine: { maxWindows: config.maxWindows, latenessMs: config.latenessMs } });
  const ops = await startOpsServer({ port: config.httpPort, host: config.httpHost, metrics, health: () => ({ ...predictor.status() }), onError: (error) => log.error({ err: error }, 'ops server error') });
  log.info({ port: ops.port, sources: sourceKinds, outputs, version: predictor.status().version }, 'predictor started');

  exitOnSignals(log, 'stopping: publishing the batch in hand', async () => {
    await predictor.stop();
    await ops.close();
    for (const close of closers.reverse()) await close();
  });
} catch (error) {
  if (error instanceof SchemaBehindError || error instanceof ConfigError) {
    process.stderr.write(`${maskSecrets(error.message)}\n`);
    process.exit(error instanceof ConfigError ? CONFIG_EXIT_CODE : SCHEMA_BEHIND_EXIT_CODE);
  }
  log.fatal({ err: error }, 'predictor failed to start');
  process.exit(1);
}
