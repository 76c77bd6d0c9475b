import { describe, expect, test } from 'vitest';
import { City, CITY_METRICS, demandProfile, Rng, simulateCity, type SimRecord } from '../src/index.js';
import { autocorrelation, correlation, mean } from './stats.js';

const DAY = 24 * 3_600_000;
const start = Date.UTC(2024, 0, 1); // a Monday
// Four weeks of three sites at 5 min: enough days for stable statistics, well under a second.
const records: SimRecord[] = [...simulateCity({ sites: 3, seed: 7, start, until: start + 28 * DAY })];
const site1 = records.filter((r) => r.site === 'city-001');
const values = (rs: SimRecord[], metric: string) => rs.map((r) => r.values[metric] ?? Number.NaN);

describe('city simulator', () => {
  test('the statistics helpers refuse an empty subset instead of reading it as 0', () => {
    expect(() => mean([])).toThrow(/empty/);
  });

  test('one record per site per 5-min step, every metric finite', () => {
    expect(records).toHaveLength(3 * 28 * 288);
    expect(new Set(records.map((r) => r.site))).toEqual(new Set(['city-001', 'city-002', 'city-003']));
    for (const r of records.slice(0, 2000)) {
      expect(Object.keys(r.values).sort()).toEqual(Object.keys(CITY_METRICS).sort());
      expect(Object.values(r.values).every(Number.isFinite)).toBe(true);
    }
    expect(site1[1]!.time - site1[0]!.time).toBe(5 * 60_000);
  });

  test('daily seasonality: flow autocorrelation at 1 day is high, at half a day negative', () => {
    const flow = values(site1, 'flow');
    expect(autocorrelation(flow, 288)).toBeGreaterThan(0.6);
    expect(autocorrelation(flow, 144)).toBeLessThan(0);
    const byHour = (h: number) => mean(site1.filter((r) => new Date(r.time).getUTCHours() === h && new Date(r.time).getUTCDay() % 6 !== 0).map((r) => r.values.flow ?? 0));
    expect(byHour(8)).toBeGreaterThan(3 * byHour(3));
    expect(byHour(17)).toBeGreaterThan(3 * byHour(3));
    // Air quality follows the traffic cycle too.
    expect(autocorrelation(values(site1, 'no2'), 288)).toBeGreaterThan(0.3);
  });

  test('flow is a vehicle count: whole vehicles at 5 min, its step-to-step noise Poisson (variance ≈ flow) at every level, as in PeMS', () => {
    const flow = values(site1, 'flow');
    expect(flow.every((v) => Number.isInteger(v) && v >= 0)).toBe(true);
    // Noise variance from second differences, d = x(t) − (x(t−1) + x(t+1))/2: var(d) = 1.5 σ² for white noise
    // (the slow demand profile cancels). PeMS detector flow gives σ²/flow 0.8–1.1 in every band of 20 veh/5min.
    const bands = new Map<number, { d: number[]; level: number[] }>();
    for (let i = 1; i < flow.length - 1; i++) {
      const [a, b, c] = [flow[i - 1] ?? 0, flow[i] ?? 0, flow[i + 1] ?? 0];
      const band = Math.floor((a + b + c) / 3 / 20) * 20;
      let entry = bands.get(band);
      if (!entry) bands.set(band, (entry = { d: [], level: [] }));
      entry.d.push(b - (a + c) / 2);
      entry.level.push((a + b + c) / 3);
    }
    const checked = [...bands.entries()].filter(([, e]) => e.d.length >= 300);
    expect(checked.length).toBeGreaterThanOrEqual(3);
    for (const [band, e] of checked) {
      const m = mean(e.d);
      const ratio = mean(e.d.map((d) => (d - m) ** 2)) / 1.5 / mean(e.level);
      expect(ratio, `band ${band}`).toBeGreaterThan(0.75);
      expect(ratio, `band ${band}`).toBeLessThan(1.3);
    }
    // At another interval flow stays veh/5min: a 1-min count times 5.
    const perMinute = [...simulateCity({ sites: 1, seed: 7, start, until: start + DAY, intervalMs: 60_000 })];
    expect(perMinute.every((r) => Number.isInteger((r.values.flow ?? NaN) / 5))).toBe(true);
    expect(mean(values(perMinute, 'flow'))).toBeGreaterThan(0.8 * mean(flow.slice(0, 288)));
    expect(mean(values(perMinute, 'flow'))).toBeLessThan(1.25 * mean(flow.slice(0, 288)));
  });

  test('Poisson counts: mean and variance equal the mean asked for, exact draws below 30 and the normal approximation above', () => {
    const rng = new Rng(11);
    for (const lambda of [0.5, 4, 29, 30, 120]) {
      const xs = Array.from({ length: 20_000 }, () => rng.poisson(lambda));
      expect(xs.every((x) => Number.isInteger(x) && x >= 0)).toBe(true);
      const m = mean(xs);
      expect(Math.abs(m - lambda), `mean at ${lambda}`).toBeLessThan(0.05 * lambda + 0.03);
      expect(Math.abs(mean(xs.map((x) => (x - m) ** 2)) / lambda - 1), `variance at ${lambda}`).toBeLessThan(0.08);
    }
    expect(rng.poisson(0)).toBe(0);
  });

  test('weekly seasonality: weekends carry less traffic than weekdays', () => {
    const weekend = site1.filter((r) => new Date(r.time).getUTCDay() % 6 === 0);
    const weekday = site1.filter((r) => new Date(r.time).getUTCDay() % 6 !== 0);
    expect(mean(values(weekend, 'flow'))).toBeLessThan(0.8 * mean(values(weekday, 'flow')));
    expect(demandProfile(8, false)).toBeGreaterThan(2 * demandProfile(8, true));
  });

  test('incidents are labelled, rare, and drop speed while congestion rises', () => {
    const during = records.filter((r) => r.labels.incident === 1);
    const outside = records.filter((r) => r.labels.incident === 0);
    expect(during.length + outside.length).toBe(records.length);
    expect(during.length / records.length).toBeGreaterThan(0.005);
    expect(during.length / records.length).toBeLessThan(0.1);
    expect(mean(values(during, 'speed'))).toBeLessThan(0.7 * mean(values(outside, 'speed')));
    expect(mean(values(during, 'occupancy'))).toBeGreaterThan(1.5 * mean(values(outside, 'occupancy')));
    const none = [...simulateCity({ sites: 3, seed: 7, start, until: start + 7 * DAY, incidentsPerDay: 0 })];
    expect(none.every((r) => r.labels.incident === 0)).toBe(true);
  });

  test('air quality: NO2 rises with traffic; wind disperses and rain washes PM2.5 out', () => {
    expect(correlation(values(site1, 'flow'), values(site1, 'no2'))).toBeGreaterThan(0.3);
    const windy = records.filter((r) => (r.values.wind_speed ?? 0) > 4);
    const calm = records.filter((r) => (r.values.wind_speed ?? 0) < 2);
    expect(mean(values(windy, 'pm25'))).toBeLessThan(0.85 * mean(values(calm, 'pm25')));
    expect(correlation(values(site1, 'wind_speed'), values(site1, 'pm25'))).toBeLessThan(-0.2);
    expect(mean(values(windy, 'no2'))).toBeLessThan(mean(values(calm, 'no2')));
    const rain = records.filter((r) => (r.values.rain ?? 0) > 0);
    const dry = records.filter((r) => r.values.rain === 0);
    expect(rain.length).toBeGreaterThan(0.02 * records.length);
    expect(mean(values(rain, 'pm25'))).toBeLessThan(0.9 * mean(values(dry, 'pm25')));
  });

  test('weather is shared by the sites of a city', () => {
    const at = records.filter((r) => r.time === start + DAY);
    expect(new Set(at.map((r) => r.values.temperature)).size).toBe(1);
    expect(new Set(at.map((r) => r.values.flow)).size).toBe(3);
  });
});

describe('City (one step at a time, forked futures)', () => {
  const steps = (city: City, n: number) => Array.from({ length: n }, () => city.step()).flat();

  test('steps as simulateCity streams, and forking leaves the city as it was', () => {
    const options = { sites: 3, seed: 11, start: Date.UTC(2026, 0, 5) };
    const streamed: SimRecord[] = [];
    for (const r of simulateCity({ ...options, until: options.start + 400 * 5 * 60_000 })) streamed.push(r);
    const city = City.create(options);
    const first = steps(city, 200);
    const fork = city.fork('a');
    steps(fork, 50);
    expect([...first, ...steps(city, 200)]).toEqual(streamed);
    expect(city.time).toBe(options.start + 400 * 5 * 60_000);
  });

  test('a fork starts from the present and its randomness is its seed: same seed, same future; another seed, another', () => {
    const city = City.create({ sites: 2, seed: 3 });
    steps(city, 300);
    const a = steps(city.fork('x'), 24);
    const b = steps(city.fork('x'), 24);
    const c = steps(city.fork('y'), 24);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a[0]?.time).toBe(city.time);
    // The present carries over: the first step's PM2.5 relaxes from the same concentrations, so the futures start close together.
    const pm = (r: SimRecord[], i: number) => r[i]?.values.pm25 ?? NaN;
    expect(Math.abs(pm(a, 0) - pm(c, 0)) / pm(a, 0)).toBeLessThan(0.3);
  });
});
