import { MultiBar, Presets } from 'cli-progress';
import {
  DATASETS_MIRROR_ENV,
  datasetListEntries,
  fetchDatasets,
  formatBytes,
  formatDatasetList,
  listDatasets,
  mirrorProblem,
  UnknownDatasetError,
  type FetchEvent,
  type FetchSummary,
} from '@headstream/datasets';
import { UsageError } from '../usage-error.js';

export interface DatasetsListOptions {
  dir?: string;
  json?: boolean;
}

export interface DatasetsFetchOptions {
  dir?: string;
  mirror?: string;
  retries?: number;
  json?: boolean;
}

/** An unknown data set name is a usage error: one line, exit code 2. */
async function usageOnUnknownName<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof UnknownDatasetError) throw new UsageError(error.message);
    throw error;
  }
}

export async function datasetsListCommand(names: string[], options: DatasetsListOptions): Promise<void> {
  const checks = await usageOnUnknownName(() => listDatasets({ names, ...(options.dir === undefined ? {} : { datasetsDir: options.dir }) }));
  process.stdout.write(`${options.json ? JSON.stringify(datasetListEntries(checks)) : formatDatasetList(checks)}\n`);
}

/**
 * Progress on stderr: a bar over the bytes to download on a terminal (retries logged above it); one
 * line per file elsewhere (CI logs, pipes).
 */
function fetchProgress(): { onEvent(event: FetchEvent): void; stop(): void } {
  const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
  const resumed = (from: number) => (from > 0 ? `, resumed at byte ${from.toLocaleString('en-US')}` : '');
  if (process.stderr.isTTY) {
    const bars = new MultiBar(
      {
        format: 'datasets [{bar}] {percentage}% | {done} of {size} | {speed}/s | ETA {eta_formatted} | {file}',
        stream: process.stderr,
        hideCursor: true,
        etaBuffer: 200,
      },
      Presets.shades_classic,
    );
    let bar: ReturnType<MultiBar['create']> | undefined;
    let done = 0;
    let total = 0;
    const started = Date.now();
    const payload = (file: string) => ({ done: formatBytes(done), size: formatBytes(total), speed: formatBytes(Math.round((done * 1000) / Math.max(1, Date.now() - started))), file });
    return {
      onEvent(event) {
        if (event.type === 'plan') {
          bars.log(`fetching ${event.files} files (${formatBytes(event.bytes)}) into ${event.dir}; ${event.alreadyVerified} already verified\n`);
          total = event.bytes;
          if (event.files > 0) bar = bars.create(Math.max(1, total), 0, payload(''));
        } else if (event.type === 'bytes') {
          done += event.bytes;
          bar?.update(done, payload(event.file));
        } else if (event.type === 'retry') {
          bars.log(`retrying ${event.file} (attempt ${event.attempt}: ${event.reason})\n`);
        }
      },
      stop: () => bars.stop(),
    };
  }
  return {
    onEvent(event) {
      if (event.type === 'plan') process.stderr.write(`fetching ${event.files} files (${formatBytes(event.bytes)}) into ${event.dir}; ${event.alreadyVerified} already verified\n`);
      else if (event.type === 'done') process.stderr.write(`fetched ${event.file} (${event.size.toLocaleString('en-US')} bytes${resumed(event.resumedFrom)}) in ${seconds(event.ms)}\n`);
      else if (event.type === 'retry') process.stderr.write(`retrying ${event.file} (attempt ${event.attempt}: ${event.reason})\n`);
    },
    stop: () => undefined,
  };
}

export async function datasetsFetchCommand(names: string[], options: DatasetsFetchOptions): Promise<void> {
  const fromEnv = process.env[DATASETS_MIRROR_ENV];
  const mirror = options.mirror ?? (fromEnv === undefined || fromEnv.trim() === '' ? undefined : fromEnv.trim());
  if (mirror !== undefined) {
    const problem = mirrorProblem(mirror);
    if (problem !== null) throw new UsageError(`${options.mirror === undefined ? DATASETS_MIRROR_ENV : '--mirror'}: ${problem}`);
  }
  const progress = fetchProgress();
  let summary: FetchSummary;
  try {
    summary = await usageOnUnknownName(() =>
      fetchDatasets({
        names,
        ...(options.dir === undefined ? {} : { datasetsDir: options.dir }),
        ...(mirror === undefined ? {} : { mirror }),
        ...(options.retries === undefined ? {} : { retries: options.retries }),
        onEvent: (event) => progress.onEvent(event),
      }),
    );
  } finally {
    progress.stop();
  }
  if (options.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else {
    const width = Math.max(...summary.datasets.map((d) => d.folder.length));
    for (const d of summary.datasets) process.stdout.write(`${d.state === 'verified' ? 'verified' : 'FAILED  '}  ${d.folder.padEnd(width)}  ${d.files} files, ${d.downloaded} fetched now  ${d.dir}\n`);
  }
  for (const failure of summary.failures) process.stderr.write(`headstream: ${failure.message}\n`);
  if (summary.failures.length > 0) process.exitCode = 1;
}
