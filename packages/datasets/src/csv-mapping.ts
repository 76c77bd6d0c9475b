import { readFile } from 'node:fs/promises';
import { nameProblem } from '@headstream/core';
import { sanitizeName } from './names.js';
import { compileTimePattern, timeZoneProblem } from './zoned-time.js';

/**
 * How a user's CSV maps onto records. JSON form (a mapping file) — see README:
 * {
 *   "domain": "city",
 *   "site": {"column": "station"}            or {"value": "my-site"},
 *   "time": {"column": "ts", "format": "iso", "timezone": "Europe/Rome"},
 *   "metrics": {"PM2.5": "pm25", "NO2": "no2"}  or ["PM2.5", "NO2"] (names sanitised),
 *   "labels": {"fault": "fault"}               (optional; numbers or class names),
 *   "delimiter": ",", "missing": ["", "NA", "-200"]
 * }
 * time.column may be a list of columns, joined with one space before parsing.
 * time.format: "iso" (default), "epoch_ms", "epoch_s", or a pattern of YYYY MM DD HH mm ss SSS.
 * time.timezone: for times without an offset; "UTC" (default), "+01:00", or an IANA name.
 */
export interface CsvMapping {
  domain: string;
  site: { column: string } | { value: string };
  time: { column: string | string[]; format?: string; timezone?: string };
  metrics: Record<string, string> | string[];
  labels?: Record<string, string> | string[];
  delimiter?: string;
  missing?: string[];
}

export interface ColumnName {
  column: string;
  name: string;
}

export type TimeFormat = { kind: 'iso' } | { kind: 'epoch_ms' } | { kind: 'epoch_s' } | { kind: 'pattern'; pattern: string };

/** A validated mapping with defaults applied. */
export interface ResolvedCsvMapping {
  domain: string;
  site: { column: string } | { value: string };
  time: { columns: string[]; format: TimeFormat; timezone: string };
  metrics: ColumnName[];
  labels: ColumnName[];
  delimiter: string;
  missing: string[];
}

export const DEFAULT_MISSING = ['', 'NA', 'NaN', 'nan', 'null', 'NULL'];

export class CsvMappingError extends Error {
  override name = 'CsvMappingError';
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`${source}: invalid CSV mapping:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

const KEYS = new Set(['domain', 'site', 'time', 'metrics', 'labels', 'delimiter', 'missing']);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function columnNames(value: unknown, field: string, problems: string[], required: boolean): ColumnName[] {
  if (value === undefined) {
    if (required) problems.push(`${field} is required: an object {"column": "metric name"} or a list of columns`);
    return [];
  }
  let pairs: [string, unknown][];
  if (Array.isArray(value)) {
    pairs = value.map((c) => [typeof c === 'string' ? c : '', typeof c === 'string' ? safeSanitize(c) : undefined]);
    if (value.some((c) => typeof c !== 'string' || c === '')) problems.push(`${field} must list non-empty column names`);
  } else if (isObject(value)) {
    pairs = Object.entries(value);
  } else {
    problems.push(`${field} must be an object {"column": "name"} or a list of columns, got ${typeof value}`);
    return [];
  }
  if (required && pairs.length === 0) problems.push(`${field} is empty; map at least one column`);
  const out: ColumnName[] = [];
  const seen = new Set<string>();
  for (const [column, name] of pairs) {
    const problem = nameProblem(name);
    if (problem) {
      problems.push(`${field}: name for column ${JSON.stringify(column)} ${problem}`);
      continue;
    }
    if (seen.has(name as string)) problems.push(`${field}: name ${JSON.stringify(name)} is used twice`);
    seen.add(name as string);
    if (column !== '') out.push({ column, name: name as string });
  }
  return out;
}

function safeSanitize(column: string): string | undefined {
  try {
    return sanitizeName(column);
  } catch {
    return undefined;
  }
}

function timeFormat(value: unknown, problems: string[]): TimeFormat {
  if (value === undefined || value === 'iso') return { kind: 'iso' };
  if (value === 'epoch_ms' || value === 'epoch_s') return { kind: value };
  if (typeof value === 'string') {
    try {
      compileTimePattern(value);
      return { kind: 'pattern', pattern: value };
    } catch (error) {
      problems.push(`time.format: ${(error as Error).message}; or use "iso", "epoch_ms", "epoch_s"`);
      return { kind: 'iso' };
    }
  }
  problems.push(`time.format must be "iso", "epoch_ms", "epoch_s" or a pattern like "DD/MM/YYYY HH:mm", got ${typeof value}`);
  return { kind: 'iso' };
}

/** Validates a mapping object (from JSON or flags); one message per problem. */
export function resolveCsvMapping(input: unknown, source = 'mapping'): ResolvedCsvMapping {
  const problems: string[] = [];
  if (!isObject(input)) throw new CsvMappingError(source, [`expected a JSON object, got ${Array.isArray(input) ? 'an array' : typeof input}`]);
  for (const key of Object.keys(input)) {
    if (!KEYS.has(key)) problems.push(`unknown key ${JSON.stringify(key)} (known: ${[...KEYS].join(', ')})`);
  }

  const domainProblem = nameProblem(input.domain);
  if (domainProblem) problems.push(`domain ${input.domain === undefined ? 'is required (e.g. "city" or "factory")' : domainProblem}`);

  let site: ResolvedCsvMapping['site'] = { value: 'site' };
  const s = input.site;
  if (isObject(s) && typeof s.column === 'string' && s.column !== '' && s.value === undefined) site = { column: s.column };
  else if (isObject(s) && typeof s.value === 'string' && s.column === undefined) {
    const problem = nameProblem(s.value);
    if (problem) problems.push(`site.value ${problem}`);
    site = { value: s.value };
  } else problems.push('site must be {"column": "<column>"} or {"value": "<site name>"}');

  const t = input.time;
  let time: ResolvedCsvMapping['time'] = { columns: [], format: { kind: 'iso' }, timezone: 'UTC' };
  if (!isObject(t)) problems.push('time is required: {"column": "<column>", "format"?: "iso", "timezone"?: "UTC"}');
  else {
    const columns = typeof t.column === 'string' ? [t.column] : Array.isArray(t.column) ? t.column : [];
    if (columns.length === 0 || columns.some((c) => typeof c !== 'string' || c === '')) {
      problems.push('time.column must be a column name or a non-empty list of column names');
    }
    const zone = t.timezone ?? 'UTC';
    const zoneProblem = timeZoneProblem(zone);
    if (zoneProblem) problems.push(`time.timezone: ${zoneProblem}`);
    for (const key of Object.keys(t)) if (!['column', 'format', 'timezone'].includes(key)) problems.push(`time: unknown key ${JSON.stringify(key)}`);
    time = { columns: columns.filter((c): c is string => typeof c === 'string'), format: timeFormat(t.format, problems), timezone: typeof zone === 'string' ? zone : 'UTC' };
  }

  const metrics = columnNames(input.metrics, 'metrics', problems, true);
  const labels = columnNames(input.labels, 'labels', problems, false);

  const delimiter = input.delimiter ?? ',';
  if (typeof delimiter !== 'string' || delimiter.length !== 1) problems.push(`delimiter must be one character, got ${JSON.stringify(delimiter)}`);
  const missing = input.missing ?? DEFAULT_MISSING;
  if (!Array.isArray(missing) || missing.some((m) => typeof m !== 'string')) problems.push('missing must be a list of strings, e.g. ["", "NA", "-200"]');

  if (problems.length > 0) throw new CsvMappingError(source, problems);
  return { domain: input.domain as string, site, time, metrics, labels, delimiter: delimiter as string, missing: missing as string[] };
}

/** Reads and validates a JSON mapping file. */
export async function loadCsvMappingFile(path: string): Promise<ResolvedCsvMapping> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new CsvMappingError(path, [`cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`]);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new CsvMappingError(path, [`not JSON: ${(error as Error).message}`]);
  }
  return resolveCsvMapping(doc, path);
}

/** CLI flags of `--format csv`; strings as typed by the user. */
export interface CsvMappingFlags {
  domain?: string;
  /** A fixed site name. */
  site?: string;
  siteColumn?: string;
  /** One column, or several separated by commas (joined with a space). */
  timeColumn?: string;
  timeFormat?: string;
  timezone?: string;
  /** "colA,colB=name": a bare column gets its sanitised name. */
  metrics?: string;
  labels?: string;
  delimiter?: string;
  /** Comma-separated markers; "" is always included. */
  missing?: string;
}

/** "a,b=name" → {a: sanitised a, b: name}. */
export function parseColumnList(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of text.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const eq = item.lastIndexOf('=');
    const column = eq < 0 ? item : item.slice(0, eq).trim();
    out[column] = eq < 0 ? (safeSanitize(column) ?? column) : item.slice(eq + 1).trim();
  }
  return out;
}

/** Builds and validates a mapping from CLI flags. */
export function csvMappingFromFlags(flags: CsvMappingFlags): ResolvedCsvMapping {
  const mapping: Record<string, unknown> = {
    domain: flags.domain,
    site: flags.siteColumn !== undefined ? { column: flags.siteColumn } : flags.site !== undefined ? { value: flags.site } : undefined,
    time: flags.timeColumn === undefined ? undefined : {
      column: flags.timeColumn.includes(',') ? flags.timeColumn.split(',').map((s) => s.trim()) : flags.timeColumn,
      ...(flags.timeFormat !== undefined ? { format: flags.timeFormat } : {}),
      ...(flags.timezone !== undefined ? { timezone: flags.timezone } : {}),
    },
    metrics: flags.metrics === undefined ? undefined : parseColumnList(flags.metrics),
  };
  if (flags.labels !== undefined) mapping.labels = parseColumnList(flags.labels);
  if (flags.delimiter !== undefined) mapping.delimiter = flags.delimiter === '\\t' ? '\t' : flags.delimiter;
  if (flags.missing !== undefined) mapping.missing = ['', ...flags.missing.split(',').map((s) => s.trim()).filter((s) => s !== '')];
  return resolveCsvMapping(mapping, 'flags');
}
