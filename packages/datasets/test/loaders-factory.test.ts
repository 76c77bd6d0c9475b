import { TASKS } from '@headstream/tasks';
import { describe, expect, test } from 'vitest';
import { HYDRAULIC_START_MS, recordToFrame } from '../src/index.js';
import { iso, scanDataset } from './helpers.js';

describe('skab', () => {
  test('34 runs, 45,656 rows, anomaly/changepoint labels and fault class from the folder', async () => {
    const byFolder = new Map<string, { rows: number; anomaly: number; changepoint: number; runs: Set<string> }>();
    const faultWhileAnomalous = new Set<string>();
    const s = await scanDataset('skab', (r) => {
      const folder = String(r.labels?.fault_type);
      const agg = byFolder.get(folder) ?? { rows: 0, anomaly: 0, changepoint: 0, runs: new Set<string>() };
      agg.rows++;
      agg.anomaly += Number(r.labels?.anomaly);
      agg.changepoint += Number(r.labels?.changepoint);
      agg.runs.add(r.site);
      byFolder.set(folder, agg);
      if (r.labels?.anomaly === 1) faultWhileAnomalous.add(String(r.labels.fault));
      else expect(r.labels?.fault).toBe('normal');
    });
    expect(s.records).toBe(45656);
    expect(s.sites.size).toBe(34);
    expect(s.sites.get('skab-anomaly-free')).toBe(9405);
    const summary = Object.fromEntries([...byFolder].map(([k, v]) => [k, [v.runs.size, v.rows, v.anomaly, v.changepoint]]));
    // Run and row counts from SOURCE.md; label counts cross-checked with an independent reader.
    expect(summary).toEqual({
      normal: [1, 9405, 0, 0],
      valve1: [15, 17010, 5905, 59],
      valve2: [4, 4312, 1517, 16],
      other: [14, 14929, 5241, 50],
    });
    expect([...faultWhileAnomalous].sort()).toEqual(['other', 'valve1', 'valve2']);
    // Moscow time, UTC+3: 2020-02-08 13:30:47 local.
    expect(iso(s.first?.time)).toBe('2020-02-08T10:30:47.000Z');
    expect(s.metricCounts.get('flow_rate')).toBe(45656);
  });

  test('labels become gt_ metrics with the fault class index of TASKS.fault', () => {
    const classes = TASKS.fault.kind === 'classification' ? TASKS.fault.classes : [];
    const frame = recordToFrame(
      { domain: 'factory', site: 'skab-valve2-0', time: 1, values: { current: 1 }, labels: { anomaly: 1, changepoint: 0, fault: 'valve2', fault_type: 'valve2' } },
      { groundTruth: true },
    );
    expect(frame.values).toEqual({ current: 1, gt_anomaly: 1, gt_changepoint: 0, gt_fault: classes.indexOf('valve2'), gt_fault_type: 2 });
  });
});

describe('hydraulic', () => {
  test('2,205 cycles × 60 s of TS1..TS4 with the documented label counts', async () => {
    const counts: Record<string, Record<string, number>> = {};
    let ts1Sum = 0;
    const s = await scanDataset('hydraulic', (r) => {
      ts1Sum += r.values.ts1 ?? 0;
      const second = (r.time - HYDRAULIC_START_MS) / 1000;
      expect(r.labels?.cycle).toBe(Math.floor(second / 60));
      if (second % 60 !== 0) return;
      for (const [k, v] of Object.entries(r.labels ?? {})) {
        if (k === 'cycle') continue;
        counts[k] ??= {};
        const c = counts[k];
        c[String(v)] = (c[String(v)] ?? 0) + 1;
      }
    });
    expect(s.stats.rows).toBe(2205);
    expect(s.records).toBe(2205 * 60);
    expect(counts.cooler_pct).toEqual({ 3: 732, 20: 732, 100: 741 });
    expect(counts.valve_pct).toEqual({ 100: 1125, 90: 360, 80: 360, 73: 360 });
    expect(counts.pump_leakage).toEqual({ 0: 1221, 1: 492, 2: 492 });
    expect(counts.accumulator_bar).toEqual({ 130: 599, 115: 399, 100: 399, 90: 808 });
    expect(counts.stable_flag).toEqual({ 0: 1449, 1: 756 });
    // 21 cycles have every component optimal (independent count of profile.txt).
    expect(counts.anomaly).toEqual({ 0: 21, 1: 2184 });
    expect(counts.fault).toEqual({ normal: 21, other: 2184 });
    expect(ts1Sum).toBeCloseTo(6009670.178, 2);
    expect(iso(s.last?.time)).toBe(iso(HYDRAULIC_START_MS + (2205 * 60 - 1) * 1000));
  });
});

describe('gas-turbine', () => {
  test('2011–2014: 29,349 hourly rows, TEY as throughput, synthetic time per year', async () => {
    const byYear = new Map<number, number>();
    const s = await scanDataset('gas-turbine', (r) => {
      const y = new Date(r.time).getUTCFullYear();
      byYear.set(y, (byYear.get(y) ?? 0) + 1);
    });
    expect(Object.fromEntries(byYear)).toEqual({ 2011: 7411, 2012: 7628, 2013: 7152, 2014: 7158 });
    expect(s.records).toBe(29349);
    expect(s.metricCounts.size).toBe(11);
    expect(iso(s.first?.time)).toBe('2011-01-01T00:00:00.000Z');
    expect(s.first?.values).toMatchObject({ ambient_temp: 4.5878, throughput: 134.67, nox: 81.952 });
  });
});
