import { readFileSync } from 'node:fs';
import { nameProblem } from '@headstream/core';
import { TASK_NAMES } from '@headstream/tasks';
import { describe, expect, test } from 'vitest';
import { getLoader, LOADER_NAMES, loaders } from '../src/index.js';
import { iso, scanDataset } from './helpers.js';

// Expected numbers come from each data set's SOURCE.md (../shared/datasets/<folder>/).

describe('registry', () => {
  test('names the eight loaders and rejects others with the list of valid names', () => {
    expect(Object.keys(loaders).sort()).toEqual([...LOADER_NAMES].sort());
    for (const name of LOADER_NAMES) {
      const l = getLoader(name);
      expect(l.name).toBe(name);
      expect(l.tasks.every((t) => (TASK_NAMES as readonly string[]).includes(t))).toBe(true);
      for (const m of l.metrics) expect(nameProblem(m.name), `${name}.${m.name}`).toBeNull();
      for (const metric of Object.values(l.targets)) expect(l.metrics.map((m) => m.name)).toContain(metric);
    }
    expect(() => getLoader('pems')).toThrow(/unknown data set "pems"; valid names: pems-detector, los-loop/);
  });
});

describe('pems-detector', () => {
  test('7,776 five-minute rows = 27 days × 288, California time', async () => {
    const s = await scanDataset('pems-detector');
    expect(s.stats.rows).toBe(7776);
    expect(s.records).toBe(7776);
    expect([...s.sites.keys()]).toEqual(['pems-detector']);
    // 04/01/2016 0:00 PST and 29/02/2016 23:55 PST.
    expect(iso(s.first?.time)).toBe('2016-01-04T08:00:00.000Z');
    expect(iso(s.last?.time)).toBe('2016-03-01T07:55:00.000Z');
    expect(s.first?.values).toEqual({ flow: 12, observed_pct: 100 });
    expect(s.metricCounts.get('flow')).toBe(7776);
  });
});

describe('los-loop', () => {
  test('207 sensors × 2,016 steps on a synthetic 5-min axis from 2012-03-01 LA time', async () => {
    const steps = new Set<number>();
    const s = await scanDataset('los-loop', (r) => steps.add(r.time));
    expect(s.stats.rows).toBe(2016);
    expect(s.sites.size).toBe(207);
    expect(s.records).toBe(207 * 2016);
    expect(s.sites.get('los-773869')).toBe(2016);
    expect(steps.size).toBe(2016);
    expect(iso(s.first?.time)).toBe('2012-03-01T08:00:00.000Z');
    expect(iso(s.last?.time)).toBe('2012-03-08T07:55:00.000Z');
    expect(s.first?.values).toEqual({ speed: 64.375 });
  });
});

describe('metro-traffic', () => {
  test('48,204 rows, 40,575 distinct hours kept (first row of each), temp 0 K dropped, US Central time', async () => {
    let holidays = 0;
    let dstFallBack: number | undefined;
    const s = await scanDataset('metro-traffic', (r) => {
      if (r.labels?.holiday !== undefined) holidays++;
      if (r.time === Date.UTC(2016, 10, 6, 6) || r.time === Date.UTC(2016, 10, 6, 7)) dstFallBack = r.time;
    });
    expect(s.stats.rows).toBe(48204);
    expect(s.records).toBe(40575);
    expect(s.stats.duplicatesDropped).toBe(48204 - 40575);
    expect(s.stats.missingValues).toBe(10);
    expect(s.metricCounts.get('temperature_k')).toBe(40575 - 10);
    expect(s.metricCounts.get('flow')).toBe(40575);
    expect(holidays).toBe(53);
    // 2012-10-02 09:00 CDT (UTC−5) and 2018-09-30 23:00 CDT.
    expect(iso(s.first?.time)).toBe('2012-10-02T14:00:00.000Z');
    expect(iso(s.last?.time)).toBe('2018-10-01T04:00:00.000Z');
    expect(s.first?.values).toEqual({ flow: 5545, temperature_k: 288.28, rain_mm: 0, snow_mm: 0, clouds_pct: 40 });
    expect(s.first?.labels).toEqual({ weather: 'Clouds' });
    // 2016-11-06 01:00 occurs twice locally; the file's one row maps to the first (CDT, 06:00Z).
    expect(iso(dstFallBack)).toBe('2016-11-06T06:00:00.000Z');
  });
});

describe('italy-air', () => {
  test('9,357 hourly rows, 16,701 cells of -200 dropped, all-missing rows skipped, fixed UTC+1', async () => {
    const s = await scanDataset('italy-air');
    expect(s.stats.rows).toBe(9357);
    expect(s.stats.missingValues).toBe(16701);
    expect(s.stats.emptyRecordsSkipped).toBe(31);
    expect(s.records).toBe(9357 - 31);
    // Per-column missing counts of SOURCE.md = rows without the metric among kept records + the 31 empty rows.
    const missing = (metric: string) => 9357 - (s.metricCounts.get(metric) ?? 0);
    expect(missing('nmhc')).toBe(8443);
    expect(missing('co')).toBe(1683);
    expect(missing('no2')).toBe(1642);
    expect(missing('nox')).toBe(1639);
    for (const m of ['pt08_s1_co', 'benzene', 'pt08_s2_nmhc', 'pt08_s3_nox', 'pt08_s4_no2', 'pt08_s5_o3', 'temperature', 'humidity_rel', 'humidity_abs']) {
      expect(missing(m), m).toBe(366);
    }
    expect(iso(s.first?.time)).toBe('2004-03-10T17:00:00.000Z');
    expect(iso(s.last?.time)).toBe('2005-04-04T13:00:00.000Z');
    expect(s.first?.values.no2).toBe(113);
    expect(s.last?.values).not.toHaveProperty('nmhc');
  });
});

describe('README', () => {
  test('the loader table names every loader and every metric it yields', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const name of LOADER_NAMES) {
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${name}\` |`));
      expect(row, name).toBeDefined();
      for (const m of getLoader(name).metrics) {
        const documented = m.name.startsWith('pt08_') || /^ts\d$/.test(m.name) ? m.name.replace(/\d.*$/, '') : m.name;
        expect(row, `${name}.${m.name}`).toContain(documented);
      }
    }
  });
});
