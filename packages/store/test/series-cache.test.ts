import { describe, expect, it } from 'vitest';
import { SeriesCache, type SeriesKey } from '../src/series-cache.js';
import type { QueryResult, SqlExecutor } from '../src/sql-client.js';

/** A stand-in for the series table: INSERT … unnest creates ids, SELECT … unnest returns them. */
function fakeSeriesTable() {
  const ids = new Map<string, number>();
  let selects = 0;
  const db: SqlExecutor = {
    query<R>(text: string, params: readonly unknown[] = []): Promise<QueryResult<R>> {
      const [domains, sites, metrics] = params as string[][];
      const keys = (domains ?? []).map((d, i) => [d, sites?.[i] ?? '', metrics?.[i] ?? ''] as const);
      if (text.trim().startsWith('INSERT')) {
        for (const k of keys) if (!ids.has(k.join('/'))) ids.set(k.join('/'), ids.size + 1);
        return Promise.resolve({ rows: [], rowCount: keys.length });
      }
      selects++;
      const rows = keys.filter((k) => ids.has(k.join('/'))).map(([domain, site, metric]) => ({ id: ids.get(`${domain}/${site}/${metric}`), domain, site, metric }));
      return Promise.resolve({ rows: rows as R[], rowCount: rows.length });
    },
  };
  return { db, ids, selects: () => selects };
}

const keys = (from: number, to: number): SeriesKey[] => Array.from({ length: to - from }, (_, i) => ({ domain: 'd', site: `s${from + i}`, metric: 'm' }));

describe('series cache: an LRU that never evicts the batch in hand', () => {
  it('stays within its bound, evicting the least recently used', async () => {
    const { db } = fakeSeriesTable();
    const cache = new SeriesCache(100);
    for (let b = 0; b < 20; b++) {
      await cache.resolve(db, keys(b * 30, b * 30 + 30));
      expect(cache.size).toBeLessThanOrEqual(100);
    }
    // The last batch is all there, the first is gone.
    for (const k of keys(570, 600)) expect(cache.peek(k.domain, k.site, k.metric)).toBeDefined();
    expect(cache.peek('d', 's0', 'm')).toBeUndefined();
  });

  it('a hit makes an entry recent: it outlives entries resolved after it', async () => {
    const { db } = fakeSeriesTable();
    const cache = new SeriesCache(10);
    await cache.resolve(db, keys(0, 10));
    await cache.resolve(db, keys(0, 1)); // s0 used again
    await cache.resolve(db, keys(10, 15)); // evicts 5: s1..s5, not s0
    expect(cache.peek('d', 's0', 'm')).toBeDefined();
    for (const k of keys(1, 6)) expect(cache.peek(k.domain, k.site, k.metric)).toBeUndefined();
    expect(cache.size).toBe(10);
  });

  it('a batch larger than the bound keeps every one of its keys (the write needs them), the rest is evicted', async () => {
    const { db } = fakeSeriesTable();
    const cache = new SeriesCache(10);
    await cache.resolve(db, keys(0, 5));
    await cache.resolve(db, keys(100, 125));
    for (const k of keys(100, 125)) expect(cache.peek(k.domain, k.site, k.metric)).toBeDefined();
    expect(cache.size).toBe(25);
    // The next batch brings it back within the bound.
    await cache.resolve(db, keys(200, 201));
    expect(cache.size).toBe(10);
    expect(cache.peek('d', 's200', 'm')).toBeDefined();
  });

  it('unknown(): series in neither the cache nor the table; those found in the table are cached', async () => {
    const { db, selects } = fakeSeriesTable();
    const cache = new SeriesCache(100);
    await cache.resolve(db, keys(0, 5));
    cache.clear();
    const fresh = await cache.unknown(db, keys(0, 8));
    expect([...fresh.values()].map((k) => k.site)).toEqual(['s5', 's6', 's7']);
    expect(cache.size).toBe(5);
    const before = selects();
    expect((await cache.unknown(db, keys(0, 5))).size).toBe(0);
    expect(selects()).toBe(before); // all hits: no query
  });
});
