const DAY = 86_400_000;
const WEEK = 7 * DAY;

/** Calendar channels, in this order. Cyclic sin/cos so 23:00 sits next to 00:00. */
export const CALENDAR_CHANNELS = ['hour_sin', 'hour_cos', 'dow_sin', 'dow_cos'] as const;

/**
 * Calendar features of a bucket start time, in UTC: sites report in UTC and a model must not depend
 * on the host's zone. (A site's local zone would be a feature-spec option; none of the tasks needs it yet.)
 */
export function calendarFeatures(time: number): [number, number, number, number] {
  const day = (((time % DAY) + DAY) % DAY) / DAY;
  // 1970-01-01 was a Thursday; shift so that the weekly phase starts on Monday 00:00 UTC.
  const week = ((((time + 3 * DAY) % WEEK) + WEEK) % WEEK) / WEEK;
  return [Math.sin(2 * Math.PI * day), Math.cos(2 * Math.PI * day), Math.sin(2 * Math.PI * week), Math.cos(2 * Math.PI * week)];
}
