import { zoneOffsetMs } from '@headstream/core';

const DAY = 86_400_000;
const WEEK = 7 * DAY;

/** Calendar channels, in this order. Cyclic sin/cos so 23:00 sits next to 00:00. */
export const CALENDAR_CHANNELS = ['hour_sin', 'hour_cos', 'dow_sin', 'dow_cos'] as const;

/**
 * Calendar features of a bucket start time in the sites' local zone (FeatureSpec.timeZone; default UTC,
 * never the host's zone). Local, not UTC: people keep local hours, so a road's rush hour moves by an
 * hour in UTC when daylight saving starts, and a model fed UTC hours mistimes it from that day on.
 */
export function calendarFeatures(time: number, zone = 'UTC'): [number, number, number, number] {
  const local = zone === 'UTC' ? time : time + zoneOffsetMs(zone, time);
  const day = (((local % DAY) + DAY) % DAY) / DAY;
  // 1970-01-01 was a Thursday; shift so that the weekly phase starts on Monday 00:00.
  const week = ((((local + 3 * DAY) % WEEK) + WEEK) % WEEK) / WEEK;
  return [Math.sin(2 * Math.PI * day), Math.cos(2 * Math.PI * day), Math.sin(2 * Math.PI * week), Math.cos(2 * Math.PI * week)];
}
