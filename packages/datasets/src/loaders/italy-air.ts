import { basename, join } from 'node:path';
import { numericCells } from '../csv-file.js';
import { csvSource, HOUR_MS, metricColumns, resolveInput, pickValues, type DatasetLoader, type MetricInfo } from '../loader.js';
import { newLoadStats } from '../records.js';
import { compileTimePattern, localTimeToEpoch } from '../zoned-time.js';

const SITE = 'italy-roadside';
/**
 * The file's clock runs 9,356 h from first to last row with no DST jump or repeat, so it
 * does not follow CET/CEST; it is read as Central European standard time all year.
 */
const ZONE = '+01:00';
const METRICS: readonly MetricInfo[] = [
  { name: 'co', column: 'CO_GT', unit: 'mg/m³' },
  { name: 'pt08_s1_co', column: 'PT08_S1_CO', unit: 'sensor response' },
  { name: 'nmhc', column: 'NMHC_GT', unit: 'µg/m³' },
  { name: 'benzene', column: 'C6H6_GT', unit: 'µg/m³' },
  { name: 'pt08_s2_nmhc', column: 'PT08_S2_NMHC', unit: 'sensor response' },
  { name: 'nox', column: 'NOx_GT', unit: 'ppb' },
  { name: 'pt08_s3_nox', column: 'PT08_S3_NOx', unit: 'sensor response' },
  { name: 'no2', column: 'NO2_GT', unit: 'µg/m³' },
  { name: 'pt08_s4_no2', column: 'PT08_S4_NO2', unit: 'sensor response' },
  { name: 'pt08_s5_o3', column: 'PT08_S5_O3', unit: 'sensor response' },
  { name: 'temperature', column: 'T', unit: '°C' },
  { name: 'humidity_rel', column: 'RH', unit: '%' },
  { name: 'humidity_abs', column: 'AH', unit: 'absolute humidity (unit not documented)' },
];
const dateTime = compileTimePattern('DD/MM/YYYY HH:mm:ss');

/** UCI Air Quality: hourly multisensor + reference analysers at an Italian roadside. */
export const italyAir: DatasetLoader = {
  name: 'italy-air',
  folder: 'air-quality-uci-italy',
  title: 'Air Quality (UCI, Italian city multisensor device)',
  domain: 'city',
  tasks: ['air_quality'],
  targets: { air_quality: 'no2' },
  sites: `1: ${SITE}`,
  metrics: METRICS,
  intervalMs: HOUR_MS,
  labels: [],
  time: 'Date (D/MM/YYYY) + Time (H:MM:SS) read as fixed UTC+01:00 (CET): the clock has no DST jumps',
  timeZone: ZONE,
  sources: (options = {}) => {
    const input = resolveInput(italyAir, options);
    const file = input.file ?? 'AirQualityUCI.csv';
    const stats = options.stats ?? newLoadStats();
    // -200 marks a missing value in every column.
    const parseCell = numericCells([''], [-200]);
    return Promise.resolve([
      csvSource({
        id: `${basename(input.dir)}/${file}`,
        path: join(input.dir, file),
        stats,
        prepare(header) {
          const dateIndex = header.index('Date');
          const timeIndex = header.index('Time');
          const columns = metricColumns(header, METRICS);
          return (cells, where) => {
            const text = `${cells[dateIndex] ?? ''} ${cells[timeIndex] ?? ''}`;
            const local = dateTime.parse(text);
            if (local === null) throw new Error(`${where}: cannot parse Date Time ${JSON.stringify(text)} as D/MM/YYYY H:MM:SS`);
            return [{ domain: 'city', site: SITE, time: localTimeToEpoch(local, ZONE), values: pickValues(cells, columns, parseCell, where, stats) }];
          };
        },
      }),
    ]);
  },
};
