#!/usr/bin/env node
import { ConfigError, CONFIG_EXIT_CODE, createLogger, loadConfig } from '@headstream/core';
import { ingestConfigSpec } from './config.js';
import { startIngest } from './service.js';

// Thin entry point: config, logger, signals. The wiring is in service.ts.
let config;
try {
  config = loadConfig(ingestConfigSpec);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(CONFIG_EXIT_CODE);
}
const log = createLogger('ingest', { level: config.logLevel });
const STORE_FAILURE_EXIT_CODE = 3;
try {
  const service = await startIngest(config, log, {
    // No point consuming what cannot be stored: exit, unacknowledged, so a supervisor restarts us.
    onFatal: (error) => {
      log.fatal({ err: error.cause }, `exiting: ${error.message}`);
      process.exit(STORE_FAILURE_EXIT_CODE);
    },
  });
  let signals = 0;
  const shutdown = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      log.warn({ signal }, 'second signal: exiting without flushing');
      process.exit(130);
    }
    log.info({ signal }, 'stopping: finishing the batch in hand');
    service.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
} catch (error) {
  log.fatal({ err: error }, 'ingest failed to start');
  process.exitCode = 1;
}
