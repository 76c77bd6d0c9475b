import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inputOf, TURBINE_INPUT, type TaskName } from '@headstream/tasks';
import { datasetFolder } from '@headstream/datasets';
import { averageModels, fromWindowSets, MultiTaskModel, train } from '@headstream/model';
import { fitTask, framesFromRecords, modelConfig, prepareInput, scoreTask, servedSpec, settingsFor, taskDefinition, taskRecords, timeSplit, trainOptions, type TaskRecord } from '@headstream/training';
import { PredictionEngine, type ServedTask, type ServingVersion } from '../src/index.js';

const SITE_RECORDS = 400;

/** The first records of one gas turbine file: TEY and NOx beside the turbine's sensors, hourly. */
async function turbineRecords(): Promise<TaskRecord[]> {
  const out: TaskRecord[] = [];
  for await (const r of taskRecords('throughput', { path: join(datasetFolder('gas-turbine-co-nox-tey'), 'gt_2011.csv') })) {
    out.push(r);
    if (out.length >= SITE_RECORDS) break;
  }
  return out;
}

/** The turbine's two tasks prepared on their one input, from one site's first records. */
async function turbineInput() {
  const records = await turbineRecords();
  const site = records[0]?.site ?? '';
  const frames = framesFromRecords('throughput', new Map([[site, records]]));
  const tasks: TaskName[] = ['throughput', 'emissions'];
  const definitions = tasks.map((t) => taskDefinition(t));
  return { records, site, tasks, definitions, prepared: prepareInput(frames, definitions, timeSplit(frames), { maxTrain: 10_000, maxValidation: 10_000 }) };
}

describe('co-located tasks: throughput and emissions on one input', () => {
  it('train from one window set through one stem, and serving decodes both heads from one encoder pass, equal to evaluation', async () => {
    const { records, site, tasks, definitions, prepared } = await turbineInput();
    const [throughput, emissions] = prepared;
    if (!throughput || !emissions) throw new Error('nothing prepared');

    // One window set for the input, each window with both tasks' labels; one spec naming the input, a target per task.
    expect(throughput.train).toBe(emissions.train);
    expect(throughput.spec).toBe(emissions.spec);
    expect(throughput.spec.input).toBe(TURBINE_INPUT);
    expect(throughput.spec.targets.map((t) => t.task)).toEqual(tasks);
    expect(Object.keys(throughput.train.targets)).toEqual(tasks);

    // The joint model: one stem for both heads; its data batches the input once for both.
    const model = MultiTaskModel.create(modelConfig(definitions, { throughput: throughput.train.features, emissions: emissions.train.features }, 1));
    try {
      expect(Object.keys(model.config.inputs)).toEqual([TURBINE_INPUT]);
      expect(tasks.map((t) => model.inputOf(model.task(t)))).toEqual([TURBINE_INPUT, TURBINE_INPUT]);
      const data = fromWindowSets([throughput.train, emissions.train]);
      expect(Object.keys(data.inputs)).toEqual([TURBINE_INPUT]);
      expect(data.inputs[TURBINE_INPUT]?.n).toBe(throughput.train.n);
      expect(tasks.map((t) => data.labels[t]?.input)).toEqual([TURBINE_INPUT, TURBINE_INPUT]);
      const run = train(model, data, { ...trainOptions(settingsFor('quick'), 1), epochs: 1, strategy: 'equal' });
      expect(Object.keys(run.history[0]?.losses ?? {}).sort()).toEqual([...tasks].sort());

      // Serving: both tasks read the same readings; each step is one window and one model call for both heads.
      const metrics = Object.fromEntries(throughput.spec.sources.map((s) => [s, s]));
      const served = (task: TaskName): ServedTask => ({
        task,
        definition: model.task(task),
        spec: throughput.spec,
        scalers: throughput.scalers,
        artifacts: ['shared'],
        members: [model],
        servedBy: 'shared',
        model,
        input: inputOf(task),
        binding: { recipe: 'turbine', domain: 'factory', sites: [site], metrics },
      });
      const version: ServingVersion = { version: 'colocated', tasks: new Map(tasks.map((t) => [t, served(t)])), dispose: () => {} };
      const engine = new PredictionEngine(version);
      const predict = model.predict.bind(model);
      const calls: string[][] = [];
      model.predict = (inputs, options) => {
        calls.push([...(options?.tasks ?? [])]);
        return predict(inputs, options);
      };
      const forecasts = new Map<string, number>();
      let steps = 0;
      for (const r of records) {
        const due = engine.add({ domain: 'factory', site, time: r.time, values: r.values });
        if (due.length === 0) continue;
        const before = calls.length;
        const out = engine.predict(due).predictions;
        if (out.length === 0) continue;
        steps++;
        expect(calls.length - before).toBe(1);
        expect(calls.at(-1)).toEqual(tasks);
        expect(out.map((p) => p.task).sort()).toEqual([...tasks].sort());
        for (const p of out) if (p.kind === 'regression') forecasts.set(`${p.task}@${Date.parse(p.issued_at)}`, p.horizons[0]?.value ?? NaN);
      }
      expect(steps).toBeGreaterThan(SITE_RECORDS / 2);
      expect(engine.size).toBe(1);
      model.predict = predict;

      // Evaluation on the validation windows: the served forecasts of the same issue times are the same numbers.
      let compared = 0;
      for (const t of [throughput, emissions]) {
        const score = scoreTask(model, t.task, t.validation, t.spec, t.scalers);
        t.validation.issueTimes.forEach((issue, i) => {
          const servedValue = forecasts.get(`${t.task}@${issue}`);
          if (servedValue === undefined || !Number.isFinite(score.predictions[i] ?? NaN)) return;
          expect(servedValue).toBeCloseTo(score.predictions[i] ?? NaN, 9);
          compared++;
        });
      }
      expect(compared).toBeGreaterThan(SITE_RECORDS / 10);
    } finally {
      model.dispose();
    }
  });

  it('a blended task: the shared pass still serves both heads, the single-task model adds one pass, and the averaged forecast equals evaluation\'s', async () => {
    const { records, site, definitions, prepared } = await turbineInput();
    const [throughput] = prepared;
    if (!throughput) throw new Error('nothing prepared');
    const features = { throughput: throughput.train.features, emissions: throughput.train.features };
    const shared = MultiTaskModel.create(modelConfig(definitions, features, 1));
    const single = MultiTaskModel.create(modelConfig([taskDefinition('throughput')], features, 2));
    try {
      const options = { ...trainOptions(settingsFor('quick'), 1), epochs: 1, strategy: 'equal' as const };
      train(shared, fromWindowSets([throughput.train]), options);
      train(single, fromWindowSets([throughput.train]), options);
      // The blend's own combination weights, fitted on its averaged outputs, as trainVersion fits them.
      const fitted = fitTask(averageModels([shared, single]), 'throughput', throughput.validation, throughput.spec, throughput.scalers);
      // One weight per horizon of the throughput head (a fitted change target).
      const target = throughput.spec.targets.find((t) => t.task === 'throughput');
      const h = target?.kind === 'regression' ? target.horizons.length : NaN;
      expect(fitted.weights?.length).toBe(h);
      const blendSpec = servedSpec('blend', 'throughput', throughput.spec, { blend_weights: fitted.weights ?? [] });
      const metrics = Object.fromEntries(throughput.spec.sources.map((s) => [s, s]));
      const binding = { recipe: 'turbine', domain: 'factory', sites: [site], metrics };
      const blended: ServedTask = { task: 'throughput', definition: shared.task('throughput'), spec: blendSpec, scalers: throughput.scalers, artifacts: ['shared', 'single-throughput'], members: [shared, single], servedBy: 'blend', model: averageModels([shared, single]), input: inputOf('throughput'), binding };
      const sharedOnly: ServedTask = { task: 'emissions', definition: shared.task('emissions'), spec: throughput.spec, scalers: throughput.scalers, artifacts: ['shared'], members: [shared], servedBy: 'shared', model: shared, input: inputOf('emissions'), binding };
      const engine = new PredictionEngine({ version: 'blend', tasks: new Map([['throughput', blended], ['emissions', sharedOnly]]), dispose: () => {} });
      const calls: string[] = [];
      const spy = (m: MultiTaskModel, name: string) => {
        const predict = m.predict.bind(m);
        m.predict = (inputs, o) => {
          calls.push(`${name}:${(o?.tasks ?? []).join('+')}`);
          return predict(inputs, o);
        };
        return () => (m.predict = predict);
      };
      const restore = [spy(shared, 'shared'), spy(single, 'single')];
      const forecasts = new Map<string, number[]>();
      let steps = 0;
      for (const r of records) {
        const due = engine.add({ domain: 'factory', site, time: r.time, values: r.values });
        if (due.length === 0) continue;
        calls.length = 0;
        const out = engine.predict(due).predictions;
        if (out.length === 0) continue;
        steps++;
        // One window (the blend's weights decode, they do not build), one pass of each model: the shared one for both heads.
        expect(calls).toEqual(['shared:throughput+emissions', 'single:throughput']);
        expect(out.map((p) => p.task).sort()).toEqual(['emissions', 'throughput']);
        for (const p of out) if (p.kind === 'regression' && p.task === 'throughput') forecasts.set(p.issued_at, p.horizons.map((h) => h.value));
      }
      for (const undo of restore) undo();
      expect(steps).toBeGreaterThan(SITE_RECORDS / 2);
      expect(engine.size).toBe(1);

      // Evaluation of the blend (averageModels, the blend's spec) on the validation windows: the same numbers.
      const score = scoreTask(averageModels([shared, single]), 'throughput', throughput.validation, blendSpec, throughput.scalers);
      const alone = scoreTask(shared, 'throughput', throughput.validation, throughput.spec, throughput.scalers);
      let compared = 0;
      let differs = 0;
      throughput.validation.issueTimes.forEach((issue, i) => {
        const served = forecasts.get(new Date(issue).toISOString());
        if (!served || !Number.isFinite(score.predictions[i * h] ?? NaN)) return;
        served.forEach((v, k) => expect(v).toBeCloseTo(score.predictions[i * h + k] ?? NaN, 9));
        if (Math.abs((served[0] ?? 0) - (alone.predictions[i * h] ?? 0)) > 1e-6) differs++;
        compared++;
      });
      expect(compared).toBeGreaterThan(SITE_RECORDS / 10);
      // …and not the shared model's alone: the single-task model's output is in them.
      expect(differs).toBeGreaterThan(compared / 2);
    } finally {
      shared.dispose();
      single.dispose();
    }
  });
});
