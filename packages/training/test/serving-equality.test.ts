import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { TaskName } from '@headstream/tasks';
import { datasetFolder } from '@headstream/datasets';
import { buildWindows, decodeForecast, SiteWindowBuffer, unservable } from '@headstream/features';
import { MultiTaskModel } from '@headstream/model';
import { framesFromRecords, modelConfig, prepareTask, scoreTask, taskDefinition, taskRecords, timeSplit, unservableRows, type TaskRecord } from '../src/index.js';

/** One file of each task's data set, and how many of its records to use. */
const SLICES: Record<TaskName, { folder: string; file: string; records: number }> = {
  traffic: { folder: 'pems-detector-5min-flow', file: 'train.csv', records: 3000 },
  air_quality: { folder: 'beijing-multisite-air-quality', file: 'PRSA_Data_Aotizhongxin_20130301-20170228.csv', records: 1500 },
  fault: { folder: 'skab', file: 'valve1/1.csv', records: 1200 },
  throughput: { folder: 'gas-turbine-co-nox-tey', file: 'gt_2011.csv', records: 1500 },
  emissions: { folder: 'gas-turbine-co-nox-tey', file: 'gt_2011.csv', records: 1500 },
};

async function sliceOf(task: TaskName): Promise<TaskRecord[]> {
  const s = SLICES[task];
  const out: TaskRecord[] = [];
  for await (const r of taskRecords(task, { path: join(datasetFolder(s.folder), s.file) })) {
    out.push(r);
    if (out.length >= s.records) break;
  }
  return out;
}

/** Deterministic shuffle within blocks of `block` records, plus a late re-delivery of every 7th record with another value. */
function disorder(records: readonly TaskRecord[], block: number): TaskRecord[] {
  const out: TaskRecord[] = [];
  for (let i = 0; i < records.length; i += block) {
    const chunk = records.slice(i, i + block);
    out.push(...chunk.reverse());
    for (const r of chunk) if (records.indexOf(r) % 7 === 0) out.push({ ...r, values: Object.fromEntries(Object.entries(r.values).map(([k, v]) => [k, v + 1000])) });
  }
  return out;
}

describe('training = serving on the four real tasks', () => {
  for (const task of ['traffic', 'air_quality', 'fault', 'throughput', 'emissions'] as const) {
    it(`${task}: windows from readings arriving one at a time equal the training windows, bit for bit, and decode alike`, async () => {
      const records = await sliceOf(task);
      const site = records[0]?.site ?? '';
      const frames = framesFromRecords(task, new Map([[site, records]]));
      const definition = taskDefinition(task);
      const prepared = prepareTask(frames, definition, timeSplit(frames), { maxTrain: 100_000, maxValidation: 100_000 });
      const { spec, scalers } = prepared;
      const frame = frames.frames[site];
      if (!frame) throw new Error('no frame');
      const all = buildWindows(frame, spec, scalers);
      const model = MultiTaskModel.create(modelConfig([definition], { [task]: all.features }, 3));
      try {
        const buffer = new SiteWindowBuffer(spec);
        const byIssue = new Map<number, number>();
        all.issueTimes.forEach((t, i) => byIssue.set(t, i));
        let compared = 0;
        const check = (issue: number) => {
          const w = byIssue.get(issue);
          if (w === undefined) return;
          const served = buffer.window(issue, scalers);
          const per = spec.lookback * all.features;
          const trained = all.x.slice(w * per, (w + 1) * per);
          expect(Buffer.from(served.x.buffer).equals(Buffer.from(trained.buffer))).toBe(true);
          compared++;
          // Decoding: every 5th window (the network's cost dominates the test).
          if (compared % 5 !== 0) return;
          const target = all.targets[task];
          const outServed = model.predict({ [spec.input]: served.x })[task];
          const outTrained = model.predict({ [spec.input]: trained })[task];
          if (target?.kind === 'regression' && outServed?.kind === 'regression' && outTrained?.kind === 'regression') {
            const h = target.horizons;
            const q = outServed.quantiles.length;
            const persistence = target.persistence[w * h] ?? NaN;
            expect(served.baselines[task]?.persistence ?? NaN).toEqual(persistence);
            expect(served.baselines[task]?.spread ?? NaN).toEqual(target.spread[w * h] ?? NaN);
            const rep = (p: number) => Float64Array.from({ length: h }, () => p);
            const decodedServed = decodeForecast(spec, scalers, task, outServed, { persistence: rep(served.baselines[task]?.persistence ?? NaN), spread: rep(served.baselines[task]?.spread ?? NaN) });
            const decodedTrained = decodeForecast(spec, scalers, task, outTrained, { persistence: rep(persistence), spread: rep(target.spread[w * h] ?? NaN) });
            expect(decodedServed.values).toHaveLength(h * q);
            expect(Array.from(decodedServed.values)).toEqual(Array.from(decodedTrained.values));
            expect(Array.from(decodedServed.point)).toEqual(Array.from(decodedTrained.point));
          } else if (outServed?.kind === 'classification' && outTrained?.kind === 'classification') {
            expect(Array.from(outServed.probabilities)).toEqual(Array.from(outTrained.probabilities));
          }
        };
        // A window is built once readings 4 buckets past its issue time have arrived (blocks arrive up to 3 late).
        let next = all.issueTimes[0] ?? Infinity;
        for (const r of disorder(records, 3)) {
          buffer.add(r.time, r.values);
          while (next <= Math.floor(buffer.newest / spec.intervalMs) * spec.intervalMs - 4 * spec.intervalMs) {
            check(next);
            buffer.prune(next);
            next += spec.intervalMs;
          }
        }
        expect(compared).toBeGreaterThan(Math.min(200, all.n / 2));
      } finally {
        model.dispose();
      }
    });
  }
});

describe('scoring counts the windows serving predicts', () => {
  it('a window serving skips as too sparse (a gap in the readings) counts for no model and no baseline in scoring', async () => {
    const task = 'traffic';
    const records = await sliceOf(task);
    // Three hours without readings in the last fifth (the validation part of the time split).
    const from = Math.floor(records.length * 0.88);
    const gapped = [...records.slice(0, from), ...records.slice(from + 36)];
    const site = gapped[0]?.site ?? '';
    const definition = taskDefinition(task);
    const frames = framesFromRecords(task, new Map([[site, gapped]]));
    const prepared = prepareTask(frames, definition, timeSplit(frames), { maxTrain: 100_000, maxValidation: 100_000 });
    const { validation, spec, scalers } = prepared;
    const skipped = unservableRows(validation, spec, task);
    const per = spec.lookback * validation.features;
    // The rule serving applies, window by window: those with under half of their visible steps observed.
    expect(skipped.size).toBeGreaterThan(10);
    for (let i = 0; i < validation.n; i++) expect(unservable(spec, task, validation.x, i * per, validation.features, NaN) !== undefined).toBe(skipped.has(i));
    const model = MultiTaskModel.create(modelConfig([definition], { [task]: validation.features }, 3));
    try {
      const score = scoreTask(model, task, validation, spec, scalers);
      const target = validation.targets[task];
      if (target?.kind !== 'regression') throw new Error('traffic is a regression task');
      let labelledRows = 0;
      for (let i = 0; i < validation.n; i++) if (!skipped.has(i) && Number.isFinite(target.raw[i * target.horizons] ?? NaN)) labelledRows++;
      expect(score.n).toBe(labelledRows);
      expect(score.n).toBeLessThan(validation.n);
    } finally {
      model.dispose();
    }
  });
});
