import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { nameProblem, parseTimestamp } from '@headstream/core';
import { makeHeader, numericCells, readCsvRows } from './csv-file.js';
import { resolveCsvMapping, type CsvMapping, type ResolvedCsvMapping } from './csv-mapping.js';
import { admitRecords, type RecordDraft } from './loader.js';
import { sanitizeName } from './names.js';
import { asyncIterableOf, newLoadStats, type DataRecord, type DatasetSource, type LoadStats } from './records.js';
import { compileTimePattern, localDateTimeProblem, localTimeToEpoch, type LocalDateTime } from './zoned-time.js';

const ZONELESS_ISO = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3})\d*)?)?)?$/;

type TimeParser = (text: string) => number | null | 'gap';

function timeParser(mapping: ResolvedCsvMapping): { parse: TimeParser; expected: string } {
  const { format, timezone } = mapping.time;
  const local = (t: LocalDateTime | null): number | null | 'gap' => {
    if (t === null) return null;
    return localTimeToEpoch(t, timezone) ?? 'gap';
  };
  switch (format.kind) {
    case 'epoch_ms':
    case 'epoch_s': {
      const scale = format.kind === 'epoch_s' ? 1000 : 1;
      return {
        expected: format.kind,
        parse: (text) => {
          const n = Number(text.trim());
          return text.trim() !== '' && Number.isFinite(n) ? Math.round(n * scale) : null;
        },
      };
    }
    case 'pattern': {
      const pattern = compileTimePattern(format.pattern);
      return { expected: `${format.pattern} (${timezone})`, parse: (text) => local(pattern.parse(text)) };
    }
    case 'iso':
      return {
        expected: `ISO-8601 (zone-less times read in ${timezone})`,
        parse: (text) => {
          const withZone = parseTimestamp(text.trim());
          if (withZone.ok) return withZone.ms;
          const m = ZONELESS_ISO.exec(text.trim());
          if (!m) return null;
          const t: LocalDateTime = {
            year: Number(m[1]), month: Number(m[2]), day: Number(m[3]),
            hour: Number(m[4] ?? 0), minute: Number(m[5] ?? 0), second: Number(m[6] ?? 0),
            millisecond: Number((m[7] ?? '0').padEnd(3, '0')),
          };
          return localDateTimeProblem(t) === null ? local(t) : null;
        },
      };
  }
}

function siteName(raw: string): string {
  const trimmed = raw.trim();
  return nameProblem(trimmed) === null ? trimmed : sanitizeName(trimmed);
}

/**
 * Opens a user's CSV file with a mapping. The file is read and checked completely before
 * this resolves — so a bad row fails before anything is published — then its records are
 * sorted by time (stable; files are often grouped by site) and deduplicated per
 * (site, time), keeping the first row. Holds the records in memory.
 */
export async function openCsvFile(path: string, mapping: CsvMapping | ResolvedCsvMapping, options: { stats?: LoadStats } = {}): Promise<DatasetSource> {
  const m: ResolvedCsvMapping = 'columns' in (mapping.time as object) ? (mapping as ResolvedCsvMapping) : resolveCsvMapping(mapping);
  const file = basename(path);
  const stats = options.stats ?? newLoadStats();
  let size: number;
  try {
    size = (await stat(path)).size;
  } catch (error) {
    throw new Error(`${path}: cannot read: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  if (size === 0) throw new Error(`${file}: empty file (no header row, no data)`);

  const parseCell = numericCells(m.missing);
  const missing = new Set(m.missing);
  const time = timeParser(m);
  const drafts: { where: string; draft: RecordDraft; order: number }[] = [];
  let header: ReturnType<typeof makeHeader> | undefined;
  let indexes: { time: number[]; site: number; metrics: number[]; labels: number[] } | undefined;

  for await (const row of readCsvRows(path, { delimiter: m.delimiter })) {
    if (header === undefined || indexes === undefined) {
      header = makeHeader(file, row.cells.map((c) => c.trim()));
      const h = header;
      indexes = {
        time: m.time.columns.map((c) => h.index(c)),
        site: 'column' in m.site ? h.index(m.site.column) : -1,
        metrics: m.metrics.map((c) => h.index(c.column)),
        labels: m.labels.map((c) => h.index(c.column)),
      };
      continue;
    }
    const where = `${file}:${row.line}`;
    const cells = row.cells;
    const timeText = indexes.time.map((i) => cells[i] ?? '').join(' ');
    const ms = time.parse(timeText);
    if (ms === null) {
      throw new Error(`${where}: cannot parse time ${JSON.stringify(timeText.slice(0, 60))} in column ${m.time.columns.map((c) => JSON.stringify(c)).join(' + ')} as ${time.expected}`);
    }
    let site: string;
    if ('value' in m.site) site = m.site.value;
    else {
      const raw = cells[indexes.site] ?? '';
      if (raw.trim() === '') throw new Error(`${where}: site column ${JSON.stringify(m.site.column)} is empty`);
      site = siteName(raw);
    }
    const values: Record<string, number> = {};
    m.metrics.forEach((c, k) => {
      const value = parseCell(cells[indexes?.metrics[k] ?? -1] ?? '', c.column, where);
      if (value === null) stats.missingValues++;
      else values[c.name] = value;
    });
    const draft: RecordDraft = { domain: m.domain, site, time: ms === 'gap' ? null : ms, values };
    if (m.labels.length > 0) {
      const labels: Record<string, number | string> = {};
      m.labels.forEach((c, k) => {
        const text = (cells[indexes?.labels[k] ?? -1] ?? '').trim();
        if (missing.has(text)) return;
        const n = Number(text);
        labels[c.name] = Number.isFinite(n) ? n : text;
      });
      if (Object.keys(labels).length > 0) draft.labels = labels;
    }
    drafts.push({ where, draft, order: drafts.length });
  }
  if (header === undefined) throw new Error(`${file}: empty file (no header row)`);
  if (drafts.length === 0) throw new Error(`${file}: no data rows after the header`);

  drafts.sort((a, b) => (a.draft.time ?? 0) - (b.draft.time ?? 0) || a.order - b.order);
  const records: DataRecord[] = [];
  const id = file;
  const rows = asyncIterableOf(drafts.map((d) => ({ where: d.where, drafts: [d.draft] })));
  for await (const record of admitRecords(id, stats, rows)) records.push(record);

  return {
    id,
    path,
    records: () => asyncIterableOf(records),
    estimateRecords: () => Promise.resolve(records.length),
  };
}
