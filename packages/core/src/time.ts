/**
 * Timestamps: ISO-8601 with an explicit zone, or epoch milliseconds.
 * A zone-less ISO string is rejected: Date.parse would read it in the host's local time,
 * so the same message would land at different instants on different machines.
 */
const ISO_WITH_ZONE =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})$/i;

export type TimestampResult = { ok: true; ms: number } | { ok: false; problem: string };

export function parseTimestamp(ts: unknown): TimestampResult {
  if (typeof ts === 'number') {
    if (!Number.isFinite(ts)) return { ok: false, problem: `epoch ms ${String(ts)} is not finite` };
    return { ok: true, ms: Math.round(ts) };
  }
  if (typeof ts !== 'string') return { ok: false, problem: `expected ISO-8601 string or epoch ms, got ${ts === null ? 'null' : typeof ts}` };
  const m = ISO_WITH_ZONE.exec(ts);
  if (!m) {
    return { ok: false, problem: `${JSON.stringify(ts.slice(0, 40))} is not ISO-8601 with a time zone (e.g. 2024-05-01T12:00:00Z)` };
  }
  const [, y, mo, d, h, mi, s] = m;
  const month = Number(mo), day = Number(d), hour = Number(h), minute = Number(mi), second = Number(s ?? '0');
  const ms = Date.parse(ts.replace(' ', 'T'));
  if (
    !Number.isFinite(ms) || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59 ||
    // Date.parse rolls 2024-02-31 over into March; check the calendar day survived.
    new Date(Date.UTC(Number(y), month - 1, day)).getUTCDate() !== day
  ) {
    return { ok: false, problem: `${JSON.stringify(ts.slice(0, 40))} is not a valid date-time` };
  }
  return { ok: true, ms };
}

export interface TimeWindow {
  /** Earliest accepted time, epoch ms. Historic data sets go back to the 2000s. */
  notBeforeMs: number;
  /** How far past `now` a reading may lie (clock skew), ms. */
  maxFutureMs: number;
}

export const DEFAULT_TIME_WINDOW: TimeWindow = {
  notBeforeMs: Date.UTC(1990, 0, 1),
  // Clock skew, not scheduling: a reading hours ahead is a broken clock, and would sit
  // in the rollups as "the latest value" until real time catches up.
  maxFutureMs: 5 * 60 * 1000,
};
