import { describe, expect, it } from 'vitest';
import type { SeriesFrame } from '@headstream/features';
import { everyWindow, prepareTask, recipeFor, taskDefinition, timeSplit, trainEndOf, type TaskFrames } from '../src/index.js';

const SECOND = 1000;

/** A SKAB-like run: 200 s of sensors, normal for the first half, then the run's fault class. */
function run(start: number, faultClass: number, level: number): SeriesFrame {
  const n = 200;
  const wave = (k: number) => Float64Array.from({ length: n }, (_, i) => level + Math.sin(i / (3 + k)) + (i >= n / 2 ? faultClass : 0));
  return { start, intervalMs: SECOND, length: n, channels: ['current', 'pressure', 'gt_fault'], values: [wave(1), wave(2), Float64Array.from({ length: n }, (_, i) => (i >= n / 2 ? faultClass : 0))] };
}

describe('time split', () => {
  // Runs recorded one after another, as SKAB's: a single split time would leave valve2 out of training.
  const frames: TaskFrames = {
    task: 'fault',
    recipe: recipeFor('fault'),
    bound: ['current', 'pressure', 'gt_fault'],
    frames: { 'run-valve1': run(Date.UTC(2020, 2, 9, 7), 1, 10), 'run-valve2': run(Date.UTC(2020, 2, 9, 13), 2, 20) },
    runType: {},
  };

  it("splits each site at 80 % of its own history, so every site (and every fault class) trains and validates", () => {
    const plan = timeSplit(frames, 0.2);
    expect(trainEndOf(plan, 'run-valve1')).toBe(Date.UTC(2020, 2, 9, 7) + 160 * SECOND);
    expect(trainEndOf(plan, 'run-valve2')).toBe(Date.UTC(2020, 2, 9, 13) + 160 * SECOND);
    expect(plan.describe).toMatch(/the first 80 % of each site's history trains/);
    const p = prepareTask(frames, taskDefinition('fault'), plan, { maxTrain: 10_000, maxValidation: 10_000 });
    const classes = (set: typeof p.train) => {
      const t = set.targets.fault;
      return t?.kind === 'classification' ? [...new Set(t.y)].filter((y) => y >= 0).sort() : [];
    };
    expect(classes(p.train)).toEqual([0, 1, 2]);
    expect(classes(p.validation)).toEqual([1, 2]);
    // Each site's windows stay on its own side of its split; scalers see training buckets only.
    p.train.issueTimes.forEach((t, i) => expect(t).toBeLessThan(trainEndOf(plan, p.train.sites[p.train.site[i] ?? 0] ?? '')));
    p.validation.issueTimes.forEach((t, i) => expect(t).toBeGreaterThanOrEqual(trainEndOf(plan, p.validation.sites[p.validation.site[i] ?? 0] ?? '')));
    expect(p.scalers.channels.current?.count).toBe(2 * 160);
  });

  it('a refit (everyWindow) trains on every window the split trained and validated on, and validates none', () => {
    const plan = timeSplit(frames, 0.2);
    const sizes = { maxTrain: 10_000, maxValidation: 10_000 };
    const split = prepareTask(frames, taskDefinition('fault'), plan, sizes);
    const refit = prepareTask(frames, taskDefinition('fault'), everyWindow(frames), sizes);
    expect(refit.plan.trainSites).toEqual(['run-valve1', 'run-valve2']);
    expect(refit.validation.n).toBe(0);
    expect(refit.validation.x).toHaveLength(0);
    expect(refit.train.features).toBe(split.train.features);
    // The split's training and validation windows, issued at the same times (the labels near the split are whole now).
    const times = new Set(refit.train.issueTimes);
    for (const t of [...split.train.issueTimes, ...split.validation.issueTimes]) expect(times.has(t)).toBe(true);
    expect(refit.train.n).toBeGreaterThanOrEqual(split.train.n + split.validation.n);
    // Scalers fitted on every reading, not the training part's.
    expect(refit.scalers.channels.current?.count).toBe(2 * 200);
  });
});
