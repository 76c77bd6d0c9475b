#!/usr/bin/env node
import { Command, CommanderError, Option } from 'commander';
import { ConfigError, CONFIG_EXIT_CODE, createLogger, INTERRUPTED_EXIT_CODE, maskSecrets, USAGE_EXIT_CODE } from '@headstream/core';
import { conflictOf, DEFAULT_BROKER_PORT, DEFAULT_DIR, DEFAULT_VIEW_PORT, integer, seedArgument, UsageError, type DemoOptions } from './options.js';

// Exit codes (core's): 0 done (or stopped cleanly while serving), 1 the loop failed, 2 bad usage or configuration, 130 interrupted before the summary.

function program(): Command {
  return new Command('headstream-demo')
    .description('The whole Headstream loop in one process: simulated (or replayed) sensors → MQTT → ingest → database → training → registry and guard → predictor → predictions on MQTT and in the database.')
    .addOption(new Option('--serve', 'after the summary keep running (readings in real time, predictions, the live view) until Ctrl-C'))
    .addOption(new Option('--stack', 'use the services of HS_PG_URL, HS_MQTT_URL and HS_KAFKA_BROKERS instead of the embedded ones'))
    .addOption(new Option('--replay', 'replay slices of the shared data sets instead of simulating a city and a factory'))
    .addOption(new Option('--datasets-dir <dir>', 'where the shared data sets are (--replay; default HS_DATASETS_DIR or the nearest shared/datasets)'))
    .addOption(new Option('--dir <dir>', 'folder of the embedded database; each run empties it first').default(DEFAULT_DIR))
    .addOption(new Option('--timescale', 'the embedded database is PGlite with TimescaleDB (hypertables, continuous aggregates, compression)'))
    .addOption(new Option('--port <n>', 'TCP port of the embedded MQTT broker on 127.0.0.1 (0 = any free port)').argParser(integer(0, 65535)).default(DEFAULT_BROKER_PORT))
    .addOption(new Option('--view-port <n>', 'port of the live view on 127.0.0.1 (--serve; 0 = any free port)').argParser(integer(0, 65535)).default(DEFAULT_VIEW_PORT))
    .addOption(new Option('--seed <n>', 'seed of the simulator and the training').argParser(seedArgument).default(1))
    .addOption(new Option('--factory <protocol>', 'how the factory sends its readings: frame (Headstream JSON on MQTT), sparkplug (Sparkplug B edge nodes, Tahu\'s client) or opcua (history as frames, the live part from an OPC UA server)').choices(['frame', 'sparkplug', 'opcua']).default('frame'))
    .addOption(new Option('--json', 'print the summary as one JSON object on stdout (progress stays on stderr)'))
    .allowExcessArguments(false)
    .showSuggestionAfterError(true)
    .exitOverride()
    // Every usage error is one line.
    .configureOutput({ outputError: (text, write) => write(`${text.trimEnd().split('\n')[0]}\n`) });
}

function parseOptions(argv: string[]): DemoOptions {
  const command = program();
  command.parse(argv);
  const o = command.opts<{ serve?: boolean; stack?: boolean; replay?: boolean; timescale?: boolean; datasetsDir?: string; dir: string; port: number; viewPort: number; seed: number; factory: 'frame' | 'sparkplug' | 'opcua'; json?: boolean }>();
  const options: DemoOptions = {
    serve: o.serve === true,
    stack: o.stack === true,
    replay: o.replay === true,
    dir: o.dir,
    timescale: o.timescale === true,
    port: o.port,
    viewPort: o.viewPort,
    seed: o.seed,
    factory: o.factory,
    json: o.json === true,
    ...(o.datasetsDir === undefined ? {} : { datasetsDir: o.datasetsDir }),
  };
  const given = new Set(Object.keys(o).filter((k) => command.getOptionValueSource(k) === 'cli'));
  const conflict = conflictOf(options, given);
  if (conflict) throw new UsageError(conflict);
  return options;
}

async function main(argv: string[]): Promise<number> {
  let options: DemoOptions;
  try {
    options = parseOptions(argv);
  } catch (error) {
    // Help ends here with 0; commander printed its usage error as one line.
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : USAGE_EXIT_CODE;
    if (error instanceof UsageError) {
      process.stderr.write(`headstream-demo: ${error.message}\n`);
      return USAGE_EXIT_CODE;
    }
    throw error;
  }
  // stdout carries the summary only (--json: one JSON object): what a library prints to the console
  // (node-opcua's RSA self-test warning, with --factory opcua) goes to stderr with the progress.
  const { consoleToStderr } = await import('@headstream/core');
  consoleToStderr();
  // Loaded after the flags are checked: the training stack (TensorFlow.js) takes seconds to load, a typo should not.
  const { loadDemoConfig } = await import('./config.js');
  const { InterruptedError, PHASES, runDemo } = await import('./run.js');
  const { createProgress } = await import('./progress.js');
  const { formatSummary } = await import('./summary.js');
  let config;
  try {
    config = loadDemoConfig(process.env, { stack: options.stack });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${maskSecrets(error.message)}\n`);
    return CONFIG_EXIT_CODE;
  }
  // Progress and summary are the output; logs only say what went wrong (HS_LOG_LEVEL=info shows more).
  const log = createLogger('demo', { level: process.env.HS_LOG_LEVEL === undefined ? 'warn' : config.logLevel, destination: 2 });

  const stop = new AbortController();
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      process.stderr.write(`headstream-demo: second ${signal}: exiting without closing\n`);
      process.exit(INTERRUPTED_EXIT_CODE);
    }
    process.stderr.write(`headstream-demo: ${signal}: stopping\n`);
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    const run = await runDemo(options, config, createProgress(PHASES), log, stop.signal);
    process.stdout.write(options.json ? `${JSON.stringify(run.summary)}\n` : `${formatSummary(run.summary)}\n`);
    if (!run.serve) return run.summary.ok ? 0 : 1;
    process.stderr.write('serving: readings in real time → predictions on MQTT and in the database; Ctrl-C stops\n');
    await run.serve(stop.signal);
    process.stderr.write('stopped cleanly\n');
    return 0;
  } catch (error) {
    if (error instanceof InterruptedError) {
      process.stderr.write('headstream-demo: interrupted before the summary\n');
      return INTERRUPTED_EXIT_CODE;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`headstream-demo: ${error.message}\n`);
      return USAGE_EXIT_CODE;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`${maskSecrets(error.message)}\n`);
      return CONFIG_EXIT_CODE;
    }
    const debug = /^(debug|trace)$/.test(process.env.HS_LOG_LEVEL ?? '');
    process.stderr.write(`headstream-demo: ${maskSecrets(error instanceof Error ? ((debug ? error.stack : undefined) ?? error.message) : String(error))}\n`);
    return 1;
  }
}

// Exit explicitly: a backend's worker threads or a client's timer must not keep a finished demo alive.
process.exit(await main(process.argv));
