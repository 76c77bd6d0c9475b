import { citySiteName, simulateCity } from './city.js';
import { factorySites, simulateFactory } from './factory.js';
import type { SimRecord } from './records.js';

export interface SimulateOptions {
  /** City sites (0 = none). */
  city: number;
  /** Factory machines (0 = none). */
  factory: number;
  seed: number | string;
  start?: number;
  /** One interval for both domains; overrides the per-domain defaults. */
  intervalMs?: number;
  /** Default 5 min. */
  cityIntervalMs?: number;
  /** Default 10 s. */
  factoryIntervalMs?: number;
  until?: number;
  incidentsPerDay?: number;
  machinesPerLine?: number;
  meanHoursBetweenFaults?: number;
  /** The factory's machines are overhauled then (FactoryOptions.overhaulAt). */
  overhaulAt?: number;
}

/**
 * City and factory together, merged into one time-ordered stream (city first on equal
 * times). Each domain draws from its own seeded generators, so turning one on or off
 * never changes the other's numbers.
 */
export function* simulate(options: SimulateOptions): Generator<SimRecord> {
  if (!(options.city > 0) && !(options.factory > 0)) throw new Error('simulate needs at least one city site or factory machine (--city N and/or --factory M)');
  const streams: Iterator<SimRecord>[] = [];
  if (options.city > 0) {
    streams.push(
      simulateCity({
        sites: options.city,
        seed: options.seed,
        ...(options.start !== undefined ? { start: options.start } : {}),
        ...(options.until !== undefined ? { until: options.until } : {}),
        ...(options.incidentsPerDay !== undefined ? { incidentsPerDay: options.incidentsPerDay } : {}),
        intervalMs: options.intervalMs ?? options.cityIntervalMs ?? 5 * 60_000,
      })[Symbol.iterator](),
    );
  }
  if (options.factory > 0) {
    streams.push(
      simulateFactory({
        machines: options.factory,
        seed: options.seed,
        ...(options.start !== undefined ? { start: options.start } : {}),
        ...(options.until !== undefined ? { until: options.until } : {}),
        ...(options.machinesPerLine !== undefined ? { machinesPerLine: options.machinesPerLine } : {}),
        ...(options.meanHoursBetweenFaults !== undefined ? { meanHoursBetweenFaults: options.meanHoursBetweenFaults } : {}),
        ...(options.overhaulAt !== undefined ? { overhaulAt: options.overhaulAt } : {}),
        intervalMs: options.intervalMs ?? options.factoryIntervalMs ?? 10_000,
      })[Symbol.iterator](),
    );
  }
  const heads = streams.map((s) => s.next());
  for (;;) {
    let pick = -1;
    heads.forEach((h, i) => {
      const best = pick < 0 ? undefined : heads[pick];
      if (h.done !== true && (best === undefined || best.done === true || h.value.time < best.value.time)) pick = i;
    });
    const head = heads[pick];
    if (head === undefined || head.done === true) return;
    yield head.value;
    heads[pick] = (streams[pick] as Iterator<SimRecord>).next();
  }
}

/** Every site a simulation yields, by domain (for announcing topics or pre-creating series). */
export function simulatedSites(options: Pick<SimulateOptions, 'city' | 'factory' | 'machinesPerLine'>): { city: string[]; factory: string[] } {
  const f = options.factory > 0 ? factorySites(options.factory, options.machinesPerLine ?? 4) : { machines: [], lines: [] };
  return { city: Array.from({ length: Math.max(0, options.city) }, (_, i) => citySiteName(i)), factory: [...f.machines, ...f.lines] };
}
