/**
 * A quota on new series: a token bucket holding at most `perMinute` tokens, refilled at
 * perMinute per minute. A message that would create n series takes n tokens or is refused
 * whole (dead-lettered as series_quota), so a flood of made-up names costs a bounded number
 * of rows, cache entries and index pages per minute.
 */
export class SeriesQuota {
  private tokens: number;
  private last: number;

  constructor(
    readonly perMinute: number,
    now = Date.now(),
  ) {
    if (!(perMinute >= 0)) throw new Error(`series quota must be >= 0, got ${perMinute}`);
    this.tokens = perMinute;
    this.last = now;
  }

  /** Tokens available now (fractional while refilling). */
  available(now = Date.now()): number {
    this.refill(now);
    return this.tokens;
  }

  /** Takes n tokens if there are that many; false (and nothing taken) otherwise. */
  tryTake(n: number, now = Date.now()): boolean {
    if (n <= 0) return true;
    this.refill(now);
    if (n > this.tokens) return false;
    this.tokens -= n;
    return true;
  }

  private refill(now: number): void {
    if (now > this.last) {
      this.tokens = Math.min(this.perMinute, this.tokens + ((now - this.last) * this.perMinute) / 60_000);
      this.last = now;
    }
  }
}

/**
 * Splits `items` in order into consecutive chunks whose costs sum to at most `budget`;
 * an item costing more than the budget on its own makes a chunk of one. Never returns an
 * empty chunk.
 */
export function chunkByBudget<T>(items: readonly T[], cost: (item: T) => number, budget: number): T[][] {
  const chunks: T[][] = [];
  let current: T[] = [];
  let used = 0;
  for (const item of items) {
    const c = cost(item);
    if (current.length > 0 && used + c > budget) {
      chunks.push(current);
      current = [];
      used = 0;
    }
    current.push(item);
    used += c;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}
