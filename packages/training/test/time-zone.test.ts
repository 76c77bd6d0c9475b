import { describe, expect, it } from 'vitest';
import { calendarFeatures, featureNames, type FeatureSpec } from '@headstream/features';
import { loadTaskFrames, prepareTask, recipeFor, recipeSpec, taskDefinition, timeSplit } from '../src/index.js';

describe('calendar channels in the sites\u2019 local zone', () => {
  it('a recipe with a calendar carries the zone; one without does not; UTC is the default', () => {
    const traffic = recipeSpec(recipeFor('traffic'), taskDefinition('traffic'), undefined, 'America/Los_Angeles');
    expect(traffic.timeZone).toBe('America/Los_Angeles');
    expect(recipeSpec(recipeFor('traffic'), taskDefinition('traffic')).timeZone).toBeUndefined();
    expect(recipeSpec(recipeFor('fault'), taskDefinition('fault'), undefined, '+03:00').timeZone).toBeUndefined();
  });

  it('PeMS windows carry Pacific local hours (DST aware), not UTC hours', async () => {
    const frames = await loadTaskFrames('traffic');
    expect(frames.timeZone).toBe('America/Los_Angeles');
    const p = prepareTask(frames, taskDefinition('traffic'), timeSplit(frames, 0.2), { maxTrain: Infinity, maxValidation: 50 });
    const spec: FeatureSpec = p.spec;
    expect(spec.timeZone).toBe('America/Los_Angeles');
    const names = featureNames(spec);
    const hourSin = names.indexOf('hour_sin');
    const set = p.validation;
    const i = 0;
    // The last step of window i is its issue time's bucket.
    const issue = set.issueTimes[i] ?? 0;
    const last = (spec.lookback - 1) * set.features + hourSin;
    const got = set.x[i * spec.lookback * set.features + last] ?? NaN;
    const bucket = issue - spec.intervalMs;
    expect(got).toBeCloseTo(calendarFeatures(bucket, 'America/Los_Angeles')[0], 5);
    expect(Math.abs(got - calendarFeatures(bucket)[0])).toBeGreaterThan(0.1);
  });

  // Exact local hours across both 2016 transitions in America/Los_Angeles, written out here (not
  // computed with the zone code under test): spring forward on 13 March at 02:00 PST = 10:00 UTC (the
  // clock jumps to 03:00 PDT), fall back on 6 November at 02:00 PDT = 09:00 UTC (01:00–01:59 twice).
  const SPRING = Date.UTC(2016, 2, 13, 10);
  const FALL = Date.UTC(2016, 10, 6, 9);
  /** Pacific wall-clock hour of day (fractional) of a 2016 instant: UTC−8 outside 13 Mar 10:00Z … 6 Nov 09:00Z, UTC−7 inside. */
  const pacificHour = (t: number) => {
    const offset = t >= SPRING && t < FALL ? -7 : -8;
    const h = new Date(t).getUTCHours() + new Date(t).getUTCMinutes() / 60 + offset;
    return (h + 24) % 24;
  };
  /** The hour of day a (hour_sin, hour_cos) pair encodes. */
  const hourOf = (sin: number, cos: number) => (((Math.atan2(sin, cos) / (2 * Math.PI)) * 24) + 24) % 24;
  const at = (iso: string) => Date.parse(iso);

  it.each([
    ['2016-03-13T09:00:00Z', '01:00 PST'],
    ['2016-03-13T09:55:00Z', '01:55 PST'], // the last bucket before the jump
    ['2016-03-13T10:00:00Z', '03:00 PDT'], // 02:xx never happens
    ['2016-03-13T10:05:00Z', '03:05 PDT'],
    ['2016-03-12T17:00:00Z', '09:00 PST'], // the morning rush at 9 local: 17:00 UTC the day before…
    ['2016-03-13T16:00:00Z', '09:00 PDT'], // …16:00 UTC from this day on
    ['2016-11-06T07:30:00Z', '00:30 PDT'],
    ['2016-11-06T08:30:00Z', '01:30 PDT'], // 01:30 the first time
    ['2016-11-06T09:30:00Z', '01:30 PST'], // 01:30 the second time
    ['2016-11-06T10:00:00Z', '02:00 PST'],
    ['2016-11-05T16:00:00Z', '09:00 PDT'],
    ['2016-11-06T17:00:00Z', '09:00 PST'],
  ] as const)('calendarFeatures(%s, America/Los_Angeles) encodes %s', (iso, local) => {
    const hour = Number(local.slice(0, 2)) + Number(local.slice(3, 5)) / 60;
    const [sin, cos] = calendarFeatures(at(iso), 'America/Los_Angeles');
    expect(hourOf(sin, cos)).toBeCloseTo(hour, 6);
    expect(pacificHour(at(iso))).toBeCloseTo(hour, 6); // the table agrees with the rule the windows are checked against
  });

  it.each([
    ['spring forward (13 March 2016)', Date.UTC(2016, 2, 18, 8), SPRING],
    ['fall back (6 November 2016)', Date.UTC(2016, 10, 11, 8), FALL],
  ])('windows whose validation days cross the %s carry the local hour at every step', async (_name, endAt, transition) => {
    // The PeMS series (January–February, all PST), moved so that its validation share ends at local
    // midnight a few days after the transition: the windows then straddle it.
    const pems = await loadTaskFrames('traffic');
    const moved = Object.fromEntries(
      Object.entries(pems.frames).map(([site, f]) => [site, { ...f, start: endAt - f.length * f.intervalMs }]),
    );
    const frames = { ...pems, frames: moved };
    const p = prepareTask(frames, taskDefinition('traffic'), timeSplit(frames, 0.2), { maxTrain: 50, maxValidation: Infinity });
    const spec = p.spec;
    const names = featureNames(spec);
    const hourSin = names.indexOf('hour_sin');
    const hourCos = names.indexOf('hour_cos');
    const set = p.validation;
    expect(set.n).toBeGreaterThan(1000);
    let before = 0;
    let after = 0;
    let wrong = 0;
    const examples: string[] = [];
    for (let i = 0; i < set.n; i++) {
      const issue = set.issueTimes[i] ?? NaN;
      // Steps older than the spec's history are left 0 (the model sees `history` steps): skip those.
      for (let step = Math.max(0, spec.lookback - spec.history); step < spec.lookback; step++) {
        const bucket = issue - (spec.lookback - step) * spec.intervalMs;
        const base = (i * spec.lookback + step) * set.features;
        const got = hourOf(set.x[base + hourSin] ?? NaN, set.x[base + hourCos] ?? NaN);
        const want = pacificHour(bucket);
        // Compare on the circle: 23:59 and 00:00 are a minute apart.
        const error = Math.min(Math.abs(got - want), 24 - Math.abs(got - want));
        if (!(error < 1e-3)) {
          wrong++;
          if (examples.length < 5) examples.push(`${new Date(bucket).toISOString()}: hour ${got.toFixed(3)}, expected ${want.toFixed(3)}`);
        }
        if (bucket < transition) before++;
        else after++;
      }
    }
    // Both sides of the transition are sampled, and every step has the local hour.
    expect(before).toBeGreaterThan(1000);
    expect(after).toBeGreaterThan(1000);
    expect({ wrong, examples }).toEqual({ wrong: 0, examples: [] });
  });
});
