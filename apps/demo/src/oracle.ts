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
 * the odds: no forecaster that is right on average could have beaten persistence there.
 */
export function cityOracle(o: OracleOptions): OracleScore {
  if (!(o.futures >= 1) || o.horizons.length === 0 || !(o.intervalMs > 0)) throw new Error('cityOracle: needs futures ≥ 1, a horizon and a positive interval');
  const city = City.create(o.city);
  const maxH = Math.max(...o.horizons);
  const bucketOf = (t: number) => Math.floor(t / o.intervalMs) * o.intervalMs;
  /** Bucket start → per site [sum, count] of what the city did. */
  const actual = new Map<number, { sum: number; n: number }[]>();
  const forecasts: { issue: number; values: Map<number, number[]> }[] = [];
  const record = (into: Map<number, { sum: number; n: number }[]>, bucket: number, values: readonly number[]) => {
    const row = into.get(bucket) ?? values.map(() => ({ sum: 0, n: 0 }));
    values.forEach((v, i) => {
      const cell = row[i];
      if (cell && Number.isFinite(v)) {
        cell.sum += v;
        cell.n++;
      }
    });
    into.set(bucket, row);
  };
  let lastReading = -Infinity;
  // The city reads every intervalMs from its start: its first reading in the live part, and the bucket holding it.
  const cityStart = city.time;
  const firstIssue = bucketOf(cityStart + Math.ceil((o.from - cityStart) / city.intervalMs) * city.intervalMs);
  const valuesOf = (c: City) => c.step().map((r) => r.values[o.metric] ?? NaN);
  while (city.time < o.to) {
    const t = city.time;
    if (t >= firstIssue && t === bucketOf(t)) {
      // Each future: the bucket means of horizons 1…maxH per site; the forecast is their median per (horizon, site).
      const byFuture: Map<number, { sum: number; n: number }[]>[] = [];
      for (let f = 0; f < o.futures; f++) {
        const future = city.fork(`oracle/${t}/${f}`);
        const buckets = new Map<number, { sum: number; n: number }[]>();
        while (future.time < t + maxH * o.intervalMs) record(buckets, bucketOf(future.time), valuesOf(future));
        byFuture.push(buckets);
      }
      const values = new Map<number, number[]>();
      for (const h of o.horizons) {
        const bucket = t + (h - 1) * o.intervalMs;
        const sites = byFuture[0]?.get(bucket)?.length ?? 0;
        values.set(
          h,
          Array.from({ length: sites }, (_, i) => median(byFuture.map((b) => b.get(bucket)?.[i]).flatMap((c) => (c && c.n > 0 ? [c.sum / c.n] : []))) ?? NaN),
        );
      }
      forecasts.push({ issue: t, values });
    }
    record(actual, bucketOf(t), valuesOf(city));
    lastReading = t;
  }
  const meanAt = (bucket: number, site: number) => {
    const c = actual.get(bucket)?.[site];
    return c && c.n > 0 ? c.sum / c.n : NaN;
  };
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
