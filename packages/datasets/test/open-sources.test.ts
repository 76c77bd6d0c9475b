import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { estimateTotal, mergeByTime, openSources, resolveDatasetsDir, type DataRecord, type DatasetSource } from '../src/index.js';

const datasets = resolveDatasetsDir();
const scratch = mkdtempSync(join(tmpdir(), 'hs-open-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

async function readAll(sources: DatasetSource[]): Promise<DataRecord[]> {
  const out: DataRecord[] = [];
  for await (const r of mergeByTime(sources.map((s) => ({ id: s.id, records: s.records() })))) out.push(r);
  return out;
}

describe('openSources', () => {
  test('a data set by name, with an estimate for progress', async () => {
    const { sources, loader, stats } = await openSources('gas-turbine');
    expect(loader?.name).toBe('gas-turbine');
    expect(sources.map((s) => s.id)).toEqual(['gas-turbine-co-nox-tey/gt_2011.csv', 'gas-turbine-co-nox-tey/gt_2012.csv', 'gas-turbine-co-nox-tey/gt_2013.csv', 'gas-turbine-co-nox-tey/gt_2014.csv']);
    expect(await estimateTotal(sources)).toBe(29349);
    expect(stats.records).toBe(0);
  });

  test('one file in a loader format: the SKAB folder names the fault class (as for hold-out runs)', async () => {
    const { sources } = await openSources(join(datasets, 'skab', 'valve2', '1.csv'), { format: 'skab' });
    const records = await readAll(sources);
    expect(records).toHaveLength(1063);
    expect(new Set(records.map((r) => r.site))).toEqual(new Set(['skab-valve2-1']));
    expect(records.filter((r) => r.labels?.fault === 'valve2').length).toBe(records.filter((r) => r.labels?.anomaly === 1).length);
  });

  test('a renamed copy in another folder: clear errors where the name carries meaning', async () => {
    const odd = join(scratch, 'runs');
    mkdirSync(odd);
    copyFileSync(join(datasets, 'skab', 'valve2', '1.csv'), join(odd, 'x.csv'));
    await expect(openSources(join(odd, 'x.csv'), { format: 'skab' })).rejects.toThrow(/is not a SKAB class folder \(anomaly-free, valve1, valve2, other\)/);
    copyFileSync(join(datasets, 'gas-turbine-co-nox-tey', 'gt_2013.csv'), join(odd, 'turbine.csv'));
    await expect(openSources(join(odd, 'turbine.csv'), { format: 'gas-turbine' })).rejects.toThrow(/turbine\.csv is not named gt_<year>\.csv/);
    copyFileSync(join(datasets, 'gas-turbine-co-nox-tey', 'gt_2013.csv'), join(odd, 'gt_2015.csv'));
    const { sources } = await openSources(join(odd, 'gt_2015.csv'), { format: 'gas-turbine' });
    const records = await readAll(sources);
    expect(records).toHaveLength(7152);
    expect(records[0]?.time).toBe(Date.UTC(2015, 0, 1));
    await expect(openSources(join(datasets, 'hydraulic-condition-monitoring-ts', 'TS1.txt'), { format: 'hydraulic' })).rejects.toThrow(/give a folder holding TS1\.txt/);
    await expect(openSources(join(scratch, 'nothing.csv'), { format: 'metro-traffic' })).rejects.toThrow(/metro-traffic: .*nothing\.csv does not exist/);
  });

  test('a user file needs a format or a mapping; unknown names list the valid ones', async () => {
    const path = join(datasets, 'pems-detector-5min-flow', 'train.csv');
    await expect(openSources(path)).rejects.toThrow(/train\.csv: say how to read it: --format <pems-detector\|los-loop\|/);
    await expect(openSources('pems')).rejects.toThrow('unknown data set "pems"; valid names: pems-detector, los-loop, metro-traffic, beijing-air, italy-air, skab, hydraulic, gas-turbine; or give the path of a CSV file');
    await expect(openSources(path, { format: 'csv' })).rejects.toThrow(/--format csv needs a column mapping/);
    await expect(openSources(path, { format: 'nope' })).rejects.toThrow(/unknown data set "nope"/);
    const { sources } = await openSources(path, {
      mapping: { domain: 'city', site: { value: 'my-detector' }, time: { column: '5 Minutes', format: 'DD/MM/YYYY HH:mm', timezone: 'America/Los_Angeles' }, metrics: { 'Lane 1 Flow (Veh/5 Minutes)': 'flow' } },
    });
    const records = await readAll(sources);
    expect(records).toHaveLength(7776);
    // The generic loader reads the file exactly as the dedicated loader does.
    const dedicated = await readAll((await openSources('pems-detector')).sources);
    expect(records.map((r) => [r.time, r.values.flow])).toEqual(dedicated.map((r) => [r.time, r.values.flow]));
  });
});
