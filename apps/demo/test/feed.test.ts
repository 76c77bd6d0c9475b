import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { DataRecord } from '@headstream/datasets';
import { MIN_CALENDAR_DAYS, VALIDATION_FRACTION } from '@headstream/training';
import { type FeedPhase, LIVE_WALL_SECONDS, SIM_HISTORY_HOURS, SIM_LIVE_HOURS, SIM_MACHINE_HOURS, SIM_MACHINE_LIVE_MINUTES, simulatorFeed } from '../src/feed.js';
import { UsageError } from '../src/options.js';
import { DIR_MARKER, prepareDataDir } from '../src/services.js';

/** The records of each of a phase's streams, by name. */
async function collect(phase: FeedPhase): Promise<Record<string, DataRecord[]>> {
  const out: Record<string, DataRecord[]> = {};
  for (const stream of phase.streams) {
    const records: DataRecord[] = [];
    for await (const r of stream.records) records.push(r);
    out[stream.name] = records;
  }
  return out;
}

const HOUR = 3_600_000;
const ordered = (records: readonly DataRecord[]) => records.every((r, i) => i === 0 || r.time >= (records[i - 1]?.time ?? 0));

/**
 * Each test walks the simulators through the whole history (six weeks; the machines every second for a day): on
 * the shared 2-core machine 21–27 s for the first and 33–51 s for the second (two feeds) in clean-clone CI runs,
 * quiet to loaded (a benchmark beside), December 2026.
 */
const FEED_TIMEOUT_MS = 180_000;

describe('the simulator feed', () => {
  it('history then live, in time order, with the record counts it announces; the city and the line live for twelve hours, the machines for two, every second', { timeout: FEED_TIMEOUT_MS }, async () => {
    const now = Date.UTC(2026, 10, 30, 14, 23, 17, 456);
    const feed = simulatorFeed(7, now);
    const { simulator: history = [] } = await collect(feed.history);
    const live = await collect(feed.live);
    const cityAndLine = live['city and line'] ?? [];
    const machines = live.machines ?? [];
    expect(Object.keys(live)).toEqual(['city and line', 'machines']);
    expect(history).toHaveLength(feed.history.records);
    expect(cityAndLine.length + machines.length).toBe(feed.live.records);
    const end = Date.UTC(2026, 10, 30, 14, 23, 17);
    expect(feed.live.to).toBe(end);
    expect(feed.live.to - feed.live.from).toBe(SIM_LIVE_HOURS * HOUR);
    const machinesLive = end - SIM_MACHINE_LIVE_MINUTES * 60_000;
    expect(feed.history.to).toBe(machinesLive);
    expect(feed.live.from - feed.history.from).toBeGreaterThanOrEqual(SIM_HISTORY_HOURS * HOUR);
    expect(ordered(history) && ordered(cityAndLine) && ordered(machines)).toBe(true);
    const isMachine = (r: DataRecord) => /-m\d+$/.test(r.site);
    // The history: the city and the line before their live part, the machines before theirs; nothing twice, nothing lost.
    expect(history.every((r) => r.time >= feed.history.from && r.time < (isMachine(r) ? machinesLive : feed.live.from))).toBe(true);
    expect(history.some((r) => isMachine(r) && r.time >= feed.live.from)).toBe(true);
    expect(cityAndLine.every((r) => !isMachine(r) && r.time >= feed.live.from && r.time < end)).toBe(true);
    expect(machines.every((r) => isMachine(r) && r.time >= machinesLive && r.time < end)).toBe(true);
    // Each stream is paced to fit the wall time.
    const speed = Object.fromEntries(feed.live.streams.map((s) => [s.name, s.speed]));
    expect(speed['city and line']).toBeCloseTo((SIM_LIVE_HOURS * HOUR) / (LIVE_WALL_SECONDS * 1000));
    expect(speed.machines).toBeCloseTo((SIM_MACHINE_LIVE_MINUTES * 60_000) / (LIVE_WALL_SECONDS * 1000));

    const times = (site: string, records: DataRecord[]) => records.filter((r) => r.site === site).map((r) => r.time);
    // The predictor skips fault windows with under half of their 1 s steps observed: machines report every second, without a gap between history and live.
    for (const machine of ['line-01-m1', 'line-01-m2']) {
      const t = [...times(machine, history), ...times(machine, machines)];
      expect(t[0]).toBe(machinesLive - SIM_MACHINE_HOURS * HOUR);
      expect(t.at(-1)).toBe(end - 1000);
      expect(t.every((x, i) => i === 0 || x - (t[i - 1] ?? 0) === 1000)).toBe(true);
      // Overhauled where the history starts: its first minute (the fault task's deviation baseline) is healthy running.
      const firstMinute = history.filter((r) => r.site === machine).slice(0, 60);
      expect(firstMinute.every((r) => r.labels?.fault === 0 && r.labels.health === 1)).toBe(true);
    }
    const line = [...times('line-01', history), ...times('line-01', cityAndLine)];
    expect(line.every((x, i) => i === 0 || x - (line[i - 1] ?? 0) === 60_000)).toBe(true);
    expect(line[0]).toBe(feed.history.from);
    // Every hourly site gets twelve live hours: twelve issue times for the live view to score.
    for (const site of ['city-001', 'city-006']) expect(new Set(times(site, cityAndLine).map((t) => Math.floor(t / HOUR))).size).toBe(SIM_LIVE_HOURS + 1);
    // Ground truth travels as labels (gt_* on the wire): the fault class of every machine record.
    expect(machines.filter((r) => r.site === 'line-01-m1').every((r) => typeof r.labels?.fault === 'number')).toBe(true);
    const cities = new Set(history.filter((r) => r.domain === 'city').map((r) => r.site));
    expect([...cities].sort()).toEqual(['city-001', 'city-002', 'city-003', 'city-004', 'city-005', 'city-006']);
    // Six weeks of history: the training part (all but the latest VALIDATION_FRACTION) spans the days a calendar needs.
    expect((1 - VALIDATION_FRACTION) * (feed.live.from - feed.history.from)).toBeGreaterThanOrEqual(MIN_CALENDAR_DAYS * 86_400_000);
  });

  it('the same seed and clock give the same readings', { timeout: FEED_TIMEOUT_MS }, async () => {
    const now = Date.UTC(2026, 0, 1, 12);
    const a = await collect(simulatorFeed(3, now).live);
    const b = await collect(simulatorFeed(3, now).live);
    expect(a.machines?.length).toBe((SIM_MACHINE_LIVE_MINUTES * 60 * 2));
    expect(a['city and line']?.length).toBeGreaterThan(0);
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
