import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { datasetFolder } from '@headstream/datasets';
import { decodeForecast } from '@headstream/features';
import { MultiTaskModel } from '@headstream/model';
import { combinationWeight, COMBINATION_BLOCKS, fitTask, framesFromRecords, modelConfig, prepareTask, scoreTask, taskDefinition, taskRecords, timeSplit, withWeights, type MetricsJSON, type TaskRecord } from '../src/index.js';

/** Mean MAE over the horizons of a regression score. */
const maeOf = (m: MetricsJSON) => ('mae' in m ? m.mae : NaN);
const loss = (r: readonly number[], c: readonly number[], a: number) => r.reduce((s, v, i) => s + Math.abs(v - a * (c[i] ?? 0)), 0);

describe('combinationWeight: the weight of the predicted change with the least absolute error', () => {
  it('is the median of r / c weighted by |c|', () => {
    // Ratios 0.2 (weight 1), 0.5 (weight 1), 0.9 (weight 3): half of the total weight 5 is reached at 0.9.
    expect(combinationWeight([0.2, -0.5, 2.7], [1, -1, 3], 0.7)).toBeCloseTo(0.9, 12);
    expect(combinationWeight([0.2, -0.5, 0.3], [1, -1, 1], 0.7)).toBeCloseTo(0.3, 12);
  });

  it('minimises Σ |r − a·c| over [0, 1] (against a grid, random pairs)', () => {
    let seed = 7;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
    for (let trial = 0; trial < 20; trial++) {
      const c = Array.from({ length: 40 }, rand);
      const r = c.map((v) => 0.3 * v + rand());
      const a = combinationWeight(r, c, 0.7);
      let best = Infinity;
      for (let g = 0; g <= 1000; g++) best = Math.min(best, loss(r, c, g / 1000));
      expect(a).toBeGreaterThanOrEqual(0);
      expect(a).toBeLessThanOrEqual(1);
      expect(loss(r, c, a)).toBeLessThanOrEqual(best + 1e-9);
    }
  });

  it('a model whose changes point the wrong way gets 0, one that undershoots gets at most 1', () => {
    expect(combinationWeight([-1, 2, -3], [1, -2, 3], 0.7)).toBe(0);
    expect(combinationWeight([2, -4, 6], [1, -2, 3], 0.7)).toBe(1);
  });

  it('pairs without information (no predicted change, a missing actual) are skipped; with none left, the fallback', () => {
    expect(combinationWeight([5, NaN, 0.5], [0, 1, 1], 0.7)).toBeCloseTo(0.5, 12);
    expect(combinationWeight([], [], 0.7)).toBe(0.7);
    expect(combinationWeight([1, 2], [0, 0], 0.3)).toBe(0.3);
  });
});

describe('fitTask: combination weights fitted on held-out windows, cross-fitted over blocks of issue times', async () => {
  const task = 'air_quality';
  const records: TaskRecord[] = [];
  for await (const r of taskRecords(task, { path: join(datasetFolder('beijing-multisite-air-quality'), 'PRSA_Data_Aotizhongxin_20130301-20170228.csv') })) {
    records.push(r);
    if (records.length >= 1500) break;
  }
  const site = records[0]?.site ?? '';
  const definition = taskDefinition(task);
  const frames = framesFromRecords(task, new Map([[site, records]]));
  const { spec, scalers, validation } = prepareTask(frames, definition, timeSplit(frames), { maxTrain: 100_000, maxValidation: 100_000 });
  const target = validation.targets[task];
  if (target?.kind !== 'regression') throw new Error('air quality is a regression task');
  const h = target.horizons;
  // An untrained network: its predicted changes are arbitrary but fixed; the actuals are made from them.
  const model = MultiTaskModel.create(modelConfig([definition], { [task]: validation.features }, 3));
  const pred = model.predict({ [spec.input]: validation.x }, { tasks: [task] })[task];
  if (pred?.kind !== 'regression') throw new Error('regression output');
  const change = decodeForecast(spec, scalers, task, pred, target, new Array<number>(h).fill(1)).point.map((v, i) => v - (target.persistence[i] ?? NaN));
  afterAll(() => model.dispose());
  const original = Float64Array.from(target.raw);
  const withActuals = (actual: (i: number) => number) => {
    for (let i = 0; i < original.length; i++) target.raw[i] = Number.isFinite(original[i] ?? NaN) ? actual(i) : NaN;
  };

  it('the transform asks for it: air quality fits its weights, a spec without `fitted` is decoded as saved', () => {
    const t = spec.targets.find((x) => x.task === task);
    expect(t?.kind === 'regression' && t.transform.kind === 'change' && t.transform.fitted).toBe(true);
    expect(validation.n).toBeGreaterThan(200);
  });

  it('actuals that move by 0.4 × the predicted change: weight 0.4 on every horizon, an exact forecast, and the saved spec decodes the same', () => {
    withActuals((i) => (target.persistence[i] ?? NaN) + 0.4 * (change[i] ?? NaN));
    const s = fitTask(model, task, validation, spec, scalers);
    expect(s.weights).toHaveLength(h);
    for (const w of s.weights ?? []) expect(w).toBeCloseTo(0.4, 9);
    expect(maeOf(s.metrics)).toBeLessThan(1e-6);
    // The served model's spec carries the weights: scoring it as saved gives the same forecasts.
    const saved = scoreTask(model, task, validation, withWeights(spec, { [task]: s.weights }), scalers);
    for (let i = 0; i < s.predictions.length; i++) expect(saved.predictions[i]).toBeCloseTo(s.predictions[i] ?? NaN, 9);
    // The quantile bounds moved with the point.
    const q = pred.quantiles.length;
    for (let i = 0; i < s.predictions.length; i += 97) expect(s.quantiles?.[i * q + 1]).toBeCloseTo(s.predictions[i] ?? NaN, 9);
  });

  it('a model whose changes are the wrong way round is combined into persistence (weight 0): its error is persistence\'s', () => {
    withActuals((i) => (target.persistence[i] ?? NaN) - 0.5 * (change[i] ?? NaN));
    const s = fitTask(model, task, validation, spec, scalers);
    expect(s.weights).toEqual(new Array<number>(h).fill(0));
    expect(maeOf(s.metrics)).toBeCloseTo(maeOf(s.baselines.persistence), 9);
    // Scored with the recipe's shrink instead (scoreTask of the unfitted spec), the same model errs more.
    expect(maeOf(scoreTask(model, task, validation, spec, scalers).metrics)).toBeGreaterThan(maeOf(s.metrics) * 1.5);
  });

  it('no window is scored with weights fitted on it: each block of issue times is decoded with the weights of the others', () => {
    // The first half of the issue times moves with the whole predicted change, the second half not at all.
    const times = [...new Set(validation.issueTimes)].sort((a, b) => a - b);
    const mid = times[Math.floor(times.length / 2)] ?? Infinity;
    const late = (i: number) => (validation.issueTimes[Math.floor(i / h)] ?? 0) >= mid;
    withActuals((i) => (target.persistence[i] ?? NaN) + (late(i) ? 0 : 1) * (change[i] ?? NaN));
    const s = fitTask(model, task, validation, spec, scalers);
    const rank = new Map(times.map((t, k) => [t, k]));
    const block = (row: number) => Math.min(COMBINATION_BLOCKS - 1, Math.floor(((rank.get(validation.issueTimes[row] ?? 0) ?? 0) * COMBINATION_BLOCKS) / times.length));
    const fitWithout = (b: number, k: number) => {
      const r: number[] = [];
      const c: number[] = [];
      for (let row = 0; row < validation.n; row++) {
        if (block(row) === b) continue;
        r.push((target.raw[row * h + k] ?? NaN) - (target.persistence[row * h + k] ?? NaN));
        c.push(change[row * h + k] ?? NaN);
      }
      return combinationWeight(r, c, 0.7);
    };
    const weights = Array.from({ length: COMBINATION_BLOCKS }, (_, b) => Array.from({ length: h }, (_, k) => fitWithout(b, k)));
    // The blocks get different weights (the last is fitted on two blocks that moved and one that did not; the first on
    // one that moved and two that did not, so its weights depend on how large their predicted changes are): a decoder
    // that used one set of weights for every row, or the weights fitted on all of them, fails the check below.
    expect(weights[COMBINATION_BLOCKS - 1]).toEqual(new Array<number>(h).fill(1));
    expect(new Set(weights.map((w) => w.join(','))).size).toBeGreaterThan(1);
    expect(weights.some((w) => w.join(',') !== (s.weights ?? []).join(','))).toBe(true);
    let checked = 0;
    for (let row = 0; row < validation.n; row++) {
      for (let k = 0; k < h; k++) {
        const at = row * h + k;
        if (!Number.isFinite(target.raw[at] ?? NaN)) continue;
        expect(s.predictions[at]).toBeCloseTo((target.persistence[at] ?? NaN) + (weights[block(row)]?.[k] ?? NaN) * (change[at] ?? NaN), 9);
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(1000);
  });
});
