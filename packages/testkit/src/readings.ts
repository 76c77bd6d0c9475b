import type { SqlExecutor } from '@headstream/store';

/**
 * What ingest tests compare: every reading the database holds against every reading that was sent.
 * A count of rows, or of distinct (series, time) pairs, cannot catch a wrong value, a reading stored
 * under another site or metric, or one lost while another was stored twice; this can.
 */
export interface ReadingRow {
  domain: string;
  site: string;
  metric: string;
  /** Milliseconds since the epoch. */
  time: number;
  value: number;
}

const keyOf = (r: ReadingRow) => `${r.domain}/${r.site}/${r.metric}@${new Date(r.time).toISOString()}`;
const lineOf = (r: ReadingRow) => `${keyOf(r)}=${r.value}`;

/** Every reading the database holds, readings joined to their series (time to the millisecond). */
export async function storedReadings(db: SqlExecutor): Promise<ReadingRow[]> {
  const { rows } = await db.query<{ domain: string; site: string; metric: string; ms: number; value: number }>(
    `SELECT s.domain, s.site, s.metric, (extract(epoch FROM r.time) * 1000)::float8 AS ms, r.value
     FROM readings r JOIN series s ON s.id = r.series_id`,
  );
  return rows.map((r) => ({ domain: r.domain, site: r.site, metric: r.metric, time: Number(r.ms), value: Number(r.value) }));
}

interface Frame {
  site: string;
  ts: number | string;
  domain?: string;
  values: Record<string, number>;
}

/**
 * The readings of a well-formed reading message as the tests write them (one frame or an array of
 * frames, `ts` in milliseconds or ISO 8601); `domain` is the topic's, for frames that carry none.
 */
export function readingsOfMessage(payload: string, domain?: string): ReadingRow[] {
  const parsed = JSON.parse(payload) as Frame | Frame[];
  const frames = Array.isArray(parsed) ? parsed : [parsed];
  return frames.flatMap((f) => {
    const d = f.domain ?? domain;
    if (d === undefined) throw new Error(`frame of ${f.site} has no domain and none was given`);
    const time = typeof f.ts === 'number' ? f.ts : Date.parse(f.ts);
    return Object.entries(f.values).map(([metric, value]) => ({ domain: d, site: f.site, metric, time, value }));
  });
}

export interface ReadingsDiff {
  /** Readings in the database. */
  stored: number;
  /** Distinct readings sent (the same reading sent twice, a re-delivery, counts once). */
  sent: number;
  /** Sent but not stored (or stored with another value), as `domain/site/metric@time=value`; the first 10. */
  missing: string[];
  /** Stored but never sent (or with another value); the first 10. */
  unexpected: string[];
}

/**
 * Compares the stored readings with the sent ones, value for value. Sending one series and time twice
 * with different values is a mistake of the test (which value the store keeps is not defined): it throws.
 * Expect `{ stored: n, sent: n, missing: [], unexpected: [] }`.
 */
export function diffReadings(stored: readonly ReadingRow[], sent: Iterable<ReadingRow>): ReadingsDiff {
  const want = new Map<string, string>();
  for (const r of sent) {
    const key = keyOf(r);
    const line = lineOf(r);
    const before = want.get(key);
    if (before !== undefined && before !== line) throw new Error(`sent twice with different values: ${before} and ${line}`);
    want.set(key, line);
  }
  const have = new Set(stored.map(lineOf));
  const wanted = new Set(want.values());
  return {
    stored: stored.length,
    sent: want.size,
    missing: [...wanted].filter((l) => !have.has(l)).sort().slice(0, 10),
    unexpected: [...have].filter((l) => !wanted.has(l)).sort().slice(0, 10),
  };
}

/** storedReadings then diffReadings. */
export async function compareStoredReadings(db: SqlExecutor, sent: Iterable<ReadingRow>): Promise<ReadingsDiff> {
  return diffReadings(await storedReadings(db), sent);
}
