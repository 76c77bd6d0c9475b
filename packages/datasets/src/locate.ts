import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

export const DATASETS_DIR_ENV = 'HS_DATASETS_DIR';

export interface LocateOptions {
  /** Explicit directory; wins over everything else. */
  datasetsDir?: string;
  env?: Record<string, string | undefined>;
  /** Where the upward search starts; default process.cwd(). */
  cwd?: string;
}

function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/**
 * The directory that holds the data set folders (pems-detector-5min-flow/, skab/, …):
 * explicit option → env HS_DATASETS_DIR → the first `shared/datasets` found walking up from
 * cwd, looking both inside each directory and beside it (the repo is cloned as a sibling of
 * shared/). Nothing is ever downloaded.
 */
export function resolveDatasetsDir(options: LocateOptions = {}): string {
  if (options.datasetsDir !== undefined) {
    const dir = resolve(options.datasetsDir);
    if (!isDir(dir)) throw new Error(`datasets directory ${dir} (given explicitly) does not exist or is not a directory`);
    return dir;
  }
  const fromEnv = (options.env ?? process.env)[DATASETS_DIR_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') {
    const dir = resolve(fromEnv);
    if (!isDir(dir)) throw new Error(`datasets directory ${dir} (from ${DATASETS_DIR_ENV}) does not exist or is not a directory`);
    return dir;
  }
  const start = resolve(options.cwd ?? process.cwd());
  const tried: string[] = [];
  for (let dir = start; ; dir = dirname(dir)) {
    for (const candidate of [join(dir, 'shared', 'datasets'), join(dir, '..', 'shared', 'datasets')]) {
      const path = resolve(candidate);
      if (isDir(path)) return path;
      tried.push(path);
    }
    if (dirname(dir) === dir) break;
  }
  throw new Error(
    `cannot find the datasets directory: set ${DATASETS_DIR_ENV} or pass it explicitly; looked for shared/datasets upward from ${start} (${tried.length} places, nearest ${tried[0] ?? start})`,
  );
}

/** The folder of one data set, with a clear error when it is absent. */
export function datasetFolder(folder: string, options: LocateOptions = {}): string {
  const dir = join(resolveDatasetsDir(options), folder);
  if (!isDir(dir)) throw new Error(`data set folder ${dir} does not exist; the datasets directory lacks "${folder}"`);
  return dir;
}
