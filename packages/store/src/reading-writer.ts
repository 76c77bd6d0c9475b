import type { EdgeNodeStatus } from '@headstream/core';
import type { DeadLetter } from './dead-letters.js';
import { insertDeadLetters } from './dead-letters.js';
import { recordEdgeNodes } from './edge-nodes.js';
import { SeriesCache, type SeriesKey } from './series-cache.js';
import type { SqlClient, SqlExecutor } from './sql-client.js';

/** The readings of one batch, flattened: domain/site per frame, one value per metric. */
export interface ReadingBatchItem {
  domain: string;
  site: string;
  time: number;
  values: Record<string, number>;
}

export type WriteMode = 'copy' | 'unnest';

export interface WriteResult {
  rows: number;
  inserted: number;
  /** Rows already stored (re-delivery): skipped by the unique (series_id, time) index. */
  duplicates: number;
  deadLetters: number;
}

/**
 * Writes batches of readings (and the batch's dead letters and edge-node changes) in one transaction, so a
 * batch is stored entirely or not at all and its source can be acknowledged after
 * COMMIT. Re-delivered rows are skipped by ON CONFLICT DO NOTHING.
 *
 * Two paths, chosen by measurement (BENCHMARKS.md): COPY into a temporary staging table
 * then INSERT … SELECT … ON CONFLICT (PostgreSQL server), or one INSERT over unnest()ed
 * arrays (also the only path on PGlite). Rows are sorted by (series, time) so concurrent
 * writers lock index entries in the same order and cannot deadlock.
 */
export class ReadingWriter {
  readonly mode: WriteMode;
  private readonly series: SeriesCache;

  constructor(
    private readonly db: SqlClient,
    options: { mode?: WriteMode | 'auto'; /** Bound of the series id cache (LRU). */ seriesCacheEntries?: number } = {},
  ) {
    this.series = new SeriesCache(options.seriesCacheEntries);
    const mode = options.mode ?? 'auto';
    this.mode = mode === 'auto' ? (db.kind === 'postgres' ? 'copy' : 'unnest') : mode;
    if (this.mode === 'copy' && db.kind !== 'postgres') throw new Error('COPY needs a PostgreSQL server; use mode "unnest" with PGlite');
  }

  get seriesCount(): number {
    return this.series.size;
  }

  /** Of the items' series, those not stored yet (a write would create them), by cache key. */
  unknownSeries(items: readonly ReadingBatchItem[]): Promise<Map<string, SeriesKey>> {
    return this.series.unknown(this.db, seriesKeys(items));
  }

  /** `edgeNodes`: BIRTHs and DEATHs the batch's messages reported (recordEdgeNodes), in message order. */
  async write(items: readonly ReadingBatchItem[], deadLetters: readonly DeadLetter[] = [], edgeNodes: readonly EdgeNodeStatus[] = []): Promise<WriteResult> {
    // Series first, autocommitted: creating a series is idempotent, and cached ids must
    // never come from a transaction that later rolls back.
    await this.series.resolve(this.db, seriesKeys(items));
    const n = countValues(items);
    const times = new Float64Array(n);
    const ids = new Int32Array(n);
    const values = new Float64Array(n);
    let i = 0;
    for (const item of items) {
      for (const metric in item.values) {
        const id = this.series.peek(item.domain, item.site, metric);
        if (id === undefined) throw new Error(`series ${item.domain}/${item.site}/${metric} was not resolved`);
        times[i] = item.time;
        ids[i] = id;
        values[i] = item.values[metric] as number;
        i++;
      }
    }
    const order = sortedOrder(ids, times);
    const inserted = await this.db.transaction(async (tx) => {
      const count = n === 0 ? 0 : this.mode === 'copy' ? await copyRows(tx, order, times, ids, values) : await unnestRows(tx, order, times, ids, values);
      if (deadLetters.length > 0) await insertDeadLetters(tx, deadLetters);
      if (edgeNodes.length > 0) await recordEdgeNodes(tx, edgeNodes);
      return count;
    });
    return { rows: n, inserted, duplicates: n - inserted, deadLetters: deadLetters.length };
  }
}

function* seriesKeys(items: readonly ReadingBatchItem[]) {
  for (const item of items) for (const metric in item.values) yield { domain: item.domain, site: item.site, metric };
}

function countValues(items: readonly ReadingBatchItem[]): number {
  let n = 0;
  for (const item of items) for (const _ in item.values) n++;
  return n;
}

function sortedOrder(ids: Int32Array, times: Float64Array): Uint32Array {
  const order = new Uint32Array(ids.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  return order.sort((a, b) => (ids[a] as number) - (ids[b] as number) || (times[a] as number) - (times[b] as number));
}

async function unnestRows(tx: SqlExecutor, order: Uint32Array, times: Float64Array, ids: Int32Array, values: Float64Array): Promise<number> {
  const t: number[] = new Array<number>(order.length);
  const s: number[] = new Array<number>(order.length);
  const v: number[] = new Array<number>(order.length);
  for (let k = 0; k < order.length; k++) {
    const i = order[k] as number;
    t[k] = times[i] as number;
    s[k] = ids[i] as number;
    v[k] = values[i] as number;
  }
  const { rowCount } = await tx.query(
    `INSERT INTO readings (time, series_id, value)
     SELECT timestamptz 'epoch' + u.t * interval '1 millisecond', u.s, u.v
     FROM unnest($1::int8[], $2::int4[], $3::float8[]) AS u(t, s, v)
     ON CONFLICT DO NOTHING`,
    [t, s, v],
  );
  return rowCount;
}

/** Rows per COPY statement (~60 bytes a row: a few MB of text). */
const COPY_CHUNK_ROWS = 50_000;

async function copyRows(tx: SqlExecutor, order: Uint32Array, times: Float64Array, ids: Int32Array, values: Float64Array): Promise<number> {
  if (!tx.copyFrom) throw new Error('this database connection cannot COPY');
  // ON COMMIT DROP: the staging table never outlives the batch, even on a pooled connection.
  await tx.query('CREATE TEMPORARY TABLE readings_stage (t int8, s int4, v float8) ON COMMIT DROP');
  // One COPY per chunk of rows: the text of a chunk stays a few MB whatever the batch size.
  for (let start = 0; start < order.length; start += COPY_CHUNK_ROWS) {
    const end = Math.min(order.length, start + COPY_CHUNK_ROWS);
    const lines: string[] = new Array<string>(end - start);
    for (let k = start; k < end; k++) {
      const i = order[k] as number;
      // String(number) is the shortest text that reads back as the same float64.
      lines[k - start] = `${times[i]}\t${ids[i]}\t${values[i]}`;
    }
    await tx.copyFrom('COPY readings_stage (t, s, v) FROM STDIN', `${lines.join('\n')}\n`);
  }
  const { rowCount } = await tx.query(
    `INSERT INTO readings (time, series_id, value)
     SELECT timestamptz 'epoch' + t * interval '1 millisecond', s, v FROM readings_stage
     ON CONFLICT DO NOTHING`,
  );
  return rowCount;
}
