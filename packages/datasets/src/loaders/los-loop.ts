import { basename, join } from 'node:path';
import { countLines, numericCells, readCsvRows } from '../csv-file.js';
import { admitRecords, MINUTE_MS, resolveInput, type DatasetLoader, type RecordDraft } from '../loader.js';
import { newLoadStats, type DatasetSource } from '../records.js';
import { sanitizeName } from '../names.js';

const INTERVAL_MS = 5 * MINUTE_MS;
/** 2012-03-01 00:00 Los Angeles (PST, UTC−8): the documented first step; no DST until 11 March. */
export const LOS_LOOP_START_MS = Date.UTC(2012, 2, 1, 8, 0, 0);

/** Los-loop (METR-LA subset): 207 sensors × 2,016 five-minute speeds, no time column. */
export const losLoop: DatasetLoader = {
  name: 'los-loop',
  folder: 'los-loop-metr-la-speed',
  title: 'Los-loop (METR-LA subset used by T-GCN) speeds',
  domain: 'city',
  tasks: ['traffic'],
  targets: { traffic: 'speed' },
  sites: '207: los-<sensor id> from the header row (e.g. los-773869)',
  metrics: [{ name: 'speed', column: '<sensor id> (one column per sensor)', unit: 'mph' }],
  intervalMs: INTERVAL_MS,
  labels: [],
  time: 'synthetic, documented: row i (0-based) at 2012-03-01T00:00 America/Los_Angeles (08:00Z) + i × 5 min',
  sources: (options = {}) => {
    const input = resolveInput(losLoop, options);
    const stats = options.stats ?? newLoadStats();
    const file = input.file ?? 'los_speed.csv';
    const id = `${basename(input.dir)}/${file}`;
    const path = join(input.dir, file);
    const parseCell = numericCells(['']);
    async function* rows(): AsyncGenerator<{ where: string; drafts: RecordDraft[] }> {
      let sites: string[] | undefined;
      let step = 0;
      for await (const row of readCsvRows(path)) {
        if (sites === undefined) {
          sites = row.cells.map((c) => `los-${sanitizeName(c)}`);
          continue;
        }
        const where = `${id}:${row.line}`;
        const time = LOS_LOOP_START_MS + step * INTERVAL_MS;
        step++;
        const drafts: RecordDraft[] = [];
        sites.forEach((site, i) => {
          const value = parseCell(row.cells[i] ?? '', site, where);
          if (value === null) stats.missingValues++;
          drafts.push({ domain: 'city', site, time, values: value === null ? {} : { speed: value } });
        });
        yield { where, drafts };
      }
      if (sites === undefined) throw new Error(`${id}: empty file (no header row)`);
    }
    const source: DatasetSource = {
      id,
      path,
      records: () => admitRecords(id, stats, rows()),
      estimateRecords: async () => Math.max(0, (await countLines(path)) - 1) * 207,
    };
    return Promise.resolve([source]);
  },
};
