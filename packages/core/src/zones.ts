/**
 * Time zones: "UTC", a fixed offset "+08:00" / "-0500", or an IANA name ("America/Los_Angeles") resolved
 * with the platform's Intl tz database (DST aware). Data-set loaders turn local wall-clock times into
 * instants with these offsets; calendar features turn instants back into a site's local time.
 */
const FIXED_OFFSET = /^([+-])(\d{2}):?(\d{2})$/;

/** Offset in minutes east of UTC for "UTC"/"Z"/"+hh:mm"; null for an IANA name. */
export function fixedZoneOffsetMinutes(zone: string): number | null {
  if (zone === 'UTC' || zone === 'Z' || zone === 'Etc/UTC') return 0;
  const m = FIXED_OFFSET.exec(zone);
  if (!m) return null;
  const minutes = Number(m[2]) * 60 + Number(m[3]);
  return m[1] === '-' ? -minutes : minutes;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** Returns why `zone` cannot be used, or null when it can. */
export function timeZoneProblem(zone: unknown): string | null {
  if (typeof zone !== 'string' || zone.length === 0) return 'a time zone must be a non-empty string';
  if (fixedZoneOffsetMinutes(zone) !== null) return null;
  try {
    formatterFor(zone);
    return null;
  } catch {
    return `unknown time zone ${JSON.stringify(zone)} (use "UTC", an offset like "+01:00", or an IANA name like "Europe/Rome")`;
  }
}

// Offsets only change on whole quarter hours in every real zone; cache per quarter hour.
const QUARTER_HOUR = 15 * 60_000;
const offsetCache = new Map<string, number>();

/** Offset (ms east of UTC) of `zone` at `instant`. */
export function zoneOffsetMs(zone: string, instant: number): number {
  const fixed = fixedZoneOffsetMinutes(zone);
  if (fixed !== null) return fixed * 60_000;
  const key = `${zone}|${Math.floor(instant / QUARTER_HOUR)}`;
  const cached = offsetCache.get(key);
  if (cached !== undefined) return cached;
  const parts: Record<string, number> = {};
  for (const p of formatterFor(zone).formatToParts(instant)) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const wall = Date.UTC(parts.year ?? 0, (parts.month ?? 1) - 1, parts.day ?? 1, parts.hour ?? 0, parts.minute ?? 0, parts.second ?? 0);
  const offset = wall - Math.floor(instant / 1000) * 1000;
  if (offsetCache.size > 100_000) offsetCache.clear();
  offsetCache.set(key, offset);
  return offset;
}

