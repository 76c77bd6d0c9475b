import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { compileTimePattern, DATASETS_DIR_ENV, localTimeToEpoch, resolveDatasetsDir, sanitizeName, timeZoneProblem, type LocalDateTime } from '../src/index.js';

const at = (year: number, month: number, day: number, hour: number, minute = 0): LocalDateTime => ({ year, month, day, hour, minute, second: 0, millisecond: 0 });

describe('localTimeToEpoch', () => {
  test('fixed offsets', () => {
    expect(localTimeToEpoch(at(2013, 3, 1, 0), '+08:00')).toBe(Date.UTC(2013, 1, 28, 16));
    expect(localTimeToEpoch(at(2004, 7, 1, 12), '+01:00')).toBe(Date.UTC(2004, 6, 1, 11));
    expect(localTimeToEpoch(at(2004, 7, 1, 12), '-0530')).toBe(Date.UTC(2004, 6, 1, 17, 30));
    expect(localTimeToEpoch(at(2004, 7, 1, 12), 'UTC')).toBe(Date.UTC(2004, 6, 1, 12));
  });

  test('IANA zones follow DST; a repeated hour takes its first occurrence; a skipped hour is null', () => {
    expect(localTimeToEpoch(at(2016, 7, 1, 12), 'America/Chicago')).toBe(Date.UTC(2016, 6, 1, 17)); // CDT
    expect(localTimeToEpoch(at(2016, 1, 1, 12), 'America/Chicago')).toBe(Date.UTC(2016, 0, 1, 18)); // CST
    expect(localTimeToEpoch(at(2016, 11, 6, 1, 30), 'America/Chicago')).toBe(Date.UTC(2016, 10, 6, 6, 30));
    expect(localTimeToEpoch(at(2017, 3, 12, 2, 30), 'America/Chicago')).toBeNull();
    expect(localTimeToEpoch(at(2017, 3, 12, 3), 'America/Chicago')).toBe(Date.UTC(2017, 2, 12, 8));
    expect(localTimeToEpoch(at(2004, 10, 31, 2, 30), 'Europe/Rome')).toBe(Date.UTC(2004, 9, 31, 0, 30));
  });

  test('time zone problems are named', () => {
    expect(timeZoneProblem('Europe/Rome')).toBeNull();
    expect(timeZoneProblem('+01:00')).toBeNull();
    expect(timeZoneProblem('Mars/Olympus')).toMatch(/unknown time zone "Mars\/Olympus"/);
  });
});

describe('compileTimePattern', () => {
  test('day-first patterns with one- or two-digit fields', () => {
    const p = compileTimePattern('DD/MM/YYYY HH:mm:ss');
    expect(p.parse('4/04/2005 0:00:00')).toEqual({ year: 2005, month: 4, day: 4, hour: 0, minute: 0, second: 0, millisecond: 0 });
    expect(p.parse('31/02/2005 0:00:00')).toBeNull();
    expect(p.parse('2005-04-04 00:00:00')).toBeNull();
    expect(compileTimePattern('YYYY-MM-DDTHH:mm:ss.SSS').parse('2020-01-02T03:04:05.5')?.millisecond).toBe(500);
    expect(() => compileTimePattern('HH:mm')).toThrow(/lacks YYYY/);
  });
});

describe('sanitizeName', () => {
  test('lower case, runs of other characters become one underscore', () => {
    expect(sanitizeName('PM2.5')).toBe('pm2_5');
    expect(sanitizeName('Volume Flow RateRMS')).toBe('volume_flow_raterms');
    expect(sanitizeName(' Lane 1 Flow (Veh/5 Minutes)')).toBe('lane_1_flow_veh_5_minutes');
    expect(() => sanitizeName('%%')).toThrow(/cannot make a name of "%%"/);
  });
});

describe('resolveDatasetsDir', () => {
  const root = mkdtempSync(join(tmpdir(), 'hs-datasets-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  test('explicit → env → shared/datasets beside or above the working directory', () => {
    const shared = join(root, 'shared', 'datasets');
    const repo = join(root, 'repo', 'packages', 'x');
    mkdirSync(shared, { recursive: true });
    mkdirSync(repo, { recursive: true });
    expect(resolveDatasetsDir({ cwd: repo, env: {} })).toBe(shared);
    expect(resolveDatasetsDir({ cwd: root, env: {} })).toBe(shared);
    const other = join(root, 'other');
    mkdirSync(other);
    expect(resolveDatasetsDir({ cwd: repo, env: { [DATASETS_DIR_ENV]: other } })).toBe(other);
    expect(resolveDatasetsDir({ datasetsDir: repo, env: { [DATASETS_DIR_ENV]: other } })).toBe(repo);
  });

  test('clear errors when absent', () => {
    expect(() => resolveDatasetsDir({ datasetsDir: join(root, 'nope') })).toThrow(/given explicitly\) does not exist/);
    expect(() => resolveDatasetsDir({ env: { [DATASETS_DIR_ENV]: join(root, 'nope') } })).toThrow(/from HS_DATASETS_DIR\) does not exist/);
  });

  test('the real data sets are found from the repository', () => {
    expect(resolveDatasetsDir()).toMatch(/shared[/\\]datasets$/);
  });
});
