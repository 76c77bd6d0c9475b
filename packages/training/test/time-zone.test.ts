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
});
