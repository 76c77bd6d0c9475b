import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DataRecord } from '@headstream/datasets';
import { MIN_CALENDAR_DAYS, VALIDATION_FRACTION } from '@headstream/training';
import { type FeedPhase, LIVE_WALL_SECONDS, SIM_HISTORY_HOURS, SIM_LIVE_MINUTES, SIM_MACHINE_HOURS, simulatorFeed } from '../src/feed.js';
import { UsageError } from '../src/options.js';
import { DIR_MARKER, prepareDataDir } from '../src/services.js';

/** The records of a phase's only stream. */
async function collect(phase: FeedPhase): Promise<DataRecord[]> {
  expect(phase.streams).toHaveLength(1);
  const out: DataRecord[] = [];
  for await (const r of phase.streams[0]?.records ?? []) out.push(r);
  return out;
}

describe('the simulator feed', () => {
  it('history then live, in time order, with the record counts it announces; machines every second for their last hours, lines every minute', { timeout: 60_000 }, async () => {
    const now = Date.UTC(2026, 10, 30, 14, 23, 17, 456);
    const feed = simulatorFeed(7, now);
    const history = await collect(feed.history);
    const live = await collect(feed.live);
    expect(history).toHaveLength(feed.history.records);
    expect(live).toHaveLength(feed.live.records);
    expect(feed.live.to).toBe(Date.UTC(2026, 10, 30, 14, 23, 17));
    expect(feed.live.to - feed.live.from).toBe(SIM_LIVE_MINUTES * 60_000);
    expect(feed.history.to).toBe(feed.live.from);
    expect(feed.live.from - feed.history.from).toBeGreaterThanOrEqual(SIM_HISTORY_HOURS * 3_600_000);
    expect(history.every((r, i) => r.time >= feed.history.from && r.time < feed.history.to && (i === 0 || r.time >= (history[i - 1]?.time ?? 0)))).toBe(true);
    expect(live.every((r) => r.time >= feed.live.from && r.time < feed.live.to)).toBe(true);
    // Live at a speed that fits the wall time.
    expect(feed.live.streams[0]?.speed).toBeCloseTo((SIM_LIVE_MINUTES * 60_000) / (LIVE_WALL_SECONDS * 1000));

    const times = (site: string, records: DataRecord[]) => records.filter((r) => r.site === site).map((r) => r.time);
    // The predictor skips fault windows with under half of their 1 s steps observed: machines report every second.
    for (const machine of ['line-01-m1', 'line-01-m2']) {
      const t = [...times(machine, history), ...times(machine, live)];
      expect(t[0]).toBe(feed.live.from - SIM_MACHINE_HOURS * 3_600_000);
      expect(t.every((x, i) => i === 0 || x - (t[i - 1] ?? 0) === 1000)).toBe(true);
    }
    const line = times('line-01', history);
    expect(line.every((x, i) => i === 0 || x - (line[i - 1] ?? 0) === 60_000)).toBe(true);
    expect(line[0]).toBe(feed.history.from);
    // Ground truth travels as labels (gt_* on the wire): the fault class of every machine record.
    expect(live.filter((r) => r.site === 'line-01-m1').every((r) => typeof r.labels?.fault === 'number')).toBe(true);
    const cities = new Set(history.filter((r) => r.domain === 'city').map((r) => r.site));
    expect([...cities].sort()).toEqual(['city-001', 'city-002', 'city-003', 'city-004', 'city-005', 'city-006']);
    // Three weeks of history: the training part (all but the latest VALIDATION_FRACTION) spans the days a calendar needs.
    expect((1 - VALIDATION_FRACTION) * (feed.history.to - feed.history.from)).toBeGreaterThanOrEqual(MIN_CALENDAR_DAYS * 86_400_000);
  });

  it('the same seed and clock give the same readings', async () => {
    const now = Date.UTC(2026, 0, 1, 12);
    const a = await collect(simulatorFeed(3, now).live);
    const b = await collect(simulatorFeed(3, now).live);
    expect(a.length).toBeGreaterThan(0);
    expect(b).toEqual(a);
  });
});

describe('the demo folder', () => {
  const root = mkdtempSync(join(tmpdir(), 'hs-demo-dir-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('a new folder is made and marked; a rerun empties it; a folder the demo did not make is refused and left alone', () => {
    const dir = join(root, 'demo');
    prepareDataDir(dir);
    expect(readdirSync(dir)).toEqual([DIR_MARKER]);
    mkdirSync(join(dir, 'db'));
    writeFileSync(join(dir, 'db', 'PG_VERSION'), '17');
    prepareDataDir(dir);
    expect(readdirSync(dir)).toEqual([DIR_MARKER]);

    const foreign = join(root, 'mine');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'notes.txt'), 'keep me');
    expect(() => prepareDataDir(foreign)).toThrow(UsageError);
    expect(() => prepareDataDir(foreign)).toThrow(/holds files the demo did not create/);
    expect(readdirSync(foreign)).toEqual(['notes.txt']);
    // An empty existing folder is fine.
    const empty = join(root, 'empty');
    mkdirSync(empty);
    prepareDataDir(empty);
    expect(existsSync(join(empty, DIR_MARKER))).toBe(true);
  });
});
