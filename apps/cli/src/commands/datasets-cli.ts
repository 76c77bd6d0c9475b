import { InvalidArgumentError, type Command } from 'commander';
import type { DatasetsFetchOptions, DatasetsListOptions } from './datasets.js';

/**
 * `@headstream/datasets`' DATASETS_MIRROR_ENV, written out so that help and usage errors need not load
 * the data-set package (test/datasets-cli.test.ts checks that the two agree).
 */
export const DATASETS_MIRROR_ENV = 'HS_DATASETS_MIRROR';

function retriesOption(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n > 100) throw new InvalidArgumentError('expected an integer 0..100');
  return n;
}

/** `headstream datasets list | fetch`: definitions only; each action loads ./datasets.js when it runs. */
export function registerDatasetsCommands(program: Command): void {
  const datasets = program.command('datasets').description('the shared data sets: which are here and verified, and fetching them from their original sources');
  const dirHelp = 'the datasets folder (default: HS_DATASETS_DIR; list also looks in shared/datasets upward, then the cache ~/.cache/headstream/datasets)';
  datasets
    .command('list')
    .description('every data set: verified (each file\'s sha256 matches), mismatched, incomplete or missing, and where')
    .argument('[names...]', 'data set folders or loader names (default: all)')
    .option('--dir <dir>', dirHelp)
    .option('--json', 'print one JSON array')
    .action(async (names: string[], options: DatasetsListOptions) => {
      const { datasetsListCommand } = await import('./datasets.js');
      await datasetsListCommand(names, options);
    });
  datasets
    .command('fetch')
    .description('download data sets from the sources their SOURCE.md names, verifying every sha256, into HS_DATASETS_DIR (default $XDG_CACHE_HOME/headstream/datasets or ~/.cache/headstream/datasets); partial downloads resume, verified files are skipped')
    .argument('[names...]', 'data set folders or loader names (default: all)')
    .option('--dir <dir>', 'download into this folder instead (default: HS_DATASETS_DIR, else the cache folder)')
    .option('--mirror <url>', `fetch from <url>/<folder>/<file> instead of the original URLs, for mirrors and tests (default ${DATASETS_MIRROR_ENV})`)
    .option('--retries <n>', 'attempts per file after a broken connection, each resuming where it stopped', retriesOption, 3)
    .option('--json', 'print the summary as one JSON object')
    .action(async (names: string[], options: DatasetsFetchOptions) => {
      const { datasetsFetchCommand } = await import('./datasets.js');
      await datasetsFetchCommand(names, options);
    });
}
