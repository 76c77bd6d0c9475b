import { describe, expect, it } from 'vitest';
import { simulatorOracle } from '../src/feed.js';
import { cityOracle } from '../src/oracle.js';

const HOUR = 3_600_000;
const start = Date.UTC(2026, 2, 2);

describe("the demo's oracle (the simulator's own forecast)", () => {
  it('scores every (site, issue time, horizon) whose step is over by the last reading, and repeats', () => {
    // The live part from 47:30 to 51:05 h (readings every 5 min, the last at 51:00): issue times 47 (the bucket
    // holding the start) to 51 h; a target counts when a reading at or after its end exists, so steps ending by 51 h.
    const options = { city: { sites: 2, seed: 4, start }, metric: 'pm25', intervalMs: HOUR, horizons: [1, 2], from: start + 47.5 * HOUR, to: start + 51 * HOUR + 5 * 60_000, futures: 5 };
    const a = cityOracle(options);
    // Horizon 1: issues 47, 48, 49, 50 (ends 48…51 h); horizon 2: issues 47, 48, 49 (ends 49…51 h); two sites.
    expect(a.n).toBe((4 + 3) * 2);
    expect(a).toEqual(cityOracle(options));
    expect(a.oracle).toBeGreaterThan(0);
    expect(a.persistence).toBeGreaterThan(0);
  });

  it("forecasts from the city's true state: traffic flow's rush hour, which persistence misses", () => {
    // A weekday morning: the flow climbs into the 8:00 peak and falls after it; futures forked from the present know
    // the demand profile and the present's incidents, persistence only the last value.
    const from = start + (24 * 7 + 6) * HOUR;
    const r = cityOracle({ city: { sites: 3, seed: 9, start }, metric: 'flow', intervalMs: 5 * 60_000, horizons: [1, 6, 12], from, to: from + 3 * HOUR, futures: 20 });
    expect(r.n).toBeGreaterThan(3 * 30);
    expect(r.oracle).toBeLessThan(0.8 * r.persistence);
  });

  it('refuses no futures or no horizon', () => {
    expect(() => cityOracle({ city: { sites: 1, seed: 1, start }, metric: 'pm25', intervalMs: HOUR, horizons: [], from: start, to: start + HOUR, futures: 5 })).toThrow(/horizon/);
    expect(() => cityOracle({ city: { sites: 1, seed: 1, start }, metric: 'pm25', intervalMs: HOUR, horizons: [1], from: start, to: start + HOUR, futures: 0 })).toThrow(/futures/);
  });

  it("the demo's simulator feed forecasts its city's regression tasks on the live view's targets, and nothing else", () => {
    // Wednesday 11:30: twelve hourly issue times from 23:00 (the bucket holding the live start), targets whose step
    // ended by the last reading (11:25): 57 per site, six sites — the live view's count for that run.
    const now = Date.parse('2026-12-02T11:30:00Z');
    const air = simulatorOracle('air_quality', 1, now);
    expect(air?.n).toBe(57 * 6);
    expect(air?.oracle).toBeGreaterThan(0);
    expect(simulatorOracle('fault', 1, now)).toBeUndefined();
    expect(simulatorOracle('throughput', 1, now)).toBeUndefined();
  });
});
