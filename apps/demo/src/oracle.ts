import { alignTime, resample, type TimedValue } from '@headstream/features';
import { City, type CityOptions } from '@headstream/sim';

/** An oracle's and persistence's MAE over the same targets of a simulated city's metric. */
export interface OracleScore {
  /** Targets scored: (site, issue time, horizon). */
  n: number;
  oracle: number;
  persistence: number;
}

export interface OracleOptions {
  /** The simulated city (as the demo's feed runs it). */
  city: CityOptions;
  /** The metric forecast (a city record's value, e.g. pm25). */
  metric: string;
  /** The task's step: targets and persistence are means over buckets of this length, aligned to the epoch. */
  intervalMs: number;
  /** Steps ahead forecast at each issue time. */
  horizons: readonly number[];
  /**
   * The live part [from, to), scored as the live view scores the predictor's forecasts: issue times are the
   * bucket starts from the one holding the first live reading on (the predictor's first forecast of the live
   * part), and a target counts once its step is over: a reading at or after its end (the last before `to`).
   */
  from: number;
  to: number;
  /** Futures forked from the true state at each issue time (the forecast is their median). */
  futures: number;
}

/** The median (mean of the middle two for an even count); null for none. */
export function median(xs: readonly number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

/**
 * The simulator's own forecast of a city metric, scored next to persistence: at each issue time the city's
 * true state (its hidden weather and regional PM2.5, every site's incident and concentrations) is forked
 * `futures` times (City.fork, fresh randomness each) and run ahead; each (site, horizon)'s forecast is the
 * median over the futures of the target bucket's mean, the forecast with the least expected absolute error
 * given everything the simulator knows. Persistence is the mean of the bucket before the issue time. Both
 * are scored on what the city then did. Where the oracle loses to persistence, the live part went against
 * the odds: the forecast with the least expected error lost there, and only one that expected less change could win.
 */
export function cityOracle(o: OracleOptions): OracleScore {
  if (!(o.futures >= 1) || o.horizons.length === 0 || !(o.intervalMs > 0)) throw new Error('cityOracle: needs futures ≥ 1, a horizon and a positive interval');
  const city = City.create(o.city);
  const maxH = Math.max(...o.horizons);
  // The city reads every intervalMs from its start: the bucket holding its first reading in the live part is the first issue time.
  const firstIssue = alignTime(city.time + Math.ceil((o.from - city.time) / city.intervalMs) * city.intervalMs, o.intervalMs);
  /** Steps `c` up to `until`, appending each site's reading of the metric to its points. */
  const readUntil = (c: City, until: number, points: TimedValue[][]) => {
    while (c.time < until) c.step().forEach((r, i) => (points[i] ??= []).push({ time: r.time, value: r.values[o.metric] ?? NaN }));
  };
  // What the city did, from the bucket persistence reads at the first issue time on.
  const actual: TimedValue[][] = [];
  readUntil(city, firstIssue - o.intervalMs, []);
  /** Per issue time: each (horizon, site)'s forecast, the futures' median of the target bucket's mean. */
  const forecasts: { issue: number; values: Map<number, number[]> }[] = [];
  while (city.time < o.to) {
    const t = city.time;
    if (t >= firstIssue && t === alignTime(t, o.intervalMs)) {
      // Each future: per site, the bucket means of horizons 1…maxH.
      const futures = Array.from({ length: o.futures }, (_, f) => {
        const points: TimedValue[][] = [];
        readUntil(city.fork(`oracle/${t}/${f}`), t + maxH * o.intervalMs, points);
        return points.map((p) => resample(p, t, o.intervalMs, maxH));
      });
      const sites = futures[0]?.length ?? 0;
      const values = new Map(o.horizons.map((h) => [h, Array.from({ length: sites }, (_, i) => median(futures.map((f) => f[i]?.[h - 1] ?? NaN).filter(Number.isFinite)) ?? NaN)]));
      forecasts.push({ issue: t, values });
    }
    readUntil(city, t + city.intervalMs, actual);
  }
  // A target counts once a reading at or after its end exists: the last reading is the last step read.
  const lastReading = city.time - city.intervalMs;
  const buckets = Math.ceil((o.to - (firstIssue - o.intervalMs)) / o.intervalMs);
  const means = actual.map((p) => resample(p, firstIssue - o.intervalMs, o.intervalMs, buckets));
  const meanAt = (bucket: number, site: number) => means[site]?.[(bucket - (firstIssue - o.intervalMs)) / o.intervalMs] ?? NaN;
  let n = 0;
  let oracle = 0;
  let persistence = 0;
  for (const { issue, values } of forecasts) {
    for (const [h, perSite] of values) {
      const bucket = issue + (h - 1) * o.intervalMs;
      if (bucket + o.intervalMs > lastReading) continue;
      perSite.forEach((forecast, site) => {
        const y = meanAt(bucket, site);
        const last = meanAt(issue - o.intervalMs, site);
        if (!Number.isFinite(y) || !Number.isFinite(last) || !Number.isFinite(forecast)) return;
        n++;
        oracle += Math.abs(y - forecast);
        persistence += Math.abs(y - last);
      });
    }
  }
  return { n, oracle: n ? oracle / n : NaN, persistence: n ? persistence / n : NaN };
}
