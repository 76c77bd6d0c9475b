import { readdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { TASKS } from '@headstream/tasks';
import { numericCells } from '../csv-file.js';
import { csvSource, metricColumns, pickValues, resolveInput, type DatasetLoader, type MetricInfo } from '../loader.js';
import { newLoadStats } from '../records.js';
import { compileTimePattern, localTimeToEpoch } from '../zoned-time.js';

/** The test bed is at Skoltech, Moscow: UTC+3 all year (no DST since 2014; recorded 2020). */
const ZONE = '+03:00';
const METRICS: readonly MetricInfo[] = [
  { name: 'accel1_rms', column: 'Accelerometer1RMS', unit: 'g' },
  { name: 'accel2_rms', column: 'Accelerometer2RMS', unit: 'g' },
  { name: 'current', column: 'Current', unit: 'A' },
  { name: 'pressure', column: 'Pressure', unit: 'bar' },
  { name: 'temperature', column: 'Temperature', unit: '°C' },
  { name: 'thermocouple', column: 'Thermocouple', unit: '°C' },
  { name: 'voltage', column: 'Voltage', unit: 'V' },
  { name: 'flow_rate', column: 'Volume Flow RateRMS', unit: 'l/min' },
];
/** Folder → fault class of TASKS.fault.classes (normal, valve1, valve2, other). */
const FOLDER_CLASS: Readonly<Record<string, string>> = { 'anomaly-free': 'normal', valve1: 'valve1', valve2: 'valve2', other: 'other' };
const isoLocal = compileTimePattern('YYYY-MM-DD HH:mm:ss');

function faultClasses(): readonly string[] {
  const fault = TASKS.fault;
  return fault.kind === 'classification' ? fault.classes : [];
}

/** SKAB v0.9: pump test bed runs, one file per run, with anomaly and changepoint labels. */
export const skab: DatasetLoader = {
  name: 'skab',
  folder: 'skab',
  title: 'SKAB — Skoltech Anomaly Benchmark (water-pump test bed)',
  domain: 'factory',
  tasks: ['fault'],
  targets: {},
  sites: 'one per run file: skab-anomaly-free, skab-valve1-<n>, skab-valve2-<n>, skab-other-<n> (34; runs overlap in time, so each run is its own site)',
  metrics: METRICS,
  intervalMs: 1000,
  labels: [
    { name: 'anomaly', kind: 'number', description: '0/1 per row (0 throughout anomaly-free)' },
    { name: 'changepoint', kind: 'number', description: '0/1 collective-anomaly changepoint (0 throughout anomaly-free)' },
    { name: 'fault', kind: 'class', description: "the run's fault class while anomaly = 1, else normal", values: faultClasses() },
    { name: 'fault_type', kind: 'class', description: "the run's fault class from its folder (run-level)", values: faultClasses() },
  ],
  time: 'datetime (YYYY-MM-DD hh:mm:ss) read as Moscow time, fixed UTC+03:00',
  timeZone: ZONE,
  sources: async (options = {}) => {
    const input = resolveInput(skab, options);
    const stats = options.stats ?? newLoadStats();
    const parseCell = numericCells(['']);
    const runs: { dir: string; folder: string; file: string }[] = [];
    const here = basename(input.dir);
    const classFolderProblem = `skab: ${input.dir} is not a SKAB class folder (${Object.keys(FOLDER_CLASS).join(', ')}); the folder names the fault class`;
    if (input.file !== undefined) {
      // One run file: its folder names its fault class (e.g. holdout/.../valve1/15.csv).
      if (FOLDER_CLASS[here] === undefined) throw new Error(classFolderProblem);
      runs.push({ dir: input.dir, folder: here, file: input.file });
    } else {
      const folders = FOLDER_CLASS[here] !== undefined ? [[input.dir, here]] : Object.keys(FOLDER_CLASS).map((f) => [join(input.dir, f), f]);
      for (const [dir = '', folder = ''] of folders) {
        let files: string[];
        try {
          files = await readdir(dir);
        } catch {
          continue;
        }
        files
          .filter((f) => f.endsWith('.csv'))
          .sort((a, b) => a.localeCompare(b, 'en', { numeric: true }))
          .forEach((file) => runs.push({ dir, folder, file }));
      }
    }
    if (runs.length === 0) throw new Error(`skab: ${input.dir} holds no run files under anomaly-free/, valve1/, valve2/ or other/`);
    return runs.map(({ dir, folder, file }) => {
      const faultType = FOLDER_CLASS[folder] ?? 'other';
      const run = file.replace(/\.csv$/, '');
      const site = folder === 'anomaly-free' ? 'skab-anomaly-free' : `skab-${folder}-${run}`;
      return csvSource({
        id: `skab/${folder}/${file}`,
        path: join(dir, file),
        delimiter: ';',
        stats,
        prepare(header) {
          const timeIndex = header.index('datetime');
          const columns = metricColumns(header, METRICS);
          const labelled = header.columns.includes('anomaly');
          const anomalyIndex = labelled ? header.index('anomaly') : -1;
          const changepointIndex = labelled ? header.index('changepoint') : -1;
          const flag = (cells: string[], i: number, column: string, where: string): number => {
            if (i < 0) return 0;
            const v = parseCell(cells[i] ?? '', column, where);
            if (v !== 0 && v !== 1) throw new Error(`${where}: ${column} is ${JSON.stringify(cells[i])}, expected 0 or 1`);
            return v;
          };
          return (cells, where) => {
            const text = cells[timeIndex] ?? '';
            const local = isoLocal.parse(text);
            if (local === null) throw new Error(`${where}: cannot parse datetime ${JSON.stringify(text)} as YYYY-MM-DD hh:mm:ss`);
            const anomaly = flag(cells, anomalyIndex, 'anomaly', where);
            const changepoint = flag(cells, changepointIndex, 'changepoint', where);
            return [
              {
                domain: 'factory',
                site,
                time: localTimeToEpoch(local, ZONE),
                values: pickValues(cells, columns, parseCell, where, stats),
                labels: { anomaly, changepoint, fault: anomaly === 1 ? faultType : 'normal', fault_type: faultType },
              },
            ];
          };
        },
      });
    });
  },
};
