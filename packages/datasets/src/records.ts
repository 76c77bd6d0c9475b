/**
 * A record is one row of a data set at one site and instant: the unit every loader yields,
 * the replay engine paces and the frame helpers turn into core reading frames.
 */
export interface DataRecord {
  /** 'city' or 'factory' for the built-in loaders; any valid name for user files. */
  domain: string;
  site: string;
  /** Epoch milliseconds (UTC). */
  time: number;
  /** Metric → finite number. Missing cells are left out, never NaN. */
  values: Record<string, number>;
  /** Ground truth where the data set has it (anomaly, fault class, …). */
  labels?: Record<string, number | string>;
}

/** Counters a load accumulates; pass one object in and read it after (or during) the run. */
export interface LoadStats {
  /** Data rows read from files (one CSV line, one hydraulic cycle second, …). */
  rows: number;
  /** Records yielded. */
  records: number;
  /** Cells dropped because they held a missing-value marker (-200, NA, empty, …). */
  missingValues: number;
  /** Records skipped because no metric value was left after dropping missing cells. */
  emptyRecordsSkipped: number;
  /** Records dropped because their (site, time) was already emitted. */
  duplicatesDropped: number;
  /** Rows skipped because their local time does not exist (inside a DST gap). */
  invalidTimesSkipped: number;
}

export function newLoadStats(): LoadStats {
  return { rows: 0, records: 0, missingValues: 0, emptyRecordsSkipped: 0, duplicatesDropped: 0, invalidTimesSkipped: 0 };
}

/** A time-ordered stream of records: one file, or one table that holds several sites. */
export interface DatasetSource {
  /** Stable id, e.g. "skab/valve1/3.csv". */
  readonly id: string;
  readonly path: string;
  /** Records in non-decreasing time order; per site strictly increasing. */
  records: () => AsyncIterable<DataRecord>;
  /** Upper bound of the records this source yields (for progress ETA); cheap to compute. */
  estimateRecords: () => Promise<number>;
}

/**
 * Drops duplicate (site, time) records (keeping the first) and rejects a source that goes
 * back in time for a site: replay and ingest rely on per-site time order.
 */
export class SiteOrderGuard {
  private readonly last = new Map<string, number>();

  constructor(
    private readonly sourceId: string,
    private readonly stats: LoadStats,
  ) {}

  /** True when the record should be emitted. */
  accept(site: string, time: number, where: string): boolean {
    const previous = this.last.get(site);
    if (previous !== undefined) {
      if (time === previous) {
        this.stats.duplicatesDropped++;
        return false;
      }
      if (time < previous) {
        throw new Error(
          `${this.sourceId}: ${where}: time ${new Date(time).toISOString()} of site "${site}" is before the previous row's ${new Date(previous).toISOString()}; the rows must be in time order per site`,
        );
      }
    }
    this.last.set(site, time);
    return true;
  }
}

/** An async iterable over an array (for sources held in memory). */
export function asyncIterableOf<T>(items: readonly T[]): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      let i = 0;
      return {
        next: () => Promise.resolve(i < items.length ? { done: false as const, value: items[i++] as T } : { done: true as const, value: undefined }),
      };
    },
  };
}
