import type { Reading } from '@headstream/core';
import { alignTime, readingsToFrame, type SeriesFrame } from '@headstream/features';
import { migrate, ReadingWriter } from '@headstream/store';
import { databaseTargets, describeEachTarget, type TestDatabase } from '@headstream/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { listSeries, readSiteFrames } from '../src/history.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const T0 = Date.UTC(2024, 0, 1);

/** Deterministic pseudo-random numbers in [0, 1) (no seeded RNG in the standard library). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/**
 * m1 (factory): vibration every 20 s (off the minute grid), current on every other reading, and an
 * hour with nothing; m2: current only, from 3 h on; m1 in the city domain too (must never mix in);
 * p5: flow every minute for a day with some empty 5-minute buckets (rollup comparisons).
 */
function makeReadings(): Reading[] {
  const random = lcg(42);
  const out: Reading[] = [];
  for (let k = 0; k < 6 * 180; k++) {
    const time = T0 + k * 20_000 + 7;
    if (time >= T0 + 2 * HOUR && time < T0 + 3 * HOUR) continue;
    const values: Record<string, number> = { vibration: 2 + random() / 3 };
    if (k % 2 === 0) values.current = 10 + random();
    out.push({ domain: 'factory', site: 'm1', time, values });
  }
  for (let k = 0; k < 200; k++) out.push({ domain: 'factory', site: 'm2', time: T0 + 3 * HOUR + k * 30_000 + 123, values: { current: 8 + random() } });
  for (let k = 0; k < 100; k++) out.push({ domain: 'city', site: 'm1', time: T0 - HOUR + k * 60_000, values: { vibration: 100 + k } });
  for (let k = 0; k < 24 * 60; k++) {
    if (Math.floor(k / 5) % 17 === 3) continue;
    out.push({ domain: 'city', site: 'p5', time: T0 + k * MINUTE + 1_500, values: { flow: Math.round(random() * 1000) / 10 } });
  }
  return out;
}

/** The readings of one site, sorted by time, as the database returns them. */
function siteReadings(all: readonly Reading[], domain: string, site: string, range: { from?: number; to?: number } = {}): Reading[] {
  return all
    .filter((r) => r.domain === domain && r.site === site && r.time >= (range.from ?? -Infinity) && r.time < (range.to ?? Infinity))
    .sort((a, b) => a.time - b.time);
}

/** readingsToFrame over the site's own extent of the given metrics (the frame readSiteFrames must give). */
function expectedFrame(readings: readonly Reading[], metrics: readonly string[], intervalMs: number, start?: number): SeriesFrame {
  const times = readings.filter((r) => metrics.some((m) => m in r.values)).map((r) => r.time);
  const first = Math.min(...times);
  const last = Math.max(...times);
  return readingsToFrame(readings, metrics, { start: start ?? first, end: alignTime(last, intervalMs) + intervalMs }, intervalMs);
}

/** NaN where the other is NaN, and values within a float's rounding of a different summation order. */
function expectCloseFrames(actual: SeriesFrame | undefined, expected: SeriesFrame): void {
  expect(actual).toBeDefined();
  if (actual === undefined) return;
  expect({ start: actual.start, length: actual.length, channels: actual.channels }).toEqual({ start: expected.start, length: expected.length, channels: expected.channels });
  expected.values.forEach((column, c) => {
    const got = actual.values[c] ?? new Float64Array();
    column.forEach((v, i) => {
      if (Number.isNaN(v)) expect(got[i], `channel ${c} bucket ${i}`).toBeNaN();
      else expect(got[i], `channel ${c} bucket ${i}`).toBeCloseTo(v, 9);
    });
  });
}

describeEachTarget(databaseTargets({ timescale: true }), 'task history on $name', ({ open }) => {
  let db: TestDatabase;
  const readings = makeReadings();

  beforeAll(async () => {
    db = await open(import.meta.filename);
    await migrate(db);
    // Out of order, over several batches: the reader must not depend on insert order.
    const random = lcg(7);
    const shuffled = readings.map((r) => ({ r, k: random() })).sort((a, b) => a.k - b.k).map(({ r }) => r);
    const writer = new ReadingWriter(db);
    for (let i = 0; i < shuffled.length; i += 700) await writer.write(shuffled.slice(i, i + 700));
  });
  afterAll(async () => {
    await db.dispose();
  });

  it('lists the stored series with counts and extents', async () => {
    const all = await listSeries(db);
    const count = (domain: string, site: string, metric: string) => readings.filter((r) => r.domain === domain && r.site === site && metric in r.values);
    const info = (domain: string, site: string, metric: string) => {
      const rs = count(domain, site, metric);
      return { domain, site, metric, readings: rs.length, first: Math.min(...rs.map((r) => r.time)), last: Math.max(...rs.map((r) => r.time)) };
    };
    expect(all).toEqual([
      info('city', 'm1', 'vibration'),
      info('city', 'p5', 'flow'),
      info('factory', 'm1', 'current'),
      info('factory', 'm1', 'vibration'),
      info('factory', 'm2', 'current'),
    ]);
    expect((await listSeries(db, { domain: 'factory' })).map((s) => `${s.site}/${s.metric}`)).toEqual(['m1/current', 'm1/vibration', 'm2/current']);
    expect(await listSeries(db, { domain: 'nowhere' })).toEqual([]);
  });

  it('gives the frames readingsToFrame gives: several readings per bucket, gaps as NaN, in small pages too', async () => {
    const expected = expectedFrame(siteReadings(readings, 'factory', 'm1'), ['vibration', 'current'], MINUTE);
    for (const pageRows of [undefined, 37]) {
      const frames = await readSiteFrames(db, { domain: 'factory', sites: ['m1'], metrics: { vibration: 'vibration', current: 'current' }, intervalMs: MINUTE, pageRows });
      expect(Object.keys(frames)).toEqual(['m1']);
      // Same readings in the same (time) order: bit-for-bit the same means.
      expect(frames.m1).toEqual(expected);
    }
    // The hour without readings is NaN, and the frame holds buckets on both sides of it.
    const vibration = expected.values[0] ?? new Float64Array();
    expect(vibration.slice(120, 180).every(Number.isNaN)).toBe(true);
    expect(Number.isFinite(vibration[119]) && Number.isFinite(vibration[180])).toBe(true);
  });

  it('starts each site at its own first reading and leaves out sites without readings', async () => {
    const frames = await readSiteFrames(db, {
      domain: 'factory',
      sites: ['m2', 'm1', 'absent', 'm2'],
      metrics: { current: 'current' },
      intervalMs: 5 * MINUTE,
    });
    expect(Object.keys(frames).sort()).toEqual(['m1', 'm2']);
    expect(frames.m2).toEqual(expectedFrame(siteReadings(readings, 'factory', 'm2'), ['current'], 5 * MINUTE));
    expect(frames.m2?.start).toBe(T0 + 3 * HOUR);
    expect(frames.m1).toEqual(expectedFrame(siteReadings(readings, 'factory', 'm1'), ['current'], 5 * MINUTE));
    expect(await readSiteFrames(db, { domain: 'factory', sites: ['m1'], metrics: { t: 'temperature' }, intervalMs: MINUTE })).toEqual({});
    expect(await readSiteFrames(db, { domain: 'factory', sites: [], metrics: { current: 'current' }, intervalMs: MINUTE })).toEqual({});
  });

  it('renames: channels in the order of the keys, fed by the named database metrics', async () => {
    const frames = await readSiteFrames(db, {
      domain: 'factory',
      sites: ['m1'],
      metrics: { amps: 'current', vib: 'vibration', vib_again: 'vibration' },
      intervalMs: MINUTE,
    });
    const expected = expectedFrame(siteReadings(readings, 'factory', 'm1'), ['current', 'vibration'], MINUTE);
    expect(frames.m1?.channels).toEqual(['amps', 'vib', 'vib_again']);
    expect(frames.m1?.values).toEqual([expected.values[0], expected.values[1], expected.values[1]]);
  });

  it('honours from and to, floored to the bucket grid', async () => {
    const from = T0 + 90 * MINUTE + 30_000;
    const to = T0 + 4 * HOUR + 10_000;
    const frames = await readSiteFrames(db, { domain: 'factory', sites: ['m1', 'm2'], metrics: { vibration: 'vibration', current: 'current' }, intervalMs: MINUTE, from, to });
    const range = { from: alignTime(from, MINUTE), to: alignTime(to, MINUTE) };
    const m1 = siteReadings(readings, 'factory', 'm1', range);
    expect(frames.m1).toEqual(expectedFrame(m1, ['vibration', 'current'], MINUTE, range.from));
    expect(frames.m1?.start).toBe(T0 + 90 * MINUTE);
    expect((frames.m1?.start ?? 0) + (frames.m1?.length ?? 0) * MINUTE).toBe(range.to);
    // m2 starts at 3 h, yet its frame starts at `from`: leading buckets are NaN.
    expect(frames.m2?.start).toBe(range.from);
    expect(frames.m2).toEqual(expectedFrame(siteReadings(readings, 'factory', 'm2', range), ['vibration', 'current'], MINUTE, range.from));
    expect(frames.m2?.values[1]?.slice(0, 90).every(Number.isNaN)).toBe(true);

    // A split at t puts every bucket in exactly one part.
    const split = T0 + 100 * MINUTE + 17_000;
    const query = { domain: 'factory', sites: ['m1'], metrics: { vibration: 'vibration' }, intervalMs: MINUTE };
    const whole = (await readSiteFrames(db, query)).m1;
    const before = (await readSiteFrames(db, { ...query, to: split })).m1;
    const after = (await readSiteFrames(db, { ...query, from: split })).m1;
    expect((before?.length ?? 0) + (after?.length ?? 0)).toBe(whole?.length);
    expect([...(before?.values[0] ?? []), ...(after?.values[0] ?? [])]).toEqual([...(whole?.values[0] ?? [])]);

    expect(await readSiteFrames(db, { ...query, to: T0 })).toEqual({});
    expect(await readSiteFrames(db, { ...query, from: T0 + 24 * HOUR })).toEqual({});
    expect(await readSiteFrames(db, { ...query, from: T0 + HOUR, to: T0 + HOUR })).toEqual({});
  });

  it('reads rollup means that match the raw bucket means (5 min and 1 h)', async () => {
    const query = { domain: 'city', sites: ['p5'], metrics: { flow: 'flow' } };
    for (const intervalMs of [5 * MINUTE, HOUR]) {
      const raw = await readSiteFrames(db, { ...query, intervalMs });
      const rollup = await readSiteFrames(db, { ...query, intervalMs, useRollups: true });
      expect(raw.p5).toEqual(expectedFrame(siteReadings(readings, 'city', 'p5'), ['flow'], intervalMs));
      expectCloseFrames(rollup.p5, raw.p5 as SeriesFrame);
    }
    // 5-min frame: the skipped 5-minute buckets are gaps on both paths.
    const rollup = (await readSiteFrames(db, { ...query, intervalMs: 5 * MINUTE, useRollups: true })).p5;
    expect(Number.isNaN(rollup?.values[0]?.[3])).toBe(true);
    // from/to apply to rollups as well.
    const ranged = (await readSiteFrames(db, { ...query, intervalMs: 5 * MINUTE, useRollups: true, from: T0 + HOUR + 1, to: T0 + 2 * HOUR })).p5;
    expect({ start: ranged?.start, length: ranged?.length }).toEqual({ start: T0 + HOUR, length: 12 });
    // No rollup for other intervals: raw readings are read.
    const minute = await readSiteFrames(db, { ...query, intervalMs: MINUTE, useRollups: true });
    expect(minute.p5).toEqual(expectedFrame(siteReadings(readings, 'city', 'p5'), ['flow'], MINUTE));
  });
});
