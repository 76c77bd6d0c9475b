import { basename, join } from 'node:path';
import { numericCells } from '../csv-file.js';
import { csvSource, HOUR_MS, inputFiles, metricColumns, resolveInput, pickValues, type DatasetLoader, type MetricInfo } from '../loader.js';
import { newLoadStats } from '../records.js';

const SITE = 'gas-turbine';
const FILE_PATTERN = /^gt_(\d{4})\.csv$/;
const METRICS: readonly MetricInfo[] = [
  { name: 'ambient_temp', column: 'AT', unit: '°C' },
  { name: 'ambient_pressure', column: 'AP', unit: 'mbar' },
  { name: 'ambient_humidity', column: 'AH', unit: '%' },
  { name: 'air_filter_dp', column: 'AFDP', unit: 'mbar' },
  { name: 'exhaust_pressure', column: 'GTEP', unit: 'mbar' },
  { name: 'turbine_inlet_temp', column: 'TIT', unit: '°C' },
  { name: 'turbine_after_temp', column: 'TAT', unit: '°C' },
  { name: 'throughput', column: 'TEY', unit: 'MWh/h (turbine energy yield)' },
  { name: 'compressor_discharge_pressure', column: 'CDP', unit: 'mbar' },
  { name: 'co', column: 'CO', unit: 'mg/m³' },
  { name: 'nox', column: 'NOX', unit: 'mg/m³' },
];

/** Gas turbine CO/NOx (UCI): hourly plant sensors; TEY is the production rate (throughput), NOX the emissions target. */
export const gasTurbine: DatasetLoader = {
  name: 'gas-turbine',
  folder: 'gas-turbine-co-nox-tey',
  title: 'Gas Turbine CO and NOx Emission (UCI), TEY as throughput, NOx as emissions',
  domain: 'factory',
  tasks: ['throughput', 'emissions'],
  targets: { throughput: 'throughput', emissions: 'nox' },
  sites: `1: ${SITE}`,
  metrics: METRICS,
  intervalMs: HOUR_MS,
  labels: [],
  time: 'synthetic, documented: row i (0-based) of gt_<Y>.csv at <Y>-01-01T00:00:00Z + i h (rows are chronological; real gaps are unknown)',
  sources: async (options = {}) => {
    const input = resolveInput(gasTurbine, options);
    const stats = options.stats ?? newLoadStats();
    const parseCell = numericCells(['']);
    const files = await inputFiles(gasTurbine, input, FILE_PATTERN, 'gt_<year>.csv files');
    return files.map((file) => {
      const match = FILE_PATTERN.exec(file);
      // The year in the name anchors the synthetic time axis.
      if (match === null) throw new Error(`gas-turbine: file ${file} is not named gt_<year>.csv; the year anchors its time axis`);
      const year = Number(match[1]);
      const start = Date.UTC(year, 0, 1);
      let row = 0;
      return csvSource({
        id: `${basename(input.dir)}/${file}`,
        path: join(input.dir, file),
        stats,
        prepare(header) {
          const columns = metricColumns(header, METRICS);
          row = 0;
          return (cells, where) => {
            const time = start + row * HOUR_MS;
            row++;
            if (time >= Date.UTC(year + 1, 0, 1)) throw new Error(`${where}: more rows than hours in ${year}`);
            return [{ domain: 'factory', site: SITE, time, values: pickValues(cells, columns, parseCell, where, stats) }];
          };
        },
      });
    });
  },
};
