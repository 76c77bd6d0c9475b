import type { SqlExecutor } from '@headstream/store';

export const T0 = Date.parse('2025-01-01T00:00:00Z');

/** A reading message: `frames` frames of one site at consecutive minutes, `metrics` values each. */
export function readingMessage(site: string, firstStep: number, frames: number, metrics = 5, domain?: string): string {
  const out = [];
  for (let f = 0; f < frames; f++) {
    const step = firstStep + f;
    const values: Record<string, number> = {};
    for (let m = 0; m < metrics; m++) values[`m${m}`] = step * 10 + m + 0.25;
    out.push({ site, ts: T0 + step * 60_000, values, ...(domain ? { domain } : {}) });
  }
  return JSON.stringify(out);
}

export async function readingCounts(db: SqlExecutor): Promise<{ rows: number; distinct: number; sum: number }> {
  const { rows } = await db.query<{ rows: number; distinct: number; sum: number | null }>(
    'SELECT count(*)::int AS rows, count(DISTINCT (series_id, time))::int AS distinct, sum(value)::float8 AS sum FROM readings',
  );
  const r = rows[0];
  return { rows: r?.rows ?? 0, distinct: r?.distinct ?? 0, sum: r?.sum ?? 0 };
}

/** Σ values of readingMessage(...) messages, to check what the database holds. */
export function expectedSum(messages: { frames: number; firstStep: number; metrics: number }[]): number {
  let sum = 0;
  for (const m of messages) for (let f = 0; f < m.frames; f++) for (let k = 0; k < m.metrics; k++) sum += (m.firstStep + f) * 10 + k + 0.25;
  return sum;
}
