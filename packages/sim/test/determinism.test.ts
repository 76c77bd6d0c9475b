import { parseReadingMessage } from '@headstream/core';
import { describe, expect, test } from 'vitest';
import { createRatePacer, parseRate, simRecordToFrame, simulate, simulateCity, simulatedSites, simulateFactory, type PacerClock, type SimRecord } from '../src/index.js';

const take = (it: Iterable<SimRecord>, n: number): SimRecord[] => {
  const out: SimRecord[] = [];
  for (const r of it) {
    if (out.length >= n) break;
    out.push(r);
  }
  return out;
};

describe('simulate', () => {
  test('same seed → same stream; another seed → another stream', () => {
    const a = take(simulate({ city: 2, factory: 5, seed: 42 }), 5000);
    const b = take(simulate({ city: 2, factory: 5, seed: 42 }), 5000);
    const c = take(simulate({ city: 2, factory: 5, seed: 43 }), 5000);
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a)).not.toBe(JSON.stringify(c));
    expect(JSON.stringify(take(simulate({ city: 1, factory: 1, seed: 'plant-a' }), 100))).toBe(JSON.stringify(take(simulate({ city: 1, factory: 1, seed: 'plant-a' }), 100)));
  });

  test('sites are independent: adding sites or a domain leaves the others unchanged', () => {
    const alone = take(simulateCity({ sites: 1, seed: 5 }), 500);
    const withMore = take(simulateCity({ sites: 4, seed: 5 }), 2000).filter((r) => r.site === 'city-001');
    expect(withMore).toEqual(alone);
    const mixed = take(simulate({ city: 1, factory: 2, seed: 5 }), 5000).filter((r) => r.domain === 'city');
    expect(mixed).toEqual(alone.slice(0, mixed.length));
  });

  test('one time-ordered stream from both domains at their intervals', () => {
    const start = Date.UTC(2024, 5, 1);
    const rs = [...simulate({ city: 2, factory: 3, seed: 1, start, until: start + 3_600_000 })];
    for (let i = 1; i < rs.length; i++) expect(rs[i]!.time).toBeGreaterThanOrEqual(rs[i - 1]!.time);
    expect(rs.filter((r) => r.domain === 'city')).toHaveLength(2 * 12);
    expect(rs.filter((r) => r.domain === 'factory')).toHaveLength((3 + 1) * 360);
    expect(rs[0]!.time).toBe(start);
    expect(Math.max(...rs.map((r) => r.time))).toBeLessThan(start + 3_600_000);
    const sites = simulatedSites({ city: 2, factory: 3 });
    expect(sites).toEqual({ city: ['city-001', 'city-002'], factory: ['line-01-m1', 'line-01-m2', 'line-01-m3', 'line-01'] });
    expect(new Set(rs.map((r) => r.site))).toEqual(new Set([...sites.city, ...sites.factory]));
    const same = [...simulate({ city: 1, factory: 1, seed: 1, start, until: start + 60_000, intervalMs: 20_000 })];
    expect(same.map((r) => `${r.domain}@${r.time - start}`)).toEqual(['city@0', 'factory@0', 'factory@0', 'city@20000', 'factory@20000', 'factory@20000', 'city@40000', 'factory@40000', 'factory@40000']);
  });

  test('frames carry ground truth as gt_ metrics and pass ingest parsing', () => {
    const rs = take(simulate({ city: 1, factory: 1, seed: 3 }), 10);
    const frames = rs.map((r) => simRecordToFrame(r));
    expect(Object.keys(frames.find((f) => f.domain === 'city')!.values)).toContain('gt_incident');
    expect(Object.keys(frames.find((f) => f.site === 'line-01-m1')!.values)).toEqual(expect.arrayContaining(['gt_fault', 'gt_anomaly', 'gt_health']));
    expect(simRecordToFrame(rs[0]!, { groundTruth: false, domainField: false })).toEqual({ site: rs[0]!.site, ts: rs[0]!.time, values: rs[0]!.values });
    const parsed = parseReadingMessage(JSON.stringify(frames), { now: Date.UTC(2030, 0, 1) });
    expect(parsed.ok).toBe(true);
  });

  test('bad options get clear errors', () => {
    expect(() => take(simulate({ city: 0, factory: 0, seed: 1 }), 1)).toThrow(/at least one city site or factory machine/);
    expect(() => take(simulateCity({ sites: 1.5, seed: 1 }), 1)).toThrow(/city sites must be an integer 1\.\.10000, got 1\.5/);
    expect(() => take(simulateFactory({ machines: 2, seed: -1 }), 1)).toThrow(/seed must be a non-negative integer or a string, got -1/);
    expect(() => take(simulateFactory({ machines: 2, seed: 1, intervalMs: 0 }), 1)).toThrow(/intervalMs must be a positive integer, got 0/);
  });
});

describe('rate pacer', () => {
  test('R items per second on an injected clock, no flood after a stall', async () => {
    let now = 0;
    const sleeps: number[] = [];
    const clock: PacerClock = { now: () => now, sleep: (ms) => (sleeps.push(ms), (now += ms), Promise.resolve()) };
    const pacer = createRatePacer({ ratePerSec: parseRate('10/s'), clock });
    for (let i = 0; i < 25; i++) await pacer.take();
    expect(now).toBe(2400);
    now += 60_000; // consumer stalled for a minute
    const before = sleeps.length;
    for (let i = 0; i < 20; i++) await pacer.take();
    // At most one second of credit is reused, then back to 10/s.
    expect(now - 62_400).toBeGreaterThanOrEqual(900);
    expect(sleeps.length - before).toBeGreaterThan(5);
    await createRatePacer({ ratePerSec: 5, clock }).take(10);
    expect(() => parseRate('fast')).toThrow(/rate "fast" is not a positive number per second/);
    expect(() => createRatePacer({ ratePerSec: 0 })).toThrow(/rate must be a positive number/);
  });
});
