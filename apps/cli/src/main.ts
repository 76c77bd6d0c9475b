#!/usr/bin/env node
import { createRequire } from 'node:module';
import { Command, CommanderError, Option } from 'commander';
import { commonConfigSpec, ConfigError, CONFIG_EXIT_CODE, createLogger, describeConfig, loadConfig } from '@headstream/core';
import { selfcheck, type CheckResult } from './commands/selfcheck.js';

const { version } = createRequire(import.meta.url)('../package.json') as { version: string };

/** Exit codes: 0 ok, 1 a check or job failed, 2 bad usage or configuration. */
const USAGE_EXIT_CODE = 2;

function loadCommonConfig() {
  return loadConfig(commonConfigSpec);
}

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
      const config = loadCommonConfig();
      const log = createLogger('cli', { level: config.logLevel === 'info' ? 'warn' : config.logLevel, destination: 2 });
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
    .command('config')
    .description('print the configuration resolved from the environment and HS_CONFIG_FILE (secrets masked)')
    .action(() => {
      process.stdout.write(`${JSON.stringify(describeConfig(commonConfigSpec, loadCommonConfig()), null, 2)}\n`);
    });

  return program;
}

async function main(argv: string[]): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and --version end here too, with exit code 0; usage errors were printed as one line.
      process.exitCode = error.exitCode === 0 ? 0 : USAGE_EXIT_CODE;
      return;
    }
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = CONFIG_EXIT_CODE;
      return;
    }
    process.stderr.write(`headstream: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  }
}

await main(process.argv);
