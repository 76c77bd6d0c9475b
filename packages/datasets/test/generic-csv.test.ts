import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { csvMappingFromFlags, CsvMappingError, loadCsvMappingFile, newLoadStats, openCsvFile, resolveCsvMapping, type CsvMapping, type DataRecord } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'hs-csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

async function all(source: { records(): AsyncIterable<DataRecord> }): Promise<DataRecord[]> {
  const out: DataRecord[] = [];
  for await (const r of source.records()) out.push(r);
  return out;
}

const mapping: CsvMapping = {
  domain: 'city',
  site: { column: 'station' },
  time: { column: 'when', format: 'DD/MM/YYYY HH:mm', timezone: 'Europe/Rome' },
  metrics: { 'PM2.5': 'pm25', NO2: 'no2' },
  labels: { event: 'incident' },
  missing: ['', 'NA', '-200'],
};

describe('generic CSV loader', () => {
  test('maps columns, drops missing markers, sorts by time, keeps the first of duplicate (site, time)', async () => {
    const path = file(
      'mine.csv',
      [
        'station,when,PM2.5,NO2,event',
        'North St,01/07/2024 10:00,12.5,40,0',
        'North St,01/07/2024 11:00,NA,-200,1',
        'South,01/07/2024 09:00,7,22,',
        'North St,01/07/2024 10:00,99,99,0',
        'South,01/07/2024 10:00,8,-200,storm',
      ].join('\n'),
    );
    const stats = newLoadStats();
    const source = await openCsvFile(path, mapping, { stats });
    const records = await all(source);
    expect(records).toEqual([
      { domain: 'city', site: 'South', time: Date.UTC(2024, 6, 1, 7), values: { pm25: 7, no2: 22 } },
      { domain: 'city', site: 'north_st', time: Date.UTC(2024, 6, 1, 8), values: { pm25: 12.5, no2: 40 }, labels: { incident: 0 } },
      { domain: 'city', site: 'South', time: Date.UTC(2024, 6, 1, 8), values: { pm25: 8 }, labels: { incident: 'storm' } },
    ]);
    expect(stats).toMatchObject({ rows: 5, records: 3, duplicatesDropped: 1, emptyRecordsSkipped: 1, missingValues: 3 });
    expect(await source.estimateRecords()).toBe(3);
  });

  test('epoch seconds, fixed site, semicolons, list of metrics named by sanitising', async () => {
    const path = file('epoch.csv', 't;Motor Current;Speed (rpm)\n1700000000;1.5;1200\n1700000001;1.6;1210\n');
    const source = await openCsvFile(path, { domain: 'factory', site: { value: 'press-1' }, time: { column: 't', format: 'epoch_s' }, metrics: ['Motor Current', 'Speed (rpm)'], delimiter: ';' });
    expect(await all(source)).toEqual([
      { domain: 'factory', site: 'press-1', time: 1_700_000_000_000, values: { motor_current: 1.5, speed_rpm: 1200 } },
      { domain: 'factory', site: 'press-1', time: 1_700_000_001_000, values: { motor_current: 1.6, speed_rpm: 1210 } },
    ]);
  });

  test('ISO times: with a zone as given, without one in the mapping time zone', async () => {
    const path = file('iso.csv', 'ts,v\n2024-01-01T00:00:00Z,1\n2024-01-01 02:00,2\n');
    const source = await openCsvFile(path, { domain: 'city', site: { value: 's' }, time: { column: 'ts', timezone: '+01:00' }, metrics: ['v'] });
    expect((await all(source)).map((r) => r.time)).toEqual([Date.UTC(2024, 0, 1, 0), Date.UTC(2024, 0, 1, 1)]);
  });

  test('unknown column: names it and lists the available ones', async () => {
    const path = file('cols.csv', 'station,when,PM25\nA,01/07/2024 10:00,1\n');
    await expect(openCsvFile(path, mapping)).rejects.toThrow('cols.csv: unknown column "PM2.5"; available columns: "station", "when", "PM25"');
  });

  test('unparsable time: names file:line, the value and the expected format', async () => {
    const path = file('time.csv', 'station,when,PM2.5,NO2,event\nA,01/07/2024 10:00,1,2,0\nA,2024-07-01 11:00,1,2,0\n');
    await expect(openCsvFile(path, mapping)).rejects.toThrow('time.csv:3: cannot parse time "2024-07-01 11:00" in column "when" as DD/MM/YYYY HH:mm (Europe/Rome)');
  });

  test('a non-numeric metric cell that is not a missing marker is an error', async () => {
    const path = file('num.csv', 'station,when,PM2.5,NO2,event\nA,01/07/2024 10:00,high,2,0\n');
    await expect(openCsvFile(path, mapping)).rejects.toThrow(/num\.csv:2: column "PM2\.5" holds "high", which is not a number/);
  });

  test('empty files and header-only files', async () => {
    await expect(openCsvFile(file('empty.csv', ''), mapping)).rejects.toThrow('empty.csv: empty file');
    await expect(openCsvFile(file('blank.csv', '\n\n'), mapping)).rejects.toThrow('blank.csv: empty file (no header row)');
    await expect(openCsvFile(file('header.csv', 'station,when,PM2.5,NO2,event\n'), mapping)).rejects.toThrow('header.csv: no data rows after the header');
    await expect(openCsvFile(join(dir, 'missing.csv'), mapping)).rejects.toThrow(/missing\.csv: cannot read: ENOENT/);
  });

  test('mapping validation lists every problem', () => {
    let error: unknown;
    try {
      resolveCsvMapping({ domain: 'my city', site: {}, time: { column: 'x', timezone: 'Nowhere/Land', format: 'HH' }, metrics: {}, extra: 1 }, 'm.json');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CsvMappingError);
    const problems = (error as CsvMappingError).problems;
    expect(problems).toEqual([
      'unknown key "extra" (known: domain, site, time, metrics, labels, delimiter, missing)',
      'domain "my city" has characters outside [A-Za-z0-9_.-]',
      'site must be {"column": "<column>"} or {"value": "<site name>"}',
      'time.timezone: unknown time zone "Nowhere/Land" (use "UTC", an offset like "+01:00", or an IANA name like "Europe/Rome")',
      'time.format: time pattern "HH" lacks YYYY (tokens: YYYY MM DD HH mm ss SSS); or use "iso", "epoch_ms", "epoch_s"',
      'metrics is empty; map at least one column',
    ]);
    expect((error as Error).message).toMatch(/^m\.json: invalid CSV mapping:\n {2}- unknown key "extra"/);
  });

  test('mapping from a JSON file and from CLI flags', async () => {
    const path = file('map.json', JSON.stringify(mapping));
    expect((await loadCsvMappingFile(path)).metrics).toEqual([{ column: 'PM2.5', name: 'pm25' }, { column: 'NO2', name: 'no2' }]);
    await expect(loadCsvMappingFile(file('bad.json', '{'))).rejects.toThrow(/bad\.json: invalid CSV mapping:\n {2}- not JSON/);
    const fromFlags = csvMappingFromFlags({ domain: 'city', siteColumn: 'station', timeColumn: 'Date,Time', timeFormat: 'DD/MM/YYYY HH:mm:ss', timezone: '+01:00', metrics: 'CO_GT=co,NO2_GT', missing: '-200', delimiter: '\\t' });
    expect(fromFlags).toEqual({
      domain: 'city',
      site: { column: 'station' },
      time: { columns: ['Date', 'Time'], format: { kind: 'pattern', pattern: 'DD/MM/YYYY HH:mm:ss' }, timezone: '+01:00' },
      metrics: [{ column: 'CO_GT', name: 'co' }, { column: 'NO2_GT', name: 'no2_gt' }],
      labels: [],
      delimiter: '\t',
      missing: ['', '-200'],
    });
    expect(() => csvMappingFromFlags({ domain: 'city' })).toThrow(/site must be .*\n.*time is required.*\n.*metrics is required/);
  });
});
