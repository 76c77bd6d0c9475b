import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { datasetFolder } from '@headstream/datasets';
import { averageModels, averagePredictions, MultiTaskModel, type TaskPrediction } from '@headstream/model';
import { fitTask, framesFromRecords, modelConfig, prepareTask, taskDefinition, taskRecords, timeSplit, type TaskRecord } from '@headstream/training';
import { ensembleRows, type EnsembleFold } from '../src/ensemble.js';
import type { FoldStudy } from '../src/fold-study.js';
import { TASK_ORDER } from '../src/protocols.js';

const classes = (probabilities: number[][], anomaly: number[]): TaskPrediction => ({
  kind: 'classification',
  n: probabilities.length,
  classes: probabilities[0]?.length ?? 0,
  probabilities: Float32Array.from(probabilities.flat()),
  label: Int32Array.from(probabilities.map((p) => p.indexOf(Math.max(...p)))),
  anomaly: Float32Array.from(anomaly),
});

describe('averagePredictions: several forecasts of the same windows read as one', () => {
  it('averages class probabilities and anomaly scores, and takes the label again from the average', () => {
    const a = classes([[0.6, 0.4, 0], [0.1, 0.2, 0.7]], [0.4, 0.9]);
    const b = classes([[0.2, 0.8, 0], [0.3, 0.5, 0.2]], [0.8, 0.5]);
    const m = averagePredictions([a, b]);
    if (m.kind !== 'classification') throw new Error('classification expected');
    expect(Array.from(m.probabilities)).toEqual(Array.from(Float32Array.from([0.4, 0.6, 0, 0.2, 0.35, 0.45])));
    // Each member calls window 0 differently; the average calls it class 1, and window 1 class 2.
    expect(Array.from(m.label)).toEqual([1, 2]);
    expect(Array.from(m.anomaly)).toEqual(Array.from(Float32Array.from([0.6, 0.7])));
  });

  it('refuses forecasts of different kinds or shapes, and an empty list', () => {
    const a = classes([[0.6, 0.4]], [0.4]);
    expect(() => averagePredictions([a, classes([[0.2, 0.3, 0.5]], [0.1])])).toThrow(/different shapes|another kind or shape/);
    expect(() => averagePredictions([])).toThrow(/no prediction/);
  });
});

describe('averageModels: an ensemble that scoring reads like one model', async () => {
  const task = 'air_quality';
  const records: TaskRecord[] = [];
  for await (const r of taskRecords(task, { path: join(datasetFolder('beijing-multisite-air-quality'), 'PRSA_Data_Aotizhongxin_20130301-20170228.csv') })) {
    records.push(r);
    if (records.length >= 1200) break;
  }
  const definition = taskDefinition(task);
  const frames = framesFromRecords(task, new Map([[records[0]?.site ?? '', records]]));
  const { spec, scalers, validation } = prepareTask(frames, definition, timeSplit(frames), { maxTrain: 100_000, maxValidation: 100_000 });
  // Untrained networks of two seeds: fixed, different outputs.
  const a = MultiTaskModel.create(modelConfig([definition], { [task]: validation.features }, 3));
  const b = MultiTaskModel.create(modelConfig([definition], { [task]: validation.features }, 4));
  afterAll(() => {
    a.dispose();
    b.dispose();
  });
  const predict = (m: Pick<MultiTaskModel, 'predict'>) => {
    const p = m.predict({ [spec.input]: validation.x }, { tasks: [task] })[task];
    if (p?.kind !== 'regression') throw new Error('regression expected');
    return p;
  };

  it('forecasts the mean of its members, point and quantiles (which stay sorted)', () => {
    const pa = predict(a);
    const pb = predict(b);
    const m = predict(averageModels([a, b]));
    expect(m.point.length).toBe(pa.point.length);
    expect(pa.point[0]).not.toBe(pb.point[0]);
    for (let i = 0; i < m.point.length; i += 97) expect(m.point[i]).toBeCloseTo(((pa.point[i] ?? NaN) + (pb.point[i] ?? NaN)) / 2, 5);
    for (let i = 0; i < m.values.length; i += m.quantiles.length) {
      for (let j = 1; j < m.quantiles.length; j++) expect(m.values[i + j]).toBeGreaterThanOrEqual(m.values[i + j - 1] ?? NaN);
    }
  });

  it('of one model twice is that model: fitTask scores it to the last digit, fitted weights included', () => {
    const alone = fitTask(a, task, validation, spec, scalers);
    const twice = fitTask(averageModels([a, a]), task, validation, spec, scalers);
    expect(twice.metrics).toEqual(alone.metrics);
    expect(twice.weights).toEqual(alone.weights);
    expect(twice.n).toBeGreaterThan(200);
  });

  it('of two models scores their average, not either member', () => {
    const pair = fitTask(averageModels([a, b]), task, validation, spec, scalers).metrics;
    expect(pair).not.toEqual(fitTask(a, task, validation, spec, scalers).metrics);
    expect(pair).not.toEqual(fitTask(b, task, validation, spec, scalers).metrics);
  });
});

describe('ensembleRows: the study per task and fold', () => {
  // Seed 1 and 2 of fold 1; every task's scores made up, MAE-like except fault's macro-F1 (higher is better).
  const scores = (hib: boolean) => ({ shared: [10, 12], single: [11, 11], pair: hib ? [10.5, 11] : [9.5, 12.5], sharedSeeds: hib ? 11.5 : 10.5, singleSeeds: 11, all: hib ? 12 : 10 });
  const fold: EnsembleFold = { fold: 1, seeds: [1, 2], seconds: [1, 1], tasks: Object.fromEntries(TASK_ORDER.map((t) => [t, scores(t === 'fault')])) as EnsembleFold['tasks'] };
  const metrics = (t: string, v: number) => (t === 'fault' ? { count: 1, accuracy: 1, macro_f1: v, anomaly_f1: 1 } : { mae: v, rmse: v, mape: v, by_horizon: [] });
  const saved = (shared: number) => ({ runs: [1, 2].map((seed, i) => ({ fold: 0, seed, tasks: Object.fromEntries(TASK_ORDER.map((t) => [t, { shared: metrics(t, seed === 1 ? shared : [10, 12][i] ?? NaN), single: metrics(t, 11) }])) })) }) as unknown as FoldStudy;

  it('gains are % of the all-task mean, positive when better whichever way the metric points; the pairs that beat their seed are counted', () => {
    const rows = ensembleRows([fold], saved(10));
    const mae = rows.find((r) => r.task === 'traffic');
    const f1 = rows.find((r) => r.task === 'fault');
    expect(mae).toMatchObject({ fold: 1, shared: 11, single: 11, pair: 11, higherIsBetter: false, pairBetter: 1, sameModels: true });
    expect(mae?.gain.all).toBeCloseTo((1 / 11) * 100, 12);
    expect(mae?.gain.sharedSeeds).toBeCloseTo((0.5 / 11) * 100, 12);
    expect(f1).toMatchObject({ higherIsBetter: true, pairBetter: 1 });
    expect(f1?.gain.all).toBeCloseTo((1 / 11) * 100, 12);
    expect(rows).toHaveLength(TASK_ORDER.length);
  });

  it('says whether the members are the saved run\'s models, or that the run has none', () => {
    expect(ensembleRows([fold], saved(10.5)).every((r) => r.sameModels === false)).toBe(true);
    expect(ensembleRows([fold]).every((r) => r.sameModels === null)).toBe(true);
  });
});
