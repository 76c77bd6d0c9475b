import { statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import type { TaskName } from '@headstream/tasks';
import { countLines, makeHeader, readCsvRows, type CellParser, type CsvHeader } from './csv-file.js';
import { datasetFolder, type LocateOptions } from './locate.js';
import { newLoadStats, SiteOrderGuard, type DataRecord, type DatasetSource, type LoadStats } from './records.js';

export interface MetricInfo {
  /** Headstream metric name. */
  name: string;
  /** Where it comes from in the files. */
  column: string;
  unit: string;
}

export interface LabelInfo {
  name: string;
  /** number: a numeric label; class: a name from a fixed set (see `values`); text: free text. */
  kind: 'number' | 'class' | 'text';
  description: string;
  values?: readonly string[];
}

/** What a data set is, for the CLI, the README table and the trainer. */
export interface LoaderInfo {
  /** CLI name, e.g. "beijing-air". */
  name: string;
  /** Folder under the datasets directory. */
  folder: string;
  title: string;
  domain: 'city' | 'factory';
  tasks: readonly TaskName[];
  /** The metric that is each task's target in this data set. */
  targets: Partial<Record<TaskName, string>>;
  /** Which sites it yields and how they are named. */
  sites: string;
  metrics: readonly MetricInfo[];
  intervalMs: number;
  labels: readonly LabelInfo[];
  /** How file times become instants (zone, or the synthetic axis). */
  time: string;
  /** The sites' local time zone (calendar features read local hours); absent where the time axis is synthetic. */
  timeZone?: string;
}

export interface LoadOptions extends LocateOptions {
  /** Counters to fill while reading; create with newLoadStats(). */
  stats?: LoadStats;
  /**
   * A file or folder in this loader's format to read instead of the data set's folder
   * (e.g. a hold-out file: `--format skab holdout/.../valve1/15.csv`).
   */
  path?: string;
}

/** Where a loader reads: its folder, or the file / folder the caller named. */
export interface LoaderInput {
  dir: string;
  /** Set when the caller named one file. */
  file?: string;
}

export function resolveInput(loader: Pick<LoaderInfo, 'name' | 'folder'>, options: LoadOptions): LoaderInput {
  if (options.path === undefined) return { dir: datasetFolder(loader.folder, options) };
  const path = resolve(options.path);
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw new Error(`${loader.name}: ${path} does not exist`);
  }
  return isDir ? { dir: path } : { dir: dirname(path), file: basename(path) };
}

/** The files to read: the one named, or those in the folder matching `pattern`. */
export async function inputFiles(loader: Pick<LoaderInfo, 'name'>, input: LoaderInput, pattern: RegExp, expected: string): Promise<string[]> {
  if (input.file !== undefined) return [input.file];
  const files = (await readdir(input.dir)).filter((f) => pattern.test(f)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  if (files.length === 0) throw new Error(`${loader.name}: ${input.dir} holds no ${expected}`);
  return files;
}

export interface DatasetLoader extends LoaderInfo {
  /** The data set's time-ordered sources (files); resolves the folder, reads no data yet. */
  sources: (options?: LoadOptions) => Promise<DatasetSource[]>;
}

/** What a row mapper returns: a record, with time null when the local time does not exist. */
export interface RecordDraft extends Omit<DataRecord, 'time'> {
  time: number | null;
}

export interface MetricColumn {
  index: number;
  column: string;
  metric: string;
}

/** Metric columns by header name; throws naming an absent column and the available ones. */
export function metricColumns(header: CsvHeader, mapping: readonly MetricInfo[]): MetricColumn[] {
  return mapping.map((m) => ({ index: header.index(m.column), column: m.column, metric: m.name }));
}

/** The numeric values of a row; missing-value cells are left out and counted. */
export function pickValues(cells: readonly string[], columns: readonly MetricColumn[], parseCell: CellParser, where: string, stats: LoadStats): Record<string, number> {
  const values: Record<string, number> = {};
  for (const c of columns) {
    const value = parseCell(cells[c.index] ?? '', c.column, where);
    if (value === null) stats.missingValues++;
    else values[c.metric] = value;
  }
  return values;
}

/**
 * Applies the rules every loader shares to drafts: skip (and count) records in a DST gap or
 * with no values, drop duplicate (site, time) keeping the first, enforce time order.
 */
export async function* admitRecords(
  sourceId: string,
  stats: LoadStats,
  rows: AsyncIterable<{ where: string; drafts: Iterable<RecordDraft> }>,
): AsyncGenerator<DataRecord> {
  const guard = new SiteOrderGuard(sourceId, stats);
  for await (const row of rows) {
    stats.rows++;
    for (const draft of row.drafts) {
      if (draft.time === null) {
        stats.invalidTimesSkipped++;
        continue;
      }
      if (Object.keys(draft.values).length === 0) {
        stats.emptyRecordsSkipped++;
        continue;
      }
      if (!guard.accept(draft.site, draft.time, row.where)) continue;
      stats.records++;
      yield draft as DataRecord;
    }
  }
}

export interface CsvSourceSpec {
  /** Short id used in errors, e.g. "skab/valve1/3.csv". */
  id: string;
  path: string;
  delimiter?: string;
  stats?: LoadStats;
  /** Records per data row (for the estimate). */
  recordsPerRow?: number;
  /** Called once with the header; returns the row mapper. */
  prepare(header: CsvHeader): (cells: string[], where: string) => Iterable<RecordDraft>;
}

/** A source over one CSV file with a header row. */
export function csvSource(spec: CsvSourceSpec): DatasetSource {
  const stats = spec.stats ?? newLoadStats();
  async function* rows(): AsyncGenerator<{ where: string; drafts: Iterable<RecordDraft> }> {
    let mapRow: ((cells: string[], where: string) => Iterable<RecordDraft>) | undefined;
    for await (const row of readCsvRows(spec.path, { delimiter: spec.delimiter })) {
      if (mapRow === undefined) {
        mapRow = spec.prepare(makeHeader(spec.id, row.cells.map((c) => c.trim())));
        continue;
      }
      const where = `${spec.id}:${row.line}`;
      yield { where, drafts: mapRow(row.cells, where) };
    }
    if (mapRow === undefined) throw new Error(`${spec.id}: empty file (no header row)`);
  }
  return {
    id: spec.id,
    path: spec.path,
    records: () => admitRecords(spec.id, stats, rows()),
    estimateRecords: async () => Math.max(0, (await countLines(spec.path)) - 1) * (spec.recordsPerRow ?? 1),
  };
}

export const MINUTE_MS = 60_000;
export const HOUR_MS = 60 * MINUTE_MS;
