import { basename, join } from 'node:path';
import { numericCells } from '../csv-file.js';
import { csvSource, inputFiles, metricColumns, resolveInput, MINUTE_MS, pickValues, type DatasetLoader, type MetricInfo } from '../loader.js';
import { newLoadStats } from '../records.js';
import { compileTimePattern, localTimeToEpoch } from '../zoned-time.js';

const SITE = 'pems-detector';
const ZONE = 'America/Los_Angeles';
const TIME_COLUMN = '5 Minutes';
const METRICS: readonly MetricInfo[] = [
  { name: 'flow', column: 'Lane 1 Flow (Veh/5 Minutes)', unit: 'veh/5min' },
  { name: 'observed_pct', column: '% Observed', unit: '%' },
];
const dayFirst = compileTimePattern('DD/MM/YYYY HH:mm');

/** PeMS single detector, train split: 27 weekdays × 288 five-minute flows. */
export const pemsDetector: DatasetLoader = {
  name: 'pems-detector',
  folder: 'pems-detector-5min-flow',
  title: 'PeMS single-detector 5-min flow (train split)',
  domain: 'city',
  tasks: ['traffic'],
  targets: { traffic: 'flow' },
  sites: `1: ${SITE} (the detector id is not documented)`,
  metrics: METRICS,
  intervalMs: 5 * MINUTE_MS,
  labels: [],
  time: `"5 Minutes" is day-first DD/MM/YYYY H:MM, California local time (${ZONE}; Jan–Feb 2016 is all PST, UTC−8)`,
  timeZone: ZONE,
  sources: async (options = {}) => {
    const input = resolveInput(pemsDetector, options);
    const stats = options.stats ?? newLoadStats();
    const parseCell = numericCells([''], []);
    const files = await inputFiles(pemsDetector, input, /\.csv$/, 'CSV files (train.csv)');
    return files.map((file) =>
      csvSource({
        id: `${basename(input.dir)}/${file}`,
        path: join(input.dir, file),
        stats,
        prepare(header) {
          const timeIndex = header.index(TIME_COLUMN);
          const columns = metricColumns(header, METRICS);
          return (cells, where) => {
            const text = cells[timeIndex] ?? '';
            const local = dayFirst.parse(text);
            if (local === null) throw new Error(`${where}: cannot parse time ${JSON.stringify(text)} as DD/MM/YYYY H:MM`);
            return [{ domain: 'city', site: SITE, time: localTimeToEpoch(local, ZONE), values: pickValues(cells, columns, parseCell, where, stats) }];
          };
        },
      }),
    );
  },
};
