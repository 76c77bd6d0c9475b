import type { SqlExecutor } from './sql-client.js';

export interface SeriesKey {
  domain: string;
  site: string;
  metric: string;
}

const keyOf = (domain: string, site: string, metric: string) => `${domain}\u0000${site}\u0000${metric}`;

/**
 * domain + site + metric → series id. Hits stay in memory; misses are upserted in one
 * statement per batch (unnest + ON CONFLICT), so a new site costs one round trip, not one
 * per metric. Ids are immutable, so the cache never needs invalidation.
 */
export class SeriesCache {
  private readonly ids = new Map<string, number>();

  constructor(private readonly maxEntries = 1_000_000) {}

  get size(): number {
    return this.ids.size;
  }

  /** Id of a series already resolved, or undefined. */
  peek(domain: string, site: string, metric: string): number | undefined {
    return this.ids.get(keyOf(domain, site, metric));
  }

  /** Resolves every key (creating missing series) through `db`, typically inside the write transaction. */
  async resolve(db: SqlExecutor, keys: Iterable<SeriesKey>): Promise<void> {
    const missing = new Map<string, SeriesKey>();
    for (const k of keys) {
      const key = keyOf(k.domain, k.site, k.metric);
      if (!this.ids.has(key) && !missing.has(key)) missing.set(key, k);
    }
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
    if (this.ids.size + rows.length > this.maxEntries) this.ids.clear();
    for (const row of rows) this.ids.set(keyOf(row.domain, row.site, row.metric), row.id);
    if (rows.length !== list.length) throw new Error(`series upsert resolved ${rows.length} of ${list.length} keys`);
  }

  /** Forget everything, e.g. after the transaction that created new ids rolled back. */
  clear(): void {
    this.ids.clear();
  }
}
