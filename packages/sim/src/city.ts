import { arStep, chanceWithin, normaliseSeed, relax, Rng, round } from './random.js';
import { checkCount, checkTiming, HOUR_MS, type SimRecord } from './records.js';

export interface CityOptions {
  /** Number of city sites (road + air sensors at each), 1..10000. */
  sites: number;
  seed: number | string;
  /** Virtual start, epoch ms (default 2024-01-01T00:00Z). The city keeps UTC as local time. */
  start?: number;
  /** Sampling interval, ms (default 5 min, the traffic task's). */
  intervalMs?: number;
  /** Stop before this epoch ms (default: never). */
  until?: number;
  /** Mean incidents per site per day (default 0.5). */
  incidentsPerDay?: number;
}

/** Metrics of every city record, with units (flow in TASKS.traffic's veh/5min at any interval). */
export const CITY_METRICS = {
  flow: 'veh/5min',
  speed: 'km/h',
  occupancy: '%',
  pm25: 'µg/m³',
  no2: 'µg/m³',
  temperature: '°C',
  wind_speed: 'm/s',
  rain: 'mm/h',
} as const;
/** Ground truth of every city record: incident = 1 while an incident blocks the road. */
export const CITY_LABELS = ['incident'] as const;

export function citySiteName(i: number): string {
  return `city-${String(i + 1).padStart(3, '0')}`;
}

/** Smooth bump on the 24-hour circle. */
function dayBump(hour: number, centre: number, width: number): number {
  let d = Math.abs(hour - centre);
  d = Math.min(d, 24 - d);
  return Math.exp(-0.5 * (d / width) ** 2);
}

/**
 * Relative traffic demand by hour of day: weekday morning and evening peaks on a midday
 * plateau; weekends a single late, lower hump. Peak weekday ≈ 1.
 */
export function demandProfile(hourOfDay: number, weekend: boolean): number {
  if (weekend) return 0.1 + 0.45 * dayBump(hourOfDay, 13.5, 3.5);
  return 0.08 + 0.85 * dayBump(hourOfDay, 8, 1.3) + 0.75 * dayBump(hourOfDay, 17.5, 1.6) + 0.3 * dayBump(hourOfDay, 13, 3);
}

/** Shared by the whole city: temperature, wind, rain, and the regional PM2.5 background. */
class Weather {
  private tempNoise: number;
  private windLog: number;
  private pmLog: number;
  private raining: boolean;
  private rainLog: number;
  temperature = 0;
  windSpeed = 0;
  rain = 0;
  regionalPm = 0;

  constructor(private rng: Rng) {
    this.tempNoise = 1.5 * rng.normal();
    this.windLog = 0.45 * rng.normal();
    this.pmLog = 0.6 * rng.normal();
    this.raining = rng.chance(0.1);
    this.rainLog = 0;
  }

  /** The same state drawing its randomness from `rng` from here on. */
  copy(rng: Rng): Weather {
    const copy: Weather = Object.assign(Object.create(Weather.prototype) as Weather, this);
    copy.rng = rng;
    return copy;
  }

  step(time: number, hours: number): void {
    const rng = this.rng;
    const date = new Date(time);
    const hour = date.getUTCHours() + date.getUTCMinutes() / 60;
    const dayOfYear = (time - Date.UTC(date.getUTCFullYear(), 0, 1)) / (24 * HOUR_MS);
    // Rain: an on/off Markov chain (starts ~every 1.5 days, lasts ~4 h), lognormal intensity.
    if (this.raining ? rng.chance(chanceWithin(0.25, hours)) : rng.chance(chanceWithin(0.028, hours))) this.raining = !this.raining;
    this.rainLog = arStep(this.rainLog, 0.7, 0.8, hours, rng);
    this.rain = this.raining ? 1.2 * Math.exp(this.rainLog) : 0;
    this.tempNoise = arStep(this.tempNoise, 0.95, 1.5, hours, rng);
    this.temperature = 12 + 10 * Math.sin((2 * Math.PI * (dayOfYear - 105)) / 365) + 4 * Math.sin((2 * Math.PI * (hour - 9)) / 24) + this.tempNoise - (this.raining ? 2 : 0);
    this.windLog = arStep(this.windLog, 0.9, 0.45, hours, rng);
    this.windSpeed = 3 * Math.exp(this.windLog) * (1 + 0.25 * dayBump(hour, 14, 3)) * (this.raining ? 1.3 : 1);
    // Regional PM2.5: slow (about a day), lognormal around 25 µg/m³.
    this.pmLog = arStep(this.pmLog, 0.96, 0.6, hours, rng);
    this.regionalPm = 25 * Math.exp(this.pmLog);
  }
}

interface Site {
  name: string;
  rng: Rng;
  peakDemand: number;
  capacity: number;
  freeSpeed: number;
  demandNoise: number;
  incidentHoursLeft: number;
  no2Background: number;
  no2PerTraffic: number;
  pmPerTraffic: number;
  no2: number;
  pm25: number;
}

function newSite(seed: number, i: number): Site {
  const name = citySiteName(i);
  const rng = Rng.derive(seed, `city/${name}`);
  const peakDemand = rng.uniform(60, 180);
  return {
    name,
    rng,
    peakDemand,
    capacity: peakDemand * rng.uniform(1.05, 1.3),
    freeSpeed: rng.uniform(50, 100),
    demandNoise: 0,
    incidentHoursLeft: 0,
    no2Background: rng.uniform(10, 20),
    no2PerTraffic: rng.uniform(20, 35),
    pmPerTraffic: rng.uniform(4, 8),
    no2: 30,
    pm25: 25,
  };
}

function stepSite(site: Site, w: Weather, time: number, hours: number, incidentsPerHour: number): SimRecord {
  const rng = site.rng;
  const date = new Date(time);
  const hour = date.getUTCHours() + date.getUTCMinutes() / 60;
  const weekend = date.getUTCDay() === 0 || date.getUTCDay() === 6;
  const raining = w.rain > 0;

  // Incidents: Poisson starts, 20 min – 3 h long; capacity drops to 45 % while active.
  if (site.incidentHoursLeft > 0) site.incidentHoursLeft -= hours;
  else if (rng.chance(chanceWithin(incidentsPerHour, hours))) site.incidentHoursLeft = Math.min(3, 0.33 + rng.exponential(0.6));
  const incident = site.incidentHoursLeft > 0;

  site.demandNoise = arStep(site.demandNoise, 0.5, 0.1, hours, rng);
  const demand = site.peakDemand * demandProfile(hour, weekend) * (raining ? 0.92 : 1) * Math.exp(site.demandNoise);
  const capacity = site.capacity * (incident ? 0.45 : 1) * (raining ? 0.9 : 1);
  const load = demand / capacity;
  // Vehicles passing in the interval are a count: Poisson around the expected flow, as a loop detector counts
  // them. In PeMS 5-min flow the step-to-step noise's sd is about √flow at every level (2.8 veh/5min below
  // 20, 8.7 at 60–80, 9.7 at 100–120); a flow with 3 % noise (0.4 veh at night) made persistence all but
  // perfect. Flow is reported in veh/5min whatever the interval.
  const expected = Math.min(demand, capacity);
  const per5min = (5 * 60_000) / (hours * HOUR_MS);
  const flow = rng.poisson(expected / per5min) * per5min;
  // BPR-style slowdown with load; incidents and rain slow traffic further.
  const speed = Math.max(3, (site.freeSpeed * (raining ? 0.92 : 1) * (incident ? 0.55 : 1)) / (1 + 0.15 * load ** 4) + 1.5 * rng.normal());
  const occupancy = Math.min(95, Math.max(0, 100 * (0.03 + 0.25 * load + 0.35 * Math.max(0, load - 0.9)) + rng.normal()));

  // Air: traffic emits, wind disperses, rain washes PM out; concentrations relax toward
  // their equilibrium (NO2 within ~1 h, PM2.5 within ~2 h, faster in rain).
  // Emissions follow the traffic on the roads around (the expected flow), not one detector's count.
  const traffic = expected / 100;
  const dispersion = 0.6 + 0.4 * w.windSpeed;
  const no2Target = site.no2Background + (site.no2PerTraffic * traffic * 1.5) / dispersion;
  site.no2 = relax(site.no2, no2Target * (raining ? 0.9 : 1), 1, hours);
  const washout = Math.exp(-0.35 * w.rain);
  const pmTarget = w.regionalPm * Math.exp(-0.2 * w.windSpeed) * washout + (site.pmPerTraffic * traffic * 1.5) / dispersion;
  site.pm25 = relax(site.pm25, pmTarget, 2 / (1 + w.rain), hours);

  return {
    domain: 'city',
    site: site.name,
    time,
    values: {
      flow: round(flow, 1),
      speed: round(speed, 2),
      occupancy: round(occupancy, 2),
      pm25: round(Math.max(0, site.pm25 * (1 + 0.05 * rng.normal())), 2),
      no2: round(Math.max(0, site.no2 * (1 + 0.05 * rng.normal())), 2),
      temperature: round(w.temperature, 2),
      wind_speed: round(w.windSpeed, 2),
      rain: round(w.rain, 2),
    },
    labels: { incident: incident ? 1 : 0 },
  };
}

/** The city's default sampling interval: 5 min, the traffic task's. */
const DEFAULT_INTERVAL_MS = 5 * 60_000;

/**
 * The simulated city one step at a time: its present (the weather and every site) and the records of each step.
 * `fork` copies the present onto fresh random streams: another future from the same present, what a forecaster
 * that knew the simulator's hidden state would average over (the demo's oracle).
 */
export class City {
  private constructor(
    private readonly weather: Weather,
    private readonly sites: readonly Site[],
    private readonly incidentsPerHour: number,
    /** Sampling interval, ms. */
    readonly intervalMs: number,
    private now: number,
  ) {}

  static create(options: CityOptions): City {
    checkCount('city sites', options.sites, 1);
    const { start, intervalMs } = checkTiming(options, { intervalMs: DEFAULT_INTERVAL_MS });
    const incidentsPerDay = options.incidentsPerDay ?? 0.5;
    if (!(incidentsPerDay >= 0)) throw new Error(`incidentsPerDay must be ≥ 0, got ${incidentsPerDay}`);
    const seed = normaliseSeed(options.seed);
    const sites = Array.from({ length: options.sites }, (_, i) => newSite(seed, i));
    return new City(new Weather(Rng.derive(seed, 'city/weather')), sites, incidentsPerDay / 24, intervalMs, start);
  }

  /** The time of the next step (epoch ms). */
  get time(): number {
    return this.now;
  }

  /** The step at `time`: the weather moves, then every site's record (sites in order); the clock moves one interval. */
  step(): SimRecord[] {
    const hours = this.intervalMs / HOUR_MS;
    this.weather.step(this.now, hours);
    const records = this.sites.map((site) => stepSite(site, this.weather, this.now, hours, this.incidentsPerHour));
    this.now += this.intervalMs;
    return records;
  }

  /** A copy of the present whose randomness from here on is drawn from `seed` (this city is left as it was). */
  fork(seed: number | string): City {
    const s = normaliseSeed(seed);
    const sites = this.sites.map((site) => ({ ...site, rng: Rng.derive(s, `city/${site.name}`) }));
    return new City(this.weather.copy(Rng.derive(s, 'city/weather')), sites, this.incidentsPerHour, this.intervalMs, this.now);
  }
}

/**
 * A city of road sites in virtual time: per step, the weather moves, then every site
 * yields one record (sites in order). Deterministic for a seed; infinite unless `until`.
 */
export function* simulateCity(options: CityOptions): Generator<SimRecord> {
  const { until } = checkTiming(options, { intervalMs: DEFAULT_INTERVAL_MS });
  const city = City.create(options);
  while (city.time < until) yield* city.step();
}
