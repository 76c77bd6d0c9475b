/**
 * Local wall-clock times → epoch ms in a named time zone. Data sets write local times
 * without an offset; each loader states its zone, and this module is the one place that
 * applies it. Zones: "UTC", a fixed offset "+08:00" / "-0500", or an IANA name
 * ("America/Chicago") resolved with the platform's Intl tz database (DST aware).
 */
import { fixedZoneOffsetMinutes, zoneOffsetMs } from '@headstream/core';

export interface LocalDateTime {
  year: number;
  /** 1..12 */
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  millisecond: number;
}

// The zone arithmetic (fixed offsets, IANA names through Intl, the per-quarter-hour cache) lives in core:
// features computes calendar channels in a site's local zone with the same offsets.
export { timeZoneProblem } from '@headstream/core';

/** Returns why the fields are not a calendar date-time, or null. */
export function localDateTimeProblem(t: LocalDateTime): string | null {
  const { year, month, day, hour, minute, second, millisecond } = t;
  if (![year, month, day, hour, minute, second, millisecond].every(Number.isInteger)) return 'has a non-integer field';
  if (month < 1 || month > 12) return `month ${month} is not 1..12`;
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day < 1 || day > daysInMonth) return `day ${day} is not 1..${daysInMonth}`;
  if (hour > 23 || minute > 59 || second > 59 || millisecond > 999 || hour < 0 || minute < 0 || second < 0 || millisecond < 0) {
    return 'has a time of day out of range';
  }
  return null;
}

/**
 * Epoch ms of a local wall-clock time in `zone`. A time that occurs twice (DST fall-back)
 * resolves to its first occurrence; a time that does not exist (spring-forward gap)
 * returns null so the caller can skip and count it.
 */
export function localTimeToEpoch(t: LocalDateTime, zone: string): number | null {
  const asUtc = Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second, t.millisecond);
  // Date.UTC maps years 0..99 to 1900..1999; no data set here is that old, so reject them.
  if (t.year < 100) return null;
  const fixed = fixedZoneOffsetMinutes(zone);
  if (fixed !== null) return asUtc - fixed * 60_000;
  // The offset in force is one of those around the wall time; keep the candidates that
  // map back onto the same wall time.
  const candidates = new Set([zoneOffsetMs(zone, asUtc - 86_400_000), zoneOffsetMs(zone, asUtc), zoneOffsetMs(zone, asUtc + 86_400_000)]);
  let best: number | null = null;
  for (const offset of candidates) {
    const instant = asUtc - offset;
    if (zoneOffsetMs(zone, instant) === offset && (best === null || instant < best)) best = instant;
  }
  return best;
}

const TOKEN = /YYYY|MM|DD|HH|mm|ss|SSS/g;

/** A compiled day-time pattern such as "DD/MM/YYYY HH:mm" (fields may have 1 or 2 digits). */
export interface TimePattern {
  readonly source: string;
  parse(text: string): LocalDateTime | null;
}

/**
 * Compiles a pattern of tokens YYYY, MM, DD, HH, mm, ss, SSS and literal characters. Two-digit
 * tokens also accept one digit ("4/04/2005 0:00:00" matches "DD/MM/YYYY HH:mm:ss").
 * Returns null from parse when the text does not match or is not a calendar time.
 */
export function compileTimePattern(pattern: string): TimePattern {
  const order: string[] = [];
  let regex = '';
  let last = 0;
  for (const m of pattern.matchAll(TOKEN)) {
    regex += escapeRegex(pattern.slice(last, m.index));
    const token = m[0];
    if (order.includes(token)) throw new Error(`time pattern ${JSON.stringify(pattern)} repeats ${token}`);
    order.push(token);
    regex += token === 'YYYY' ? '(\\d{4})' : token === 'SSS' ? '(\\d{1,3})' : '(\\d{1,2})';
    last = m.index + token.length;
  }
  regex += escapeRegex(pattern.slice(last));
  for (const required of ['YYYY', 'MM', 'DD']) {
    if (!order.includes(required)) throw new Error(`time pattern ${JSON.stringify(pattern)} lacks ${required} (tokens: YYYY MM DD HH mm ss SSS)`);
  }
  const re = new RegExp(`^\\s*${regex}\\s*$`);
  return {
    source: pattern,
    parse(text: string): LocalDateTime | null {
      const m = re.exec(text);
      if (!m) return null;
      const field = (token: string): number => {
        const i = order.indexOf(token);
        return i < 0 ? 0 : Number(m[i + 1]);
      };
      const sss = order.indexOf('SSS');
      const t: LocalDateTime = {
        year: field('YYYY'),
        month: field('MM'),
        day: field('DD'),
        hour: field('HH'),
        minute: field('mm'),
        second: field('ss'),
        // "5" after a decimal point is 500 ms.
        millisecond: sss < 0 ? 0 : Number((m[sss + 1] ?? '0').padEnd(3, '0')),
      };
      return localDateTimeProblem(t) === null ? t : null;
    },
  };
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
