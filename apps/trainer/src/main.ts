#!/usr/bin/env node
import { ConfigError, CONFIG_EXIT_CODE, createLogger, exitOnSignals, loadConfig, maskSecrets, SCHEMA_BEHIND_EXIT_CODE } from '@headstream/core';
import { openDatabase, requireCurrentSchema, SchemaBehindError } from '@headstream/store';
import { BindingsError, chooseBackend, loadBindings, startTrainerService } from '@headstream/training';
import { trainerConfigSpec } from './config.js';

// Thin entry point: config, logger, database, signals. The schedule and the training live in @headstream/training.
let config;
try {
  config = loadConfig(trainerConfigSpec);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exit(CONFIG_EXIT_CODE);
}
const log = createLogger('trainer', { level: config.logLevel });
try {
  const bindings = config.bindingsFile ? await loadBindings(config.bindingsFile) : undefined;
  const db = await openDatabase({
    ...(config.pgUrl === undefined ? { dataDir: config.pgDataDir } : { url: config.pgUrl }),
    ...(config.pgSchema === undefined ? {} : { schema: config.pgSchema }),
    applicationName: 'headstream-trainer',
    createSchema: false,
  });
  await requireCurrentSchema(db);
  const backend = await chooseBackend((line) => log.info({}, line));
  log.info({ database: config.pgUrl ? maskSecrets(config.pgUrl) : config.pgDataDir, everyMs: config.trainEvery, mode: config.trainMode, strategy: config.trainStrategy, tolerance: config.guardTolerance, backend }, 'trainer started');
  const service = await startTrainerService({ db, everyMs: config.trainEvery, mode: config.trainMode, strategy: config.trainStrategy, tolerance: config.guardTolerance, backend, log, ...(bindings ? { bindings } : {}) });
  // While a run trains, the event loop is busy and a signal ends the process at once: the version is
  // written in one transaction at the end of a run, so nothing half-done is stored either way.
  exitOnSignals(log, 'stopping', async () => {
    await service.stop();
    await db.close();
  });
} catch (error) {
  if (error instanceof SchemaBehindError || error instanceof BindingsError) {
    process.stderr.write(`${maskSecrets(error.message)}\n`);
    process.exit(error instanceof BindingsError ? CONFIG_EXIT_CODE : SCHEMA_BEHIND_EXIT_CODE);
  }
  log.fatal({ err: error }, 'trainer failed to start');
  process.exit(1);
}
