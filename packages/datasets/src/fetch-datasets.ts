import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { selectDatasets } from './catalogue.js';
import { DownloadError, downloadToPart } from './download.js';
import { sha256File } from './file-hash.js';
import { fetchTargetDir, type LocateOptions } from './locate.js';
import { DATASET_MANIFEST } from './manifest.js';
import type { DatasetManifest, ManifestFile } from './manifest-types.js';
import { SOURCE_NOTES } from './source-notes.js';
import { checkFile } from './verify.js';

export const DATASETS_MIRROR_ENV = 'HS_DATASETS_MIRROR';

export interface FetchDatasetsOptions extends LocateOptions {
  /** Folder or loader names; all data sets when empty. */
  names?: readonly string[];
  /**
   * Base URL of a mirror laid out like the datasets directory (<mirror>/<folder>/<path>), used instead
   * of each file's original URL — for mirrors and tests. Bundled files are still written locally.
   */
  mirror?: string;
  /** Further attempts per file after a broken connection, timeout or 5xx (each resumes); default 3. */
  retries?: number;
  /** Files downloaded at once; default 4. */
  concurrency?: number;
  /** Per attempt: give up when nothing arrives for this long; default 30 s. */
  idleTimeoutMs?: number;
  /** Pause before retry n is n × this; default 1 s. */
  retryDelayMs?: number;
  catalogue?: readonly DatasetManifest[];
  /** The text of bundled files by data set folder (SOURCE.md); default the package's SOURCE_NOTES. */
  bundled?: Readonly<Record<string, string>>;
  onEvent?: (event: FetchEvent) => void;
}

/** `file` is "<folder>/<path>" throughout. */
export type FetchEvent =
  | { type: 'plan'; dir: string; files: number; bytes: number; alreadyVerified: number }
  | { type: 'start'; file: string; url: string; size: number; resumeFrom: number }
  | { type: 'bytes'; file: string; bytes: number }
  | { type: 'retry'; file: string; url: string; attempt: number; reason: string }
  | { type: 'done'; file: string; size: number; received: number; resumedFrom: number; ms: number }
  | { type: 'failed'; file: string; url: string; message: string };

export interface FetchFailure {
  file: string;
  url: string;
  /** One line naming the file and the URL. */
  message: string;
}

export interface FetchSummary {
  /** Where the data sets were fetched to. */
  dir: string;
  datasets: { folder: string; state: 'verified' | 'failed'; dir: string; files: number; downloaded: number }[];
  downloadedFiles: number;
  receivedBytes: number;
  alreadyVerified: number;
  failures: FetchFailure[];
}

interface FileTask {
  dataset: DatasetManifest;
  file: ManifestFile;
  label: string;
  url: string;
  localPath: string;
}

/** `<mirror>/<folder>/<path>` with each segment URL-encoded. */
export function mirrorUrl(mirror: string, folder: string, path: string): string {
  return `${mirror.replace(/\/+$/, '')}/${[folder, ...path.split('/')].map(encodeURIComponent).join('/')}`;
}

/** Checks a mirror base URL; returns a problem or null. */
export function mirrorProblem(mirror: string): string | null {
  try {
    const url = new URL(mirror);
    return url.protocol === 'http:' || url.protocol === 'https:' ? null : `expected an http:// or https:// URL; got ${JSON.stringify(mirror)}`;
  } catch {
    return `expected an http:// or https:// URL; got ${JSON.stringify(mirror)}`;
  }
}

async function sizeOf(path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Downloads the named data sets into the fetch directory (explicit → HS_DATASETS_DIR → the cache
 * folder), skipping every file that is already there with the right sha256. Each file goes to
 * `<file>.part` first — resumed with HTTP Range after a broken connection, here or in a later run —
 * and becomes `<file>` only once its size and sha256 match the manifest; a mismatched download is
 * deleted. Failures do not stop the other files; each is one line in `failures`.
 */
export async function fetchDatasets(options: FetchDatasetsOptions = {}): Promise<FetchSummary> {
  const datasets = selectDatasets(options.names ?? [], options.catalogue ?? DATASET_MANIFEST);
  if (options.mirror !== undefined) {
    const problem = mirrorProblem(options.mirror);
    if (problem !== null) throw new Error(`mirror: ${problem}`);
  }
  const emit = options.onEvent ?? (() => undefined);
  const dir = fetchTargetDir(options);
  const tasks: FileTask[] = [];
  let alreadyVerified = 0;
  for (const dataset of datasets) {
    for (const file of dataset.files) {
      const check = await checkFile(join(dir, dataset.folder), file);
      if (check.state === 'verified') {
        alreadyVerified++;
        continue;
      }
      const url = file.bundled ? `bundled:${dataset.folder}/${file.path}` : options.mirror !== undefined ? mirrorUrl(options.mirror, dataset.folder, file.path) : (file.url ?? '');
      tasks.push({ dataset, file, label: `${dataset.folder}/${file.path}`, url, localPath: check.localPath });
    }
  }
  emit({ type: 'plan', dir, files: tasks.length, bytes: tasks.reduce((sum, t) => sum + t.file.size, 0), alreadyVerified });

  const failures: FetchFailure[] = [];
  let receivedBytes = 0;
  const doneByFolder = new Map<string, number>();
  const queue = [...tasks];
  const worker = async () => {
    for (let task = queue.shift(); task !== undefined; task = queue.shift()) {
      try {
        const received = await fetchFile(task, options, emit);
        receivedBytes += received;
        doneByFolder.set(task.dataset.folder, (doneByFolder.get(task.dataset.folder) ?? 0) + 1);
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        failures.push({ file: task.label, url: task.url, message });
        emit({ type: 'failed', file: task.label, url: task.url, message });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(options.concurrency ?? 4, tasks.length)) }, worker));

  return {
    dir,
    datasets: datasets.map((d) => ({
      folder: d.folder,
      state: failures.some((f) => f.file.startsWith(`${d.folder}/`)) ? 'failed' : 'verified',
      dir: join(dir, d.folder),
      files: d.files.length,
      downloaded: doneByFolder.get(d.folder) ?? 0,
    })),
    downloadedFiles: [...doneByFolder.values()].reduce((a, b) => a + b, 0),
    receivedBytes,
    alreadyVerified,
    failures,
  };
}

/** Gets one file to `<file>.part`, checks it and renames it into place; returns the bytes received. */
async function fetchFile(task: FileTask, options: FetchDatasetsOptions, emit: (event: FetchEvent) => void): Promise<number> {
  const { file, label, url } = task;
  const part = `${task.localPath}.part`;
  const started = Date.now();
  await mkdir(dirname(part), { recursive: true });
  const fail = (what: string) => new Error(`${label}: ${what} (${url})`);

  if (file.bundled) {
    const text = (options.bundled ?? SOURCE_NOTES)[task.dataset.folder];
    if (text === undefined) throw fail('no bundled text for this file');
    await writeFile(part, text);
    emit({ type: 'bytes', file: label, bytes: Buffer.byteLength(text) }); // progress counts every planned byte
  }
  const retries = options.retries ?? 3;
  let received = 0;
  let resumedFrom = 0;
  let restarted = false;
  // A partial file left by an earlier run: if the result does not verify, it may be the stale part.
  const leftOver = !file.bundled && ((await sizeOf(part)) ?? 0) > 0;
  for (let attempt = 0; ; attempt++) {
    let have = (await sizeOf(part)) ?? 0;
    if (have > file.size) {
      await rm(part, { force: true });
      have = 0;
    }
    if (!file.bundled && have < file.size) {
      emit({ type: 'start', file: label, url, size: file.size, resumeFrom: have });
      try {
        const onBytes = (bytes: number) => {
          received += bytes;
          emit({ type: 'bytes', file: label, bytes });
        };
        const result = await downloadToPart(url, part, { idleTimeoutMs: options.idleTimeoutMs, onBytes });
        if (resumedFrom === 0) resumedFrom = result.resumedFrom;
      } catch (error) {
        if (!(error instanceof DownloadError)) throw error;
        if (error.restart) await rm(part, { force: true });
        if (error.retryable && attempt < retries) {
          emit({ type: 'retry', file: label, url, attempt: attempt + 1, reason: error.message });
          await sleep((attempt + 1) * (options.retryDelayMs ?? 1_000));
          continue;
        }
        const kept = (await sizeOf(part)) ?? 0;
        throw fail(`${error.message}${kept > 0 ? `; ${kept.toLocaleString('en-US')} bytes kept in ${part}, the next fetch resumes there` : ''}`);
      }
    }
    const size = (await sizeOf(part)) ?? 0;
    if (size < file.size && !file.bundled) {
      // The server ended the response early without saying so (no Content-Length): continue from here.
      if (attempt < retries) {
        emit({ type: 'retry', file: label, url, attempt: attempt + 1, reason: `the response ended at byte ${size} of ${file.size}` });
        continue;
      }
      throw fail(`the response ended at byte ${size.toLocaleString('en-US')} of ${file.size.toLocaleString('en-US')}; the partial file is kept, the next fetch resumes there`);
    }
    if (size > file.size) {
      await rm(part, { force: true });
      throw fail(`got ${size.toLocaleString('en-US')} bytes, expected ${file.size.toLocaleString('en-US')}; the download was discarded`);
    }
    const sha256 = await sha256File(part);
    if (sha256 !== file.sha256) {
      await rm(part, { force: true });
      // A stale partial file from an earlier run may be what is wrong: start over once.
      if ((resumedFrom > 0 || leftOver) && !restarted && !file.bundled) {
        restarted = true;
        resumedFrom = 0;
        emit({ type: 'retry', file: label, url, attempt: attempt + 1, reason: 'sha256 mismatch after resuming; starting over' });
        continue;
      }
      throw fail(`sha256 mismatch: got ${sha256}, expected ${file.sha256}; the download was discarded`);
    }
    await rename(part, task.localPath);
    emit({ type: 'done', file: label, size: file.size, received, resumedFrom, ms: Date.now() - started });
    return received;
  }
}
