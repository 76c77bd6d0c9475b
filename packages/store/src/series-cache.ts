import type { SqlExecutor } from './sql-client.js';

export interface SeriesKey {
  domain: string;
  site: string;
  metric: string;
}

export const seriesKeyOf = (domain: string, site: string, metric: string): string => `${domain}\u0000${site}\u0000${metric}`;
const keyOf = seriesKeyOf;

/** Default bound of the series cache: ~150 B an entry, so about 40 MB at most. */
export const DEFAULT_SERIES_CACHE_ENTRIES = 250_000;

/**
 * domain + site + metric → series id. Hits stay in memory; misses are upserted in one
 * statement per batch (unnest + ON CONFLICT), so a new site costs one round trip, not one
 * per metric. Ids are immutable, so the cache never needs invalidation.
 *
 * Bounded: least recently used entries are evicted beyond `maxEntries`, except the keys of
 * the batch in hand (the last resolve), which its write still needs: a batch with more keys
 * than the bound makes the cache hold that batch's keys only, until the next one.
 */
export class SeriesCache {
  /** Insertion order is recency order: a hit is moved to the end. */
  private readonly ids = new Map<string, number>();

  constructor(readonly maxEntries = DEFAULT_SERIES_CACHE_ENTRIES) {
    if (!(maxEntries >= 1)) throw new Error(`series cache size must be >= 1, got ${maxEntries}`);
  }

  get size(): number {
    return this.ids.size;
  }

  /** Id of a series already resolved, or undefined (does not count as a use). */
  peek(domain: string, site: string, metric: string): number | undefined {
    return this.ids.get(keyOf(domain, site, metric));
  }

  /** The keys of a batch, and those of them not in the cache (cached ones are touched as recent). */
  private lookup(keys: Iterable<SeriesKey>): { batch: Set<string>; missing: Map<string, SeriesKey> } {
    const batch = new Set<string>();
    const missing = new Map<string, SeriesKey>();
    for (const k of keys) {
      const key = keyOf(k.domain, k.site, k.metric);
      batch.add(key);
      if (!this.touch(key) && !missing.has(key)) missing.set(key, k);
    }
    return { batch, missing };
  }

  /**
   * Of `keys`, those that exist neither in the cache nor in the database (would be created
   * by a write). The ones found in the database are cached.
   */
  async unknown(db: SqlExecutor, keys: Iterable<SeriesKey>): Promise<Map<string, SeriesKey>> {
    const { batch, missing } = this.lookup(keys);
    if (missing.size === 0) return missing;
    const list = [...missing.values()];
    const { rows } = await db.query<{ id: number; domain: string; site: string; metric: string }>(
      `SELECT s.id, s.domain, s.site, s.metric
       FROM series s JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(domain, site, metric)
         USING (domain, site, metric)`,
      [list.map((k) => k.domain), list.map((k) => k.site), list.map((k) => k.metric)],
    );
    for (const row of rows) {
      const key = keyOf(row.domain, row.site, row.metric);
      this.ids.set(key, row.id);
      missing.delete(key);
    }
    this.evict(batch);
    return missing;
  }

  /** Resolves every key (creating missing series) through `db`, typically inside the write transaction. */
  async resolve(db: SqlExecutor, keys: Iterable<SeriesKey>): Promise<void> {
    const { batch, missing } = this.lookup(keys);
    if (missing.size === 0) return;
    const list = [...missing.values()];
    const domains = list.map((k) => k.domain);
    const sites = list.map((k) => k.site);
    const metrics = list.map((k) => k.metric);
    await db.query(
      `INSERT INTO series (domain, site, metric)
       SELECT * FROM unnest($1::text[], $2::text[], $3::text[]) ORDER BY 1, 2, 3
       ON CONFLICT (domain, site, metric) DO NOTHING`,
      [domains, sites, metrics],
    );
    const { rows } = await db.query<{ id: number; domain: string; site: string; metric: string }>(
      `SELECT s.id, s.domain, s.site, s.metric
       FROM series s JOIN unnest($1::text[], $2::text[], $3::text[]) AS k(domain, site, metric)
         USING (domain, site, metric)`,
      [domains, sites, metrics],
    );
    for (const row of rows) this.ids.set(keyOf(row.domain, row.site, row.metric), row.id);
    this.evict(batch);
    if (rows.length !== list.length) throw new Error(`series upsert resolved ${rows.length} of ${list.length} keys`);
  }

  /** Forget everything, e.g. after the transaction that created new ids rolled back. */
  clear(): void {
    this.ids.clear();
  }

  /** A hit becomes the most recently used entry. */
  private touch(key: string): boolean {
    const id = this.ids.get(key);
    if (id === undefined) return false;
    this.ids.delete(key);
    this.ids.set(key, id);
    return true;
  }

  /** Drops least recently used entries beyond the bound, never one of `keep`. */
  private evict(keep: ReadonlySet<string>): void {
    if (this.ids.size <= this.maxEntries) return;
    for (const key of this.ids.keys()) {
      if (this.ids.size <= this.maxEntries) break;
      if (!keep.has(key)) this.ids.delete(key);
    }
  }
}
