import { alignTime, resample, type SeriesFrame, type TimedValue } from '@headstream/features';
import type { SqlExecutor } from '@headstream/store';

/**
 * Task history read back from the database: what is stored (listSeries) and per-site frames on
 * the task's grid (readSiteFrames). Bucketing is features' `resample`, the code serving uses, so a
 * model trains on exactly the values it will later be served.
 */

/** One stored series and the extent of its readings; times are epoch ms. */
export interface SeriesInfo {
  domain: string;
  site: string;
  metric: string;
  readings: number;
  first: number;
  last: number;
}

/**
 * A timestamptz as epoch ms, a float8 (a JS number on pg and PGlite). date_part's float arithmetic
 * costs a third of EXTRACT's numeric; round() makes it exact for the whole-ms times readings have.
 */
const epochMs = (column: string) => `round(date_part('epoch', ${column}) * 1000)`;
/** An epoch-ms parameter as timestamptz, the form the writer stores. */
const timestampParam = (n: number) => `(timestamptz 'epoch' + $${n}::int8 * interval '1 millisecond')`;

/** Every series with readings (of `domain`, when given): counts and first/last times, one grouped query. */
export async function listSeries(db: SqlExecutor, options: { domain?: string } = {}): Promise<SeriesInfo[]> {
  const params: unknown[] = [];
  let where = '';
  if (options.domain !== undefined) {
    params.push(options.domain);
    where = 'WHERE s.domain = $1';
  }
  const { rows } = await db.query<SeriesInfo>(
    `SELECT s.domain, s.site, s.metric, count(*)::int8 AS readings,
            ${epochMs('min(r.time)')} AS first, ${epochMs('max(r.time)')} AS last
     FROM readings r JOIN series s ON s.id = r.series_id
     ${where}
     GROUP BY s.domain, s.site, s.metric
     ORDER BY s.domain, s.site, s.metric`,
    params,
  );
  return rows.map((r) => ({ domain: r.domain, site: r.site, metric: r.metric, readings: Number(r.readings), first: r.first, last: r.last }));
}

export interface SiteFrameQuery {
  domain: string;
  sites: readonly string[];
  /** Frame channel → database metric, in channel order (usually the identity). */
  metrics: Readonly<Record<string, string>>;
  intervalMs: number;
  /**
   * Epoch ms. Both ends are floored to the bucket grid and the frame covers the buckets in
   * [alignTime(from), alignTime(to)): every bucket is a whole one, and splitting a history at a
   * time t into `to: t` and `from: t` puts each bucket (and reading) in exactly one part.
   */
  from?: number;
  to?: number;
  /**
   * Read the readings_5m / readings_1h rollup's bucket means instead of raw readings (only when
   * intervalMs is exactly 5 min or 1 h; otherwise raw readings are read). With TimescaleDB the
   * rollups are real-time continuous aggregates (materialized_only = false, migration 8): buckets the
   * refresh policy has not materialised yet are computed from the raw readings at read time.
   */
  useRollups?: boolean;
  /** Raw readings per page (default 200 000): bounds the memory of one result. */
  pageRows?: number;
}

const ROLLUPS: ReadonlyMap<number, string> = new Map([
  [5 * 60_000, 'readings_5m'],
  [60 * 60_000, 'readings_1h'],
]);

const DEFAULT_PAGE_ROWS = 200_000;
/** Buckets in the first page of a site; later pages are sized from the density seen so far. */
const FIRST_PAGE_BUCKETS = 4096;

interface SiteSeries {
  /** series id → indexes of the channels it feeds (a metric may feed more than one). */
  channelsOf: Map<number, number[]>;
  ids: number[];
}

/**
 * Per-site frames of the given metrics: bucket means on the epoch-aligned grid, NaN where a bucket
 * holds nothing. A site's frame starts at the bucket of its first reading of any of the metrics
 * (alignTime(from) when `from` is set) and ends with the bucket of its last one. Sites without
 * such readings (in range) are absent from the result.
 */
export async function readSiteFrames(db: SqlExecutor, query: SiteFrameQuery): Promise<Record<string, SeriesFrame>> {
  const { intervalMs } = query;
  if (!Number.isInteger(intervalMs) || intervalMs < 1) throw new Error(`intervalMs must be a positive integer, got ${intervalMs}`);
  const channels = Object.keys(query.metrics);
  const from = query.from === undefined ? undefined : alignTime(query.from, intervalMs);
  const to = query.to === undefined ? undefined : alignTime(query.to, intervalMs);
  // A Map until the end: fromEntries makes any site name (even "__proto__") an own property.
  const frames = new Map<string, SeriesFrame>();
  if (query.sites.length === 0 || channels.length === 0 || (from !== undefined && to !== undefined && to <= from)) return {};

  const perSite = await seriesOf(db, query.domain, query.sites, query.metrics, channels);
  if (perSite.size === 0) return {};
  const extents = await siteExtents(db, [...perSite.values()].flatMap((s) => s.ids), from, to);
  const rollup = query.useRollups === true ? ROLLUPS.get(intervalMs) : undefined;
  const pageRows = query.pageRows ?? DEFAULT_PAGE_ROWS;

  for (const site of query.sites) {
    const series = perSite.get(site);
    if (series === undefined || frames.has(site)) continue;
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    for (const id of series.ids) {
      const extent = extents.get(id);
      if (extent === undefined) continue;
      first = Math.min(first, extent.first);
      last = Math.max(last, extent.last);
    }
    if (!Number.isFinite(first)) continue;
    const start = from ?? alignTime(first, intervalMs);
    const end = alignTime(last, intervalMs) + intervalMs;
    const length = Math.round((end - start) / intervalMs);
    const values = channels.map(() => new Float64Array(length).fill(NaN));
    if (rollup !== undefined) await readRollup(db, rollup, series, start, end, intervalMs, values);
    else await readRaw(db, series, extents, start, intervalMs, pageRows, values);
    frames.set(site, { start, intervalMs, length, channels: [...channels], values });
  }
  return Object.fromEntries(frames);
}

async function seriesOf(
  db: SqlExecutor,
  domain: string,
  sites: readonly string[],
  metrics: Readonly<Record<string, string>>,
  channels: readonly string[],
): Promise<Map<string, SiteSeries>> {
  const { rows } = await db.query<{ id: number; site: string; metric: string }>(
    'SELECT id, site, metric FROM series WHERE domain = $1 AND site = ANY($2::text[]) AND metric = ANY($3::text[])',
    [domain, [...new Set(sites)], [...new Set(Object.values(metrics))]],
  );
  const perSite = new Map<string, SiteSeries>();
  for (const row of rows) {
    let entry = perSite.get(row.site);
    if (entry === undefined) perSite.set(row.site, (entry = { channelsOf: new Map(), ids: [] }));
    entry.ids.push(row.id);
    entry.channelsOf.set(
      row.id,
      channels.flatMap((c, i) => (metrics[c] === row.metric ? [i] : [])),
    );
  }
  return perSite;
}

/** First and last reading per series within [from, to): each a one-row walk of the (series_id, time) index. */
async function siteExtents(db: SqlExecutor, ids: readonly number[], from?: number, to?: number): Promise<Map<number, { first: number; last: number }>> {
  const params: unknown[] = [ids];
  const range: string[] = [];
  if (from !== undefined) range.push(`r.time >= ${timestampParam(params.push(from))}`);
  if (to !== undefined) range.push(`r.time < ${timestampParam(params.push(to))}`);
  const inRange = range.map((c) => ` AND ${c}`).join('');
  const { rows } = await db.query<{ id: number; first: number | null; last: number | null }>(
    `SELECT s.id,
            ${epochMs(`(SELECT min(r.time) FROM readings r WHERE r.series_id = s.id${inRange})`)} AS first,
            ${epochMs(`(SELECT max(r.time) FROM readings r WHERE r.series_id = s.id${inRange})`)} AS last
     FROM unnest($1::int4[]) AS s(id)`,
    params,
  );
  const extents = new Map<number, { first: number; last: number }>();
  for (const row of rows) if (row.first !== null && row.last !== null) extents.set(row.id, { first: row.first, last: row.last });
  return extents;
}

/**
 * Raw readings of a site, one series at a time (two columns a row: the cheapest result to parse),
 * in time pages whose bounds lie on the bucket grid, so each page holds whole buckets and is
 * resampled on its own. The page length adapts to the density seen.
 */
async function readRaw(
  db: SqlExecutor,
  series: SiteSeries,
  extents: ReadonlyMap<number, { first: number; last: number }>,
  start: number,
  intervalMs: number,
  pageRows: number,
  values: Float64Array[],
): Promise<void> {
  for (const [id, channels] of series.channelsOf) {
    const extent = extents.get(id);
    if (extent === undefined) continue;
    // Only this series' own span (within the frame): no empty pages before or after it.
    const end = alignTime(extent.last, intervalMs) + intervalMs;
    let buckets = FIRST_PAGE_BUCKETS;
    for (let pageStart = Math.max(start, alignTime(extent.first, intervalMs)); pageStart < end; ) {
      const pageEnd = Math.min(end, pageStart + buckets * intervalMs);
      const { rows } = await db.query<{ t: number; v: number }>(
        `SELECT ${epochMs('time')} AS t, value AS v FROM readings
         WHERE series_id = $1 AND time >= ${timestampParam(2)} AND time < ${timestampParam(3)}
         ORDER BY time`,
        [id, pageStart, pageEnd],
      );
      const length = Math.round((pageEnd - pageStart) / intervalMs);
      if (rows.length > 0) {
        const points: TimedValue[] = rows.map((r) => ({ time: r.t, value: r.v }));
        const means = resample(points, pageStart, intervalMs, length);
        const offset = Math.round((pageStart - start) / intervalMs);
        for (const c of channels) values[c]?.set(means, offset);
      }
      // Aim the next page at pageRows readings; never grow more than 8× at once (density varies).
      const perBucket = rows.length / length;
      buckets = Math.max(1, Math.min(buckets * 8, Math.floor(perBucket > 0 ? pageRows / perBucket : buckets * 8)));
      pageStart = pageEnd;
    }
  }
}

/** Bucket means from a rollup view: one point per bucket, placed by the same resample. */
async function readRollup(
  db: SqlExecutor,
  view: string,
  series: SiteSeries,
  start: number,
  end: number,
  intervalMs: number,
  values: Float64Array[],
): Promise<void> {
  const { rows } = await db.query<{ id: number; t: number; v: number }>(
    `SELECT series_id AS id, ${epochMs('bucket')} AS t, mean AS v FROM ${view}
     WHERE series_id = ANY($1::int4[]) AND bucket >= ${timestampParam(2)} AND bucket < ${timestampParam(3)}
     ORDER BY bucket`,
    [series.ids, start, end],
  );
  const points = values.map((): TimedValue[] => []);
  for (const row of rows) {
    for (const c of series.channelsOf.get(row.id) ?? []) points[c]?.push({ time: row.t, value: row.v });
  }
  const length = Math.round((end - start) / intervalMs);
  points.forEach((p, c) => {
    if (p.length > 0) values[c]?.set(resample(p, start, intervalMs, length));
  });
}
