import { existsSync } from 'node:fs';
import type { CsvMapping, ResolvedCsvMapping } from './csv-mapping.js';
import { openCsvFile } from './generic-csv.js';
import type { DatasetLoader, LoadOptions } from './loader.js';
import { newLoadStats, type DatasetSource, type LoadStats } from './records.js';
import { getLoader, isLoaderName, LOADER_NAMES } from './registry.js';

export interface OpenSourcesOptions extends Omit<LoadOptions, 'path'> {
  /** A loader name to read `target` (a file or folder) in that data set's format, or "csv" for the generic loader. */
  format?: string;
  /** Column mapping for a user's CSV file. */
  mapping?: CsvMapping | ResolvedCsvMapping;
}

export interface OpenedSources {
  sources: DatasetSource[];
  /** The built-in loader used, if any (for its metadata). */
  loader?: DatasetLoader;
  stats: LoadStats;
}

/**
 * What `replay <dataset-name | file.csv> [--format F] [--mapping M]` reads:
 * a data set by name; a file or folder in a named loader's format (hold-out files);
 * or a user's CSV with a column mapping.
 */
export async function openSources(target: string, options: OpenSourcesOptions = {}): Promise<OpenedSources> {
  const stats = options.stats ?? newLoadStats();
  const { format, mapping, ...rest } = options;
  const load: LoadOptions = { ...rest, stats };
  if (format === 'csv' || (format === undefined && mapping !== undefined)) {
    if (mapping === undefined) throw new Error(`${target}: --format csv needs a column mapping (a mapping file or column flags)`);
    return { sources: [await openCsvFile(target, mapping, { stats })], stats };
  }
  if (format !== undefined) {
    const loader = getLoader(format);
    return { sources: await loader.sources({ ...load, path: target }), loader, stats };
  }
  if (isLoaderName(target)) {
    const loader = getLoader(target);
    return { sources: await loader.sources(load), loader, stats };
  }
  if (existsSync(target)) {
    throw new Error(`${target}: say how to read it: --format <${LOADER_NAMES.join('|')}> for a file in a known data set's format, or a column mapping for your own CSV`);
  }
  throw new Error(`unknown data set ${JSON.stringify(target)}; valid names: ${LOADER_NAMES.join(', ')}; or give the path of a CSV file`);
}

/** Sum of the sources' record estimates (for progress totals). */
export async function estimateTotal(sources: readonly DatasetSource[]): Promise<number> {
  const counts = await Promise.all(sources.map((s) => s.estimateRecords()));
  return counts.reduce((a, b) => a + b, 0);
}
