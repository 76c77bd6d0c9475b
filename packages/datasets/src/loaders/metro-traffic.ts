import { basename, join } from 'node:path';
import { numericCells } from '../csv-file.js';
import { csvSource, HOUR_MS, metricColumns, resolveInput, pickValues, type DatasetLoader, type MetricInfo } from '../loader.js';
import { newLoadStats } from '../records.js';
import { compileTimePattern, localTimeToEpoch } from '../zoned-time.js';

const SITE = 'i94-atr301';
const ZONE = 'America/Chicago';
const METRICS: readonly MetricInfo[] = [
  { name: 'flow', column: 'traffic_volume', unit: 'veh/h' },
  { name: 'temperature_k', column: 'temp', unit: 'K' },
  { name: 'rain_mm', column: 'rain_1h', unit: 'mm/h' },
  { name: 'snow_mm', column: 'snow_1h', unit: 'mm/h' },
  { name: 'clouds_pct', column: 'clouds_all', unit: '%' },
];
const isoLocal = compileTimePattern('YYYY-MM-DD HH:mm:ss');
// A temperature of exactly 0 K is the file's missing marker (10 rows), not a reading.
const parseCell = (text: string, column: string, where: string) => {
  const value = numericCells([''])(text, column, where);
  return column === 'temp' && value === 0 ? null : value;
};

/** Metro Interstate Traffic Volume: hourly westbound I-94 volume with weather (UCI 492). */
export const metroTraffic: DatasetLoader = {
  name: 'metro-traffic',
  folder: 'metro-interstate-traffic-volume',
  title: 'Metro Interstate Traffic Volume (I-94, UCI)',
  domain: 'city',
  tasks: ['traffic'],
  targets: { traffic: 'flow' },
  sites: `1: ${SITE} (MN DoT ATR station 301, westbound I-94)`,
  metrics: METRICS,
  intervalMs: HOUR_MS,
  labels: [
    { name: 'holiday', kind: 'text', description: 'holiday name, only on the rows that carry one (not "None")' },
    { name: 'weather', kind: 'text', description: 'weather_main of the kept row (Clear, Clouds, Rain, …)' },
  ],
  time: `date_time is local time in ${ZONE} (DST: spring-forward hours are absent in the file; a fall-back hour maps to its first, CDT, occurrence)`,
  timeZone: ZONE,
  sources: (options = {}) => {
    const input = resolveInput(metroTraffic, options);
    const file = input.file ?? 'Metro_Interstate_Traffic_Volume.csv';
    const stats = options.stats ?? newLoadStats();
    return Promise.resolve([
      csvSource({
        id: `${basename(input.dir)}/${file}`,
        path: join(input.dir, file),
        stats,
        prepare(header) {
          const timeIndex = header.index('date_time');
          const holidayIndex = header.index('holiday');
          const weatherIndex = header.index('weather_main');
          const columns = metricColumns(header, METRICS);
          return (cells, where) => {
            const text = cells[timeIndex] ?? '';
            const local = isoLocal.parse(text);
            if (local === null) throw new Error(`${where}: cannot parse date_time ${JSON.stringify(text)} as YYYY-MM-DD HH:MM:SS`);
            const labels: Record<string, string> = {};
            const holiday = (cells[holidayIndex] ?? '').trim();
            if (holiday !== '' && holiday !== 'None') labels.holiday = holiday;
            const weather = (cells[weatherIndex] ?? '').trim();
            if (weather !== '') labels.weather = weather;
            // An hour with several weather conditions repeats on several rows; the guard
            // keeps the first row of each hour (volumes are equal across the repeats).
            return [{ domain: 'city', site: SITE, time: localTimeToEpoch(local, ZONE), values: pickValues(cells, columns, parseCell, where, stats), labels }];
          };
        },
      }),
    ]);
  },
};
