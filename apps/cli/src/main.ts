#!/usr/bin/env node
import { createRequire } from 'node:module';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { INTERRUPTED_EXIT_CODE, USAGE_EXIT_CODE } from '@headstream/core';
import { TASK_MODULES, TASK_NAMES } from '@headstream/tasks';
import { registerDatasetsCommands } from './commands/datasets-cli.js';
import type { EvaluateCommandOptions } from './commands/evaluate.js';
import type { ReplayCommandOptions } from './commands/replay.js';
import type { CheckResult } from './commands/selfcheck.js';
import type { SimulateCommandOptions } from './commands/simulate.js';
import type { TrainCommandOptions } from './commands/train.js';
import { UsageError } from './usage-error.js';

// Startup loads only commander: each command imports its module (and with it TensorFlow.js, PGlite,
// kafkajs, the data-set loaders…) when its action runs, and the config (core, store, transport and
// training's settings) when it reads it. So --version, --help and usage errors print at once.

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

// Exit codes: 0 ok, 1 a check or job failed, 2 bad usage or configuration (core's USAGE_EXIT_CODE), 130 interrupted.

async function loadCommonConfig() {
  const { loadCliConfig } = await import('./config.js');
  return loadCliConfig();
}

async function cliLogger(level: string) {
  const { createLogger } = await import('@headstream/core');
  // Commands print results on stdout; logs go to stderr, quieter than a service's.
  return createLogger('cli', { level: level === 'info' ? 'warn' : level, destination: 2 });
}

function integer(min: number, max: number) {
  return (text: string): number => {
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || n < min || n > max) throw new InvalidArgumentError(`expected an integer ${min}..${max}`);
    return n;
  };
}

const destination = () => new Option('--to <transport>', 'where to publish').choices(['mqtt', 'kafka']).makeOptionMandatory();

function printTable(results: CheckResult[]): void {
  const rows = results.map((r) => [r.check, r.status.toUpperCase(), r.target || '-', r.detail, `${r.ms} ms`]);
  const widths = [0, 1, 2].map((i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  for (const row of rows) {
    process.stdout.write(`${row.slice(0, 3).map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')}  ${row[3]} (${row[4]})\n`);
  }
}

export function buildProgram(): Command {
  const program = new Command('headstream')
    .description('Headstream: multi-task learning on smart-city and factory sensor streams')
    .version(version)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(text.trimEnd().split('\n')[0] + '\n') });

  program
    .command('selfcheck')
    .description('prove the packages and services work: parser, database, MQTT and Kafka round trips (embedded ones when unset)')
    .addOption(new Option('--json', 'print one JSON object instead of a table'))
    .action(async (options: { json?: boolean }) => {
      const config = await loadCommonConfig();
      const log = await cliLogger(config.logLevel);
      const { selfcheck } = await import('./commands/selfcheck.js');
      const results = await selfcheck(config, log);
      const ok = results.every((r) => r.status !== 'failed');
      if (options.json) process.stdout.write(`${JSON.stringify({ ok, version, checks: results })}\n`);
      else {
        printTable(results);
        process.stdout.write(ok ? 'selfcheck passed\n' : 'selfcheck FAILED\n');
      }
      process.exitCode = ok ? 0 : 1;
    });

  program
    .command('doctor')
    .description('which TensorFlow.js backend training uses here (native, GPU, wasm, cpu) and why the others are not available')
    .addOption(new Option('--json', 'print one JSON object instead of a table'))
    .action(async (options: { json?: boolean }) => {
      const { doctor, printDoctor } = await import('./commands/doctor.js');
      const report = await doctor();
      process.stdout.write(options.json ? `${JSON.stringify(report)}\n` : printDoctor(report));
      process.exitCode = report.ok ? 0 : 1;
    });

  program
    .command('migrate')
    .description('apply the database schema migrations to HS_PG_URL (or an embedded PGlite directory); run as the schema owner before starting services')
    .option('--data-dir <dir>', 'embedded PGlite directory when HS_PG_URL is unset (default .headstream/ingest-db)')
    .option('--schema <name>', 'PostgreSQL schema for the tables (default HS_PG_SCHEMA, else public)')
    .option('--json', 'print one JSON object')
    .action(async (options: { dataDir?: string; schema?: string; json?: boolean }) => {
      const config = await loadCommonConfig();
      const { migrateCommand } = await import('./commands/migrate.js');
      await migrateCommand(config, options);
    });

  program
    .command('replay')
    .description('stream a data set (or a CSV file) in time order onto MQTT or Kafka')
    .argument('<dataset-or-file>', 'a loader name (pems-detector, los-loop, metro-traffic, beijing-air, italy-air, skab, hydraulic, gas-turbine) or a file/folder')
    .addOption(destination())
    .option('--speed <factor>', 'data time per wall time, e.g. 3600x (one data hour per second)')
    .option('--max', 'as fast as the transport accepts (the default)')
    .option('--format <loader>', "read the file in a loader's format, or 'csv' for a generic CSV")
    .option('--mapping <file>', 'JSON column mapping for a generic CSV file')
    .option('--domain <domain>', 'CSV: domain of the readings (city, factory, …)')
    .option('--site <name>', 'CSV: one fixed site name')
    .option('--site-column <column>', 'CSV: column holding the site')
    .option('--time-column <column>', 'CSV: column(s) holding the time')
    .option('--time-format <format>', 'CSV: iso, epoch_ms, epoch_s or a pattern')
    .option('--timezone <zone>', 'CSV: IANA zone of zone-less times')
    .option('--metrics <list>', 'CSV: columns to read, "col" or "col=name", comma-separated')
    .option('--labels <list>', 'CSV: label columns, comma-separated')
    .option('--datasets-dir <dir>', 'where the shared data sets are (default: HS_DATASETS_DIR or ../shared/datasets)')
    .option('--frames <n>', 'frames per message', integer(1, 10_000), 100)
    .option('--ground-truth', 'also send labels as gt_* metrics', false)
    .option('--json', 'print the summary as one JSON object')
    .action(async (target: string, options: ReplayCommandOptions) => {
      const config = await loadCommonConfig();
      const log = await cliLogger(config.logLevel);
      const { replayCommand } = await import('./commands/replay.js');
      const summary = await replayCommand(target, options, config, log);
      if (summary.aborted) process.exitCode = INTERRUPTED_EXIT_CODE;
    });

  program
    .command('simulate')
    .description('publish simulated city and factory streams with ground truth, until --count or Ctrl-C')
    .option('--city <n>', 'city road sites', integer(0, 100_000), 0)
    .option('--factory <n>', 'factory machines', integer(0, 100_000), 0)
    .option('--rate <r>', 'records per second, or "realtime" (each record at its time; past ones at once)', '100')
    .addOption(destination().makeOptionMandatory(false))
    .addOption(new Option('--protocol <p>', 'frame: Headstream JSON frames published --to mqtt or kafka; opcua: serve the factory as an OPC UA server; sparkplug: the factory as Sparkplug B edge nodes on HS_MQTT_URL; json: vendor JSON, one message per metric on {prefix}/{domain}/{site}/{metric} on HS_MQTT_URL').choices(['frame', 'opcua', 'sparkplug', 'json']).default('frame'))
    .option('--json-prefix <p>', 'first topic level (--protocol json)', 'vendor')
    .option('--json-config <file>', 'write the HS_JSON_SOURCES_CONFIG mapping of the emitted topics to this file (--protocol json)')
    .option('--sparkplug-group <g>', 'Sparkplug group id (--protocol sparkplug; ingest reads it with HS_SPARKPLUG_GROUPS)', 'factory')
    .option('--opcua-port <n>', 'OPC UA server port (--protocol opcua)', integer(0, 65_535), 4840)
    .option('--opcua-config <file>', 'write the HS_OPCUA_CONFIG mapping of the served variables to this file (--protocol opcua)')
    .option('--seed <s>', 'seed: the same seed gives the same stream', '1')
    .option('--start <iso>', 'virtual start time (default now)')
    .option('--backfill <duration>', 'start this long before now (e.g. 6d: with --rate realtime, history at once, then live)')
    .option('--factory-interval <duration>', "machines' sampling interval (the fault task reads 1 s steps; coarser ones leave its windows too sparse to predict)", '1s')
    .option('--count <n>', 'stop after this many records', integer(1, Number.MAX_SAFE_INTEGER))
    .option('--frames <n>', 'frames per message', integer(1, 10_000), 1)
    .option('--no-ground-truth', 'leave out the gt_* metrics')
    .action(async (options: SimulateCommandOptions) => {
      const config = await loadCommonConfig();
      const log = await cliLogger(config.logLevel);
      const { simulateCommand } = await import('./commands/simulate.js');
      await simulateCommand(options, config, log);
    });

  program
    .command('train')
    .description('train the shared multi-task model and each task\'s single-task model: from the shared data sets (saved to --out) or from the readings in the database (a version in the registry, judged by the guard)')
    .option('--from-datasets', `train on the shared data sets (${[...new Set(TASK_MODULES.map((m) => m.dataset))].join(', ')}) with the task modules' protocols`)
    .option('--from-db', 'train on the readings in the database (HS_PG_URL, or the embedded PGlite in --data-dir) and store a model version')
    .option('--request', 'ask the running trainer service to retrain now (a training request in the database) instead of training here')
    .option('--datasets-dir <dir>', 'where the shared data sets are (default: HS_DATASETS_DIR or ../shared/datasets)')
    .option('--data-dir <dir>', 'embedded PGlite directory when HS_PG_URL is unset (default .headstream/ingest-db)')
    .option('--tasks <list>', `the tasks to train, comma-separated, of ${TASK_NAMES.join(', ')} (default: from-datasets every task, from-db every task with enough history)`)
    .option('--strategy <name>', 'loss-weighting strategy, a name of the model\'s weighting registry (equal, uncertainty, famo, si, pcgrad…; an unknown name is refused with the list)', 'equal')
    .addOption(new Option('--regime <regime>', 'from-db: joint (all tasks at once) or sequential (one after another)').choices(['joint', 'sequential']).default('joint'))
    .addOption(new Option('--split <split>', 'from-datasets: protocol (held-out station, runs, year) or time (the last 20 % of each task validates, as --from-db)').choices(['protocol', 'time']))
    .addOption(new Option('--guard <rule>', "from-datasets: what the guard weighs to choose each task's served model: folds (the task's selection folds beside this split: three trainings instead of one) or split (this split alone, as --from-db)").choices(['folds', 'split']).default('folds'))
    .option('--no-refit', "from-datasets: save the split's models instead of training the chosen models again on every window (the split's validation part included) once the guard has chosen")
    .option('--quick', 'subsampled data and fewer epochs (a minute or two)')
    .option('--seed <n>', 'seed for weights and batch order', integer(0, 2 ** 31 - 1), 1)
    .option('--epochs <n>', 'epochs of every model instead of the mode\'s', integer(0, 10_000))
    .option('--name <version>', "the new version's name (default: v + the UTC time)")
    .option('--bindings <file>', 'from-db: task bindings JSON (default HS_TRAIN_BINDINGS; see packages/training/BINDINGS.md)')
    .option('--no-promote', 'from-db: store the version but do not let the guard promote it')
    .option('--out <dir>', 'from-datasets: directory for the saved models and manifest.json')
    .option('--json', 'print the manifest (from-datasets) or the version report (from-db) as one JSON object')
    .action(async (options: TrainCommandOptions) => {
      const config = await loadCommonConfig();
      const { trainCommand } = await import('./commands/train.js');
      await trainCommand(options, config);
    });

  program
    .command('evaluate')
    .description("score a model on a file in the task's data-set format, next to naive baselines and the single-task model: a bundle (headstream train --from-datasets) or a version in the registry")
    .option('--model <dir>', 'directory written by headstream train --from-datasets')
    .option('--model-version <version>', 'a model version in the registry (HS_PG_URL, or the embedded PGlite in --data-dir) instead of --model')
    .option('--data-dir <dir>', 'with --model-version: embedded PGlite directory when HS_PG_URL is unset (default .headstream/ingest-db)')
    .addOption(new Option('--task <task>', 'task to score').choices(TASK_NAMES).makeOptionMandatory())
    .requiredOption('--file <file>', 'file or folder to score')
    .requiredOption('--format <loader>', `loader format of the file (the task's data set: ${TASK_MODULES.map((m) => `${m.definition.name} ${m.dataset}`).join(', ')})`)
    .option('--predictions <file>', "write the served model's forecast of every window serving would predict from, one JSON object a line (what a predictor serving the version on these readings publishes)")
    .option('--json', 'print one JSON object instead of a table')
    .action(async (options: EvaluateCommandOptions) => {
      const { evaluateCommand } = await import('./commands/evaluate.js');
      await evaluateCommand(options, options.modelVersion === undefined ? undefined : await loadCommonConfig());
    });

  // The model registry in the database (HS_PG_URL, or an embedded PGlite directory).
  const models = program.command('models').description('list, show, import, promote and roll back the model versions stored in the database');
  const registryOptions = (command: Command) =>
    command
      .option('--data-dir <dir>', 'embedded PGlite directory when HS_PG_URL is unset (default .headstream/ingest-db)')
      .option('--schema <name>', 'PostgreSQL schema of the tables (default HS_PG_SCHEMA, else public)');
  registryOptions(models.command('list').description('every model version, newest first (* = active)'))
    .option('--json', 'print one JSON array')
    .action(async (options: { dataDir?: string; schema?: string; json?: boolean }) => {
      const config = await loadCommonConfig();
      const { modelsListCommand } = await import('./commands/models.js');
      await modelsListCommand(config, options);
    });
  registryOptions(models.command('show').description("a version's per-task results, compute, skipped tasks and the guard's decision").argument('<version>', 'model version'))
    .option('--json', 'print one JSON object')
    .action(async (version: string, options: { dataDir?: string; schema?: string; json?: boolean }) => {
      const config = await loadCommonConfig();
      const { modelsShowCommand } = await import('./commands/models.js');
      await modelsShowCommand(config, version, options);
    });
  registryOptions(models.command('import').description('store a model version written by train --from-datasets --out DIR as a candidate (promote it to serve it)').argument('<dir>', 'directory written by headstream train --from-datasets'))
    .option('--name <version>', "the version's name in the registry (default: the one it was trained under)")
    .option('--json', 'print one JSON object')
    .action(async (dir: string, options: { dataDir?: string; schema?: string; name?: string; json?: boolean }) => {
      const config = await loadCommonConfig();
      const { modelsImportCommand } = await import('./commands/models.js');
      await modelsImportCommand(config, dir, options);
    });
  registryOptions(models.command('promote').description('make a version the active one (the previous one is retired)').argument('<version>', 'model version'))
    .option('--reason <text>', 'why, recorded in the promotion history')
    .action(async (version: string, options: { dataDir?: string; schema?: string; reason?: string }) => {
      const config = await loadCommonConfig();
      const { modelsPromoteCommand } = await import('./commands/models.js');
      await modelsPromoteCommand(config, version, options);
    });
  registryOptions(models.command('rollback').description('re-activate the version that was active before the current one'))
    .option('--reason <text>', 'why, recorded in the promotion history')
    .action(async (options: { dataDir?: string; schema?: string; reason?: string }) => {
      const config = await loadCommonConfig();
      const { modelsRollbackCommand } = await import('./commands/models.js');
      await modelsRollbackCommand(config, options);
    });

  registerDatasetsCommands(program);

  program
    .command('config')
    .description('print the configuration resolved from the environment and HS_CONFIG_FILE (secrets masked)')
    .action(async () => {
      const config = await loadCommonConfig();
      const [{ describeConfig }, { cliConfigSpec }] = await Promise.all([import('@headstream/core'), import('./config.js')]);
      process.stdout.write(`${JSON.stringify(describeConfig(cliConfigSpec, config), null, 2)}\n`);
    });

  return program;
}

async function main(argv: string[]): Promise<void> {
  // stdout carries what a command prints (--json: one object); a library's console output (node-opcua's
  // warnings, with the opcua source or simulator) goes to stderr. Inline (core's consoleToStderr does the
  // same) so that --version and --help load nothing but commander.
  console.log = console.error;
  console.info = console.error;
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version end here too, with exit code 0; usage errors were printed as one line.
      process.exitCode = error.exitCode === 0 ? 0 : USAGE_EXIT_CODE;
      return;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`headstream: ${error.message}\n`);
      process.exitCode = USAGE_EXIT_CODE;
      return;
    }
    // The other errors come from a command's action: core is loaded here, off the --version/--help/usage path.
    const { ConfigError, CONFIG_EXIT_CODE, maskSecrets } = await import('@headstream/core');
    if (error instanceof ConfigError) {
      process.stderr.write(`${maskSecrets(error.message)}\n`);
      process.exitCode = CONFIG_EXIT_CODE;
      return;
    }
    const debug = /^(debug|trace)$/.test(process.env.HS_LOG_LEVEL ?? '');
    process.stderr.write(`headstream: ${maskSecrets(error instanceof Error ? ((debug ? error.stack : undefined) ?? error.message) : String(error))}\n`);
    process.exitCode = 1;
  }
}

await main(process.argv);
