import { describe, expect, it } from 'vitest';
import { featureNames, type SeriesFrame } from '@headstream/features';
import { MIN_CALENDAR_DAYS, prepareTask, recipeFor, taskDefinition, timeSplit, trainingSpan, type TaskFrames } from '../src/index.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** An hourly PM2.5 series of `days` days with a daily cycle. */
function air(days: number): TaskFrames {
  const length = days * 24;
  const pm25 = Float64Array.from({ length }, (_, i) => 50 + 20 * Math.sin((2 * Math.PI * i) / 24) + (i % 7));
  const frame: SeriesFrame = { start: Date.UTC(2024, 0, 1), intervalMs: HOUR, length, channels: ['pm25'], values: [pm25] };
  return { task: 'air_quality', recipe: recipeFor('air_quality'), bound: ['pm25'], frames: { 'city-001': frame }, runType: {}, timeZone: 'Asia/Shanghai' };
}

describe('calendar channels need two weeks of training history', () => {
  it('a recipe with a calendar trains without one on fewer days (and without its zone), with one from MIN_CALENDAR_DAYS on', () => {
    const sizes = { maxTrain: 10_000, maxValidation: 10_000 };
    const def = taskDefinition('air_quality');
    // 80 % of the history trains: 15 days give 12 of training, 20 days give 16.
    const short = air(15);
    const shortPlan = timeSplit(short, 0.2);
    expect(trainingSpan(short, shortPlan)).toBe(12 * DAY);
    const without = prepareTask(short, def, shortPlan, sizes);
    expect(without.spec.calendar).toBe(false);
    expect(without.spec.timeZone).toBeUndefined();
    expect(featureNames(without.spec)).not.toContain('dow_sin');

    const long = air(20);
    const longPlan = timeSplit(long, 0.2);
    expect(trainingSpan(long, longPlan)).toBeGreaterThanOrEqual(MIN_CALENDAR_DAYS * DAY);
    const withCalendar = prepareTask(long, def, longPlan, sizes);
    expect(withCalendar.spec.calendar).toBe(true);
    expect(withCalendar.spec.timeZone).toBe('Asia/Shanghai');
    expect(featureNames(withCalendar.spec)).toEqual(expect.arrayContaining(['hour_sin', 'hour_cos', 'dow_sin', 'dow_cos']));
    // One feature per calendar channel more, in the windows training builds.
    expect(withCalendar.train.features - without.train.features).toBe(4);
  });
});
