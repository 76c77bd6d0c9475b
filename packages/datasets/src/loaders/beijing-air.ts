import { basename, join } from 'node:path';
import { numericCells } from '../csv-file.js';
import { csvSource, HOUR_MS, inputFiles, metricColumns, resolveInput, pickValues, type DatasetLoader, type MetricInfo } from '../loader.js';
import { sanitizeName } from '../names.js';
import { newLoadStats } from '../records.js';
import { localDateTimeProblem, localTimeToEpoch } from '../zoned-time.js';

/** China Standard Time; China has no DST since 1991. */
const ZONE = '+08:00';
const FILE_PATTERN = /^PRSA_Data_(.+)_20130301-20170228\.csv$/;
const METRICS: readonly MetricInfo[] = [
  { name: 'pm25', column: 'PM2.5', unit: 'µg/m³' },
  { name: 'pm10', column: 'PM10', unit: 'µg/m³' },
  { name: 'so2', column: 'SO2', unit: 'µg/m³' },
  { name: 'no2', column: 'NO2', unit: 'µg/m³' },
  { name: 'co', column: 'CO', unit: 'µg/m³' },
  { name: 'o3', column: 'O3', unit: 'µg/m³' },
  { name: 'temperature', column: 'TEMP', unit: '°C' },
  { name: 'pressure', column: 'PRES', unit: 'hPa' },
  { name: 'dew_point', column: 'DEWP', unit: '°C' },
  { name: 'rain', column: 'RAIN', unit: 'mm' },
  { name: 'wind_speed', column: 'WSPM', unit: 'm/s' },
];
const WIND_DIR_METRIC: MetricInfo = { name: 'wind_dir_deg', column: 'wd', unit: '° (16-point compass: N=0, NNE=22.5, …)' };
/** 16-point compass rose, clockwise from north, 22.5° apart. */
const COMPASS = ['N', 'NNE', 'NE', 'ENE', 'E', 'ESE', 'SE', 'SSE', 'S', 'SSW', 'SW', 'WSW', 'W', 'WNW', 'NW', 'NNW'];

export function compassToDegrees(point: string): number | null {
  const i = COMPASS.indexOf(point);
  return i < 0 ? null : i * 22.5;
}

/** Beijing Multi-Site Air Quality: hourly pollutants + weather, one file per station. */
export const beijingAir: DatasetLoader = {
  name: 'beijing-air',
  folder: 'beijing-multisite-air-quality',
  title: 'Beijing Multi-Site Air Quality (UCI 501)',
  domain: 'city',
  tasks: ['air_quality'],
  targets: { air_quality: 'pm25' },
  sites: 'one per station file: beijing-<station> (11 in shared, e.g. beijing-aotizhongxin; Dongsi is held out)',
  metrics: [...METRICS, WIND_DIR_METRIC],
  intervalMs: HOUR_MS,
  labels: [],
  time: 'year, month, day, hour in China Standard Time (fixed UTC+08:00)',
  timeZone: ZONE,
  sources: async (options = {}) => {
    const input = resolveInput(beijingAir, options);
    const stats = options.stats ?? newLoadStats();
    const parseCell = numericCells(['NA', '']);
    const files = (await inputFiles(beijingAir, input, FILE_PATTERN, 'PRSA_Data_<Station>_20130301-20170228.csv files')).sort();
    return files.map((file) => {
      // The station comes from the file name; a renamed file keeps its base name as station.
      const site = `beijing-${sanitizeName(FILE_PATTERN.exec(file)?.[1] ?? file.replace(/\.csv$/, ''))}`;
      return csvSource({
        id: `${basename(input.dir)}/${file}`,
        path: join(input.dir, file),
        stats,
        prepare(header) {
          const [y, mo, d, h] = ['year', 'month', 'day', 'hour'].map((c) => header.index(c)) as [number, number, number, number];
          const wd = header.index('wd');
          const columns = metricColumns(header, METRICS);
          return (cells, where) => {
            const field = (i: number) => Number(cells[i]);
            const local = { year: field(y), month: field(mo), day: field(d), hour: field(h), minute: 0, second: 0, millisecond: 0 };
            const problem = localDateTimeProblem(local);
            if (problem) throw new Error(`${where}: year/month/day/hour ${[y, mo, d, h].map((i) => cells[i]).join('/')} ${problem}`);
            const values = pickValues(cells, columns, parseCell, where, stats);
            const dir = (cells[wd] ?? '').trim();
            const degrees = compassToDegrees(dir);
            if (degrees !== null) values.wind_dir_deg = degrees;
            else if (dir === 'NA' || dir === '') stats.missingValues++;
            else throw new Error(`${where}: wd ${JSON.stringify(dir)} is not a 16-point compass direction`);
            return [{ domain: 'city', site, time: localTimeToEpoch(local, ZONE), values }];
          };
        },
      });
    });
  },
};
