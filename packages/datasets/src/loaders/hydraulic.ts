import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { countLines, numericCells } from '../csv-file.js';
import { admitRecords, resolveInput, type DatasetLoader, type MetricInfo, type RecordDraft } from '../loader.js';
import { newLoadStats, type DatasetSource } from '../records.js';

const SITE = 'hydraulic-rig';
const SENSORS = ['TS1', 'TS2', 'TS3', 'TS4'] as const;
const SAMPLES_PER_CYCLE = 60;
const CYCLE_MS = SAMPLES_PER_CYCLE * 1000;
/** Synthetic, documented axis: the files carry no times, only cycle order. */
export const HYDRAULIC_START_MS = Date.UTC(2015, 0, 1, 0, 0, 0);
const METRICS: readonly MetricInfo[] = SENSORS.map((s) => ({ name: s.toLowerCase(), column: `${s}.txt (60 columns per cycle row)`, unit: '°C' }));
/** Optimal state of each component (profile.txt); any other value is a degraded condition. */
const OPTIMAL = { cooler_pct: 100, valve_pct: 100, pump_leakage: 0, accumulator_bar: 130 } as const;
const PROFILE_LABELS = ['cooler_pct', 'valve_pct', 'pump_leakage', 'accumulator_bar', 'stable_flag'] as const;

/** Yields the lines of several files in lockstep; throws when their lengths differ. */
async function* zipLines(paths: readonly string[], ids: readonly string[]): AsyncGenerator<string[]> {
  const streams = paths.map((p) => createReadStream(p));
  const readers = streams.map((s) => createInterface({ input: s, crlfDelay: Infinity })[Symbol.asyncIterator]());
  try {
    for (;;) {
      const next = await Promise.all(readers.map((r) => r.next()));
      const done = next.filter((n) => n.done === true).length;
      if (done === next.length) return;
      if (done > 0) throw new Error(`hydraulic files differ in length: ${ids.filter((_, i) => next[i]?.done === true).join(', ')} ended first`);
      yield next.map((n) => String(n.value));
    }
  } finally {
    streams.forEach((s) => s.destroy());
  }
}

/** ZeMA hydraulic test rig, temperature subset: 2,205 cycles × 60 s of TS1..TS4, labelled per cycle. */
export const hydraulic: DatasetLoader = {
  name: 'hydraulic',
  folder: 'hydraulic-condition-monitoring-ts',
  title: 'Condition monitoring of hydraulic systems (UCI 447), temperature subset',
  domain: 'factory',
  tasks: ['fault'],
  targets: {},
  sites: `1: ${SITE}`,
  metrics: METRICS,
  intervalMs: 1000,
  labels: [
    { name: 'cycle', kind: 'number', description: 'load cycle index, 0-based (row of the files)' },
    { name: 'cooler_pct', kind: 'number', description: 'cooler condition %: 3 / 20 / 100 (optimal)' },
    { name: 'valve_pct', kind: 'number', description: 'valve condition %: 73 / 80 / 90 / 100 (optimal)' },
    { name: 'pump_leakage', kind: 'number', description: 'internal pump leakage: 0 (none) / 1 / 2' },
    { name: 'accumulator_bar', kind: 'number', description: 'accumulator pressure bar: 90 / 100 / 115 / 130 (optimal)' },
    { name: 'stable_flag', kind: 'number', description: '0 stable, 1 static conditions may not have been reached' },
    { name: 'anomaly', kind: 'number', description: '1 when any component is not in its optimal condition, else 0' },
    { name: 'fault', kind: 'class', description: 'normal when all components are optimal, else other (the rig has no valve1/valve2 classes)', values: ['normal', 'other'] },
  ],
  time: 'synthetic, documented: cycle c, sample s (0-based) at 2015-01-01T00:00:00Z + c × 60 s + s × 1 s (cycles back to back)',
  sources: (options = {}) => {
    const input = resolveInput(hydraulic, options);
    if (input.file !== undefined) throw new Error(`hydraulic: give a folder holding TS1.txt..TS4.txt and profile.txt, not the file ${input.file}`);
    const folder = input.dir;
    const stats = options.stats ?? newLoadStats();
    const id = hydraulic.folder;
    const files = [...SENSORS.map((s) => `${s}.txt`), 'profile.txt'];
    const paths = files.map((f) => join(folder, f));
    const parseCell = numericCells(['']);
    async function* rows(): AsyncGenerator<{ where: string; drafts: RecordDraft[] }> {
      let cycle = 0;
      for await (const lines of zipLines(paths, files)) {
        const where = `${id}: cycle row ${cycle + 1}`;
        const split = lines.map((l, i) => {
          const cells = l.split('\t');
          const expected = i < SENSORS.length ? SAMPLES_PER_CYCLE : PROFILE_LABELS.length;
          if (cells.length !== expected) throw new Error(`${id}/${files[i]}:${cycle + 1}: ${cells.length} columns, expected ${expected}`);
          return cells;
        });
        const profile = split[SENSORS.length] ?? [];
        const labels: Record<string, number | string> = { cycle };
        PROFILE_LABELS.forEach((name, i) => {
          const value = parseCell(profile[i] ?? '', name, `${id}/profile.txt:${cycle + 1}`);
          if (value === null) throw new Error(`${id}/profile.txt:${cycle + 1}: ${name} is empty`);
          labels[name] = value;
        });
        const degraded = (Object.keys(OPTIMAL) as (keyof typeof OPTIMAL)[]).some((k) => labels[k] !== OPTIMAL[k]);
        labels.anomaly = degraded ? 1 : 0;
        labels.fault = degraded ? 'other' : 'normal';
        const drafts: RecordDraft[] = [];
        // One data row per cycle (stats.rows counts cycles), one record per second of it.
        for (let s = 0; s < SAMPLES_PER_CYCLE; s++) {
          const values: Record<string, number> = {};
          SENSORS.forEach((sensor, i) => {
            const v = parseCell(split[i]?.[s] ?? '', sensor, `${id}/${sensor}.txt:${cycle + 1}`);
            if (v === null) stats.missingValues++;
            else values[sensor.toLowerCase()] = v;
          });
          drafts.push({ domain: 'factory', site: SITE, time: HYDRAULIC_START_MS + cycle * CYCLE_MS + s * 1000, values, labels });
        }
        cycle++;
        yield { where, drafts };
      }
    }
    const source: DatasetSource = {
      id,
      path: folder,
      records: () => admitRecords(id, stats, rows()),
      estimateRecords: async () => (await countLines(paths[SENSORS.length] ?? '')) * SAMPLES_PER_CYCLE,
    };
    return Promise.resolve([source]);
  },
};
