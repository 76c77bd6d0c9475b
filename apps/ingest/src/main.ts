#!/usr/bin/env node
import { ConfigError, CONFIG_EXIT_CODE, consoleToStderr, SCHEMA_BEHIND_EXIT_CODE, STORE_FAILURE_EXIT_CODE, createLogger, exitOnSignals, loadConfig, maskSecrets } from '@headstream/core';
import { SchemaBehindError } from '@headstream/store';
import { checkTransportConfig } from '@headstream/transport';
import { checkIngestConfig, ingestConfigSpec } from './config.js';
import { databaseTarget } from './database-target.js';
import { startIngest } from './service.js';

// Thin entry point: config, logger, signals. The wiring is in service.ts.
let config;
try {
  config = loadConfig(ingestConfigSpec);
  // --embedded: same as HS_EMBEDDED=1 (an in-memory database is allowed).
  if (process.argv.slice(2).includes('--embedded')) config = { ...config, embedded: true };
  databaseTarget(config); // refuses an in-memory database unless asked explicitly
  checkTransportConfig(config); // a partial Kafka SASL setting, SASL/PLAIN without TLS, a cert without key
  checkIngestConfig(config); // MQTT settings the broker cannot keep its guarantee with
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(CONFIG_EXIT_CODE);
}
// stdout is the JSON log: a library's console output (node-opcua's warnings) goes to stderr.
consoleToStderr();
const log = createLogger('ingest', { level: config.logLevel });
log.info({ database: config.pgUrl ?? 'embedded PGlite', mqtt: config.mqttUrl ?? 'embedded broker', kafka: config.kafkaBrokers ?? 'off' }, 'ingest starting');
try {
  const service = await startIngest(config, log, {
    // No point consuming what cannot be stored: exit, unacknowledged, so a supervisor restarts us.
    onFatal: (error) => {
      log.fatal({ err: error.cause }, `exiting: ${error.message}`);
      process.exit(STORE_FAILURE_EXIT_CODE);
    },
  });
  exitOnSignals(log, 'stopping: finishing the batch in hand', () => service.stop());
} catch (error) {
  // Exit now: a half-started service (a reconnecting client, a pool) would keep the process alive.
  if (error instanceof SchemaBehindError || error instanceof ConfigError) {
    process.stderr.write(`${maskSecrets(error.message)}\n`);
    process.exit(error instanceof ConfigError ? CONFIG_EXIT_CODE : SCHEMA_BEHIND_EXIT_CODE);
  }
  log.fatal({ err: error }, 'ingest failed to start');
  process.exit(1);
}
