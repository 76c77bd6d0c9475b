import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { predictionSchema, type Prediction } from '@headstream/core';
import { TASK_NAMES, TASKS, type TaskName } from '@headstream/tasks';
import { datasetFolder } from '@headstream/datasets';
import { buildWindows, decodeForecast } from '@headstream/features';
import { migrate, ReadingWriter } from '@headstream/store';
import { embeddedDatabase, type TestDatabase } from '@headstream/testkit';
import { readSiteFrames, taskRecords } from '@headstream/training';
import { installFixtureVersion } from '../../../test/fixture/index.js';
import { loadServingVersion, PredictionEngine, VersionLoadError, type EngineReading, type ServingVersion } from '../src/index.js';

const DOMAIN: Record<TaskName, string> = Object.fromEntries(TASK_NAMES.map((t) => [t, TASKS[t].domain])) as Record<TaskName, string>;
const SLICES: { task: TaskName; path: string[]; records: number }[] = [
  { task: 'traffic', path: ['pems-detector-5min-flow', 'train.csv'], records: 1500 },
  { task: 'fault', path: ['skab', 'valve1', '1.csv'], records: 2000 },
  { task: 'throughput', path: ['gas-turbine-co-nox-tey', 'gt_2011.csv'], records: 600 },
];

describe('prediction engine: live readings → the training windows → one prediction per (task, site, issue time)', () => {
  let db: TestDatabase;
  let version: ServingVersion;
  const readings: EngineReading[] = [];
  beforeAll(async () => {
    db = await embeddedDatabase();
    await migrate(db);
    for (const s of SLICES) {
      const [folder, ...rest] = s.path;
      for await (const r of taskRecords(s.task, { path: join(datasetFolder(folder ?? ''), ...rest) })) {
        readings.push({ domain: DOMAIN[s.task], site: r.site, time: r.time, values: r.values });
        if (readings.filter((x) => x.domain === DOMAIN[s.task] && x.site === r.site).length >= s.records) break;
      }
    }
    const writer = new ReadingWriter(db);
    for (let i = 0; i < readings.length; i += 2000) await writer.write(readings.slice(i, i + 2000));
    // The run's one trained fixture version (four tasks, trained on the first rows of the same files).
    await installFixtureVersion(db, 'v1');
    version = await loadServingVersion(db, 'v1');
  }, 600_000);
  afterAll(async () => {
    version?.dispose();
    await db?.dispose();
  });

  /** Feeds readings one at a time; returns every prediction made, in order. */
  function run(engine: PredictionEngine, stream: readonly EngineReading[]): Prediction[] {
    const out: Prediction[] = [];
    for (const r of stream) {
      const due = engine.add(r);
      if (due.length) out.push(...engine.predict(due).predictions);
    }
    return out;
  }

  it('predicts each served task once per step, with payloads that match core’s schema', () => {
    const engine = new PredictionEngine(version);
    const sorted = [...readings].sort((a, b) => a.time - b.time);
    const predictions = run(engine, sorted);
    const tasks = new Set(predictions.map((p) => p.task));
    // The fixture's gas turbine slice carries NOx beside TEY, so emissions is served from the same readings.
    expect([...tasks].sort()).toEqual(['emissions', 'fault', 'throughput', 'traffic']);
    const keys = predictions.map((p) => `${p.task}/${p.site}/${p.issued_at}`);
    expect(new Set(keys).size).toBe(keys.length);
    for (const p of predictions) expect(predictionSchema.safeParse(p).success, JSON.stringify(p)).toBe(true);
    // Consecutive steps: throughput predicts every hour once it has history.
    const tp = predictions.filter((p) => p.task === 'throughput').map((p) => Date.parse(p.issued_at));
    expect(tp.every((t, i) => i === 0 || t - (tp[i - 1] ?? 0) === 3_600_000)).toBe(true);
    expect(engine.counters.skipped.sparse).toBeGreaterThan(0); // the first steps of each site have no history
  });

  it('the served forecasts equal evaluation’s: the same windows from the database, decoded alike', async () => {
    const engine = new PredictionEngine(version);
    const predictions = run(engine, [...readings].sort((a, b) => a.time - b.time)).filter((p) => p.task === 'throughput');
    const task = version.tasks.get('throughput');
    if (!task) throw new Error('no throughput');
    const frames = await readSiteFrames(db, { domain: task.binding.domain, sites: task.binding.sites, metrics: task.binding.metrics, intervalMs: task.spec.intervalMs, useRollups: true });
    const site = task.binding.sites[0] ?? '';
    const frame = frames[site];
    if (!frame) throw new Error('no frame');
    const set = buildWindows(frame, task.spec, task.scalers);
    const out = task.model.predict({ [task.input]: set.x }, { tasks: ['throughput'] }).throughput;
    const target = set.targets.throughput;
    if (out?.kind !== 'regression' || target?.kind !== 'regression') throw new Error('kind');
    const decoded = decodeForecast(task.spec, task.scalers, 'throughput', out, target).point;
    let compared = 0;
    for (const p of predictions) {
      if (p.kind !== 'regression') continue;
      const w = Array.from(set.issueTimes).indexOf(Date.parse(p.issued_at));
      if (w < 0) continue;
      expect(p.horizons[0]?.value).toBeCloseTo(decoded[w] ?? NaN, 9);
      compared++;
    }
    expect(compared).toBeGreaterThan(100);
  });

  it('a batch of readings (messages of many frames) added before predicting: the same predictions as one reading at a time', () => {
    const sorted = [...readings].sort((a, b) => a.time - b.time);
    const one = run(new PredictionEngine(version), sorted);
    const engine = new PredictionEngine(version);
    const batched: Prediction[] = [];
    for (let i = 0; i < sorted.length; i += 100) {
      const due = sorted.slice(i, i + 100).flatMap((r) => engine.add(r));
      batched.push(...engine.predict(due).predictions);
    }
    expect(one.length).toBeGreaterThan(100);
    // Per task in the same order; tasks that read one reading (throughput and emissions: the same turbine) may
    // interleave differently within a batch.
    const byTask = (ps: readonly Prediction[]) => TASK_NAMES.map((t) => ps.filter((p) => p.task === t));
    expect(byTask(batched).map((ps) => ps.map((p) => `${p.task}/${p.site}/${p.issued_at}`))).toEqual(byTask(one).map((ps) => ps.map((p) => `${p.task}/${p.site}/${p.issued_at}`)));
    expect(byTask(batched)).toEqual(byTask(one));
  });

  it('late and duplicate readings: still exactly one prediction per issue time, late ones counted', () => {
    const engine = new PredictionEngine(version, { latenessMs: 0 });
    const sorted = [...readings].sort((a, b) => a.time - b.time);
    // Every 10th reading arrives again, and every 25th arrives three readings late.
    const stream: EngineReading[] = [];
    sorted.forEach((r, i) => {
      if (i % 25 === 0 && i + 3 < sorted.length) return;
      stream.push(r);
      if (i % 10 === 0) stream.push(r);
      if (i % 25 === 3) {
        const late = sorted[i - 3];
        if (late) stream.push(late);
      }
    });
    const predictions = run(engine, stream);
    const keys = predictions.map((p) => `${p.task}/${p.site}/${p.issued_at}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(engine.counters.late).toBeGreaterThan(0);
  });

  it('unknown sites, domains and metrics are ignored and counted; windows beyond the cap are evicted and counted', () => {
    const engine = new PredictionEngine(version, { maxWindows: 5 });
    for (let i = 0; i < 1000; i++) engine.add({ domain: 'weather', site: `w-${i}`, time: i * 1000, values: { flow: 1 } });
    for (let i = 0; i < 1000; i++) engine.add({ domain: 'city', site: `c-${i}`, time: i * 1000, values: { humidity: 1 } });
    expect(engine.counters.ignored).toBe(2000);
    for (let i = 0; i < 50; i++) engine.add({ domain: 'city', site: `new-${i}`, time: Date.UTC(2016, 0, 4) + i, values: { flow: 10 } });
    expect(engine.size).toBe(5);
    expect(engine.counters.evicted).toBe(45);
  });

  it('serves a version saved before FeatureSpec.input (its specs name the input `domain`), and serves co-located tasks from one window', async () => {
    await installFixtureVersion(db, 'v-old');
    const { rows } = await db.query<{ name: string; metadata: { features: Record<string, { spec: Record<string, unknown> }> } }>("SELECT name, metadata FROM model_artifacts WHERE version = 'v-old'");
    for (const row of rows) {
      for (const f of Object.values(row.metadata.features)) {
        const { input, ...rest } = f.spec;
        f.spec = { ...rest, domain: input };
      }
      await db.query("UPDATE model_artifacts SET metadata = $1::jsonb WHERE version = 'v-old' AND name = $2", [JSON.stringify(row.metadata), row.name]);
    }
    const old = await loadServingVersion(db, 'v-old');
    try {
      for (const [task, served] of old.tasks) expect(served.spec.input, task).toBe(version.tasks.get(task)?.spec.input);
      // The turbine's readings: throughput and emissions read them through one input, so one window per site serves both.
      const turbine = [...readings].sort((a, b) => a.time - b.time).filter((r) => 'nox' in r.values);
      const engine = new PredictionEngine(version);
      const served = run(engine, turbine);
      expect(new Set(served.map((p) => p.task))).toEqual(new Set(['throughput', 'emissions']));
      expect(engine.size).toBe(new Set(turbine.map((r) => r.site)).size);
      expect(run(new PredictionEngine(old), turbine)).toEqual(served.map((p) => ({ ...p, model_version: 'v-old' })));
    } finally {
      old.dispose();
    }
  });

  it('a version whose artifact is corrupt does not load, and says why', async () => {
    await db.query("UPDATE model_artifacts SET weights = decode('00', 'hex') WHERE version = 'v1' AND name = 'shared'");
    await expect(loadServingVersion(db, 'v1')).rejects.toThrow(VersionLoadError);
    await expect(loadServingVersion(db, 'v-none')).rejects.toThrow(/no model version "v-none"/);
  });
});
