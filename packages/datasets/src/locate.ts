import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { headstreamCacheDir } from '@headstream/core';

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

/** Where `headstream datasets fetch` puts data sets by default: the `datasets` folder of Headstream's cache. */
export function defaultDatasetsCacheDir(env: Record<string, string | undefined> = process.env): string {
  return join(headstreamCacheDir(env), 'datasets');
}

/** The directory the user named (explicit option, else HS_DATASETS_DIR), or undefined; it may not exist yet. */
function namedDatasetsDir(options: LocateOptions): { dir: string; how: string } | undefined {
  if (options.datasetsDir !== undefined) return { dir: resolve(options.datasetsDir), how: 'given explicitly' };
  const fromEnv = (options.env ?? process.env)[DATASETS_DIR_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return { dir: resolve(fromEnv), how: `from ${DATASETS_DIR_ENV}` };
  return undefined;
}

/** The first `shared/datasets` inside or beside a directory, walking up from cwd; `tried` collects the misses. */
function findSharedUpward(cwd: string | undefined, tried: string[] = []): string | undefined {
  for (let dir = resolve(cwd ?? process.cwd()); ; dir = dirname(dir)) {
    for (const candidate of [join(dir, 'shared', 'datasets'), join(dir, '..', 'shared', 'datasets')]) {
      const path = resolve(candidate);
      if (isDir(path)) return path;
      tried.push(path);
    }
    if (dirname(dir) === dir) return undefined;
  }
}

/**
 * The directories searched for data set folders, in order, whether or not they exist yet: the
 * explicit option or HS_DATASETS_DIR alone when given; otherwise the first `shared/datasets` found
 * walking up from cwd (if any), then the default cache folder.
 */
export function datasetsSearchPath(options: LocateOptions = {}): string[] {
  const named = namedDatasetsDir(options);
  if (named !== undefined) return [named.dir];
  const shared = findSharedUpward(options.cwd);
  return [...(shared === undefined ? [] : [shared]), defaultDatasetsCacheDir(options.env ?? process.env)];
}

/**
 * Every existing directory that may hold data set folders, in the order they are searched: the
 * explicit option or HS_DATASETS_DIR alone when given (an error if it is not a directory);
 * otherwise the first `shared/datasets` found walking up from cwd, then the default cache folder.
 */
export function datasetsDirCandidates(options: LocateOptions = {}): string[] {
  const named = namedDatasetsDir(options);
  if (named !== undefined) {
    if (!isDir(named.dir)) throw new Error(`datasets directory ${named.dir} (${named.how}) does not exist or is not a directory`);
    return [named.dir];
  }
  return datasetsSearchPath(options).filter(isDir);
}

/**
 * The directory that holds the data set folders (pems-detector-5min-flow/, skab/, …):
 * explicit option → env HS_DATASETS_DIR → the first `shared/datasets` found walking up from
 * cwd, looking both inside each directory and beside it (the repo is cloned as a sibling of
 * shared/) → the default cache folder that `headstream datasets fetch` fills.
 */
export function resolveDatasetsDir(options: LocateOptions = {}): string {
  const first = datasetsDirCandidates(options)[0];
  if (first !== undefined) return first;
  const start = resolve(options.cwd ?? process.cwd());
  const tried: string[] = [];
  findSharedUpward(start, tried);
  throw new Error(
    `cannot find the datasets directory: run \`headstream datasets fetch\` (fills ${defaultDatasetsCacheDir(options.env ?? process.env)}), set ${DATASETS_DIR_ENV} or pass it explicitly; looked for shared/datasets upward from ${start} (${tried.length} places, nearest ${tried[0] ?? start})`,
  );
}

/**
 * Where fetch writes: the explicit option → HS_DATASETS_DIR → the default cache folder. Never the
 * shared/datasets found upward (that one is a read-only local source).
 */
export function fetchTargetDir(options: LocateOptions = {}): string {
  return namedDatasetsDir(options)?.dir ?? defaultDatasetsCacheDir(options.env ?? process.env);
}

/**
 * The folder of one data set: the first candidate directory holding it (so a set fetched into the
 * cache is found even when a shared/datasets without it comes first), with a clear error when absent.
 */
export function datasetFolder(folder: string, options: LocateOptions = {}): string {
  const candidates = datasetsDirCandidates(options);
  for (const dir of candidates) if (isDir(join(dir, folder))) return join(dir, folder);
  const dir = join(resolveDatasetsDir(options), folder);
  throw new Error(`data set folder ${dir} does not exist; the datasets directory lacks "${folder}" (get it with \`headstream datasets fetch ${folder}\`)`);
}
