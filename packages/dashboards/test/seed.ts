import { taskDefinitionSchema, type Prediction } from '@headstream/core';
import { TASK_NAMES, TASKS, type TaskName } from '@headstream/tasks';
import { MultiTaskModel, syntheticData, tf, train, type ModelConfig, type TrainingEvent } from '@headstream/model';
import { writePredictions } from '@headstream/serving';
import { insertDeadLetters, migrate, ReadingWriter, type ReadingBatchItem, type SqlClient } from '@headstream/store';
import { FAULT_LABEL, promote, rejectVersion, saveVersion, SHARED_ARTIFACT, telemetryRows, type MetricsJSON, type TaskReport, type VersionReport } from '@headstream/training';

/**
 * A Headstream schema with a few hours of everything the dashboards read, written by the real
 * writers: readings (ReadingWriter), model versions with telemetry (the registry, real tiny models
 * trained a few steps), promotions, predictions (serving's writePredictions) and dead letters.
 * Times are relative to now, as a live stack's are (dead letters are stamped now() by the database).
 */

const MINUTE = 60_000;
const HOUR = 3_600_000;

export const CITY_SITES = ['city-a', 'city-b'];
export const MACHINES = ['machine-1', 'machine-2'];
export const LINES = ['line-1'];
/** The live version binds throughput to a renamed metric: the dashboards must follow the binding. */
export const THROUGHPUT_METRIC = 'output_rate';
export const LIVE_VERSION = 'v-live';

export interface Seeded {
  /** The seeded history: [start, end) of readings; forecasts reach past end. */
  start: number;
  end: number;
}

const flow = (t: number, site: number) => 120 + 60 * Math.sin(t / (3 * HOUR) + site);
const pm25 = (t: number, site: number) => 35 + 12 * Math.cos(t / (5 * HOUR) + site);
const throughput = (t: number) => 900 + 80 * Math.sin(t / (4 * HOUR));
/** The line's NOx (the emissions task reads the same sites as throughput). */
const nox = (t: number) => 60 + 6 * Math.sin(t / (3 * HOUR));
/** machine-2 runs into valve1 for the last 20 minutes; machine-1 stays normal. */
const faultClass = (t: number, machine: number, end: number) => (machine === 1 && t >= end - 20 * MINUTE ? 1 : 0);

function readings(start: number, end: number): ReadingBatchItem[] {
  const items: ReadingBatchItem[] = [];
  for (let t = start; t < end; t += 5 * MINUTE) {
    CITY_SITES.forEach((site, i) => {
      const values: Record<string, number> = { flow: flow(t, i) };
      if (t % HOUR === 0) Object.assign(values, { pm25: pm25(t, i), no2: 20 + i });
      items.push({ domain: 'city', site, time: t, values });
    });
    if (t % HOUR === 0) for (const site of LINES) items.push({ domain: 'factory', site, time: t, values: { [THROUGHPUT_METRIC]: throughput(t), nox: nox(t) } });
  }
  // Machines every 10 s over the last hour (the fault task's step is 1 s: each reading is its own step).
  for (let t = end - HOUR; t < end; t += 10_000) {
    MACHINES.forEach((site, i) => items.push({ domain: 'factory', site, time: t, values: { [FAULT_LABEL]: faultClass(t, i, end), vibration: 2 + faultClass(t, i, end) * 4 } }));
  }
  return items;
}

const iso = (t: number) => new Date(t).toISOString();

function predictions(start: number, end: number, version: string): Prediction[] {
  const out: Prediction[] = [];
  const regression = (task: Exclude<TaskName, 'fault'>, site: string, issued: number, actual: (t: number) => number): Prediction => {
    const d = TASKS[task];
    if (d.kind !== 'regression') throw new Error(`${task} is not a regression task`);
    return {
      kind: 'regression',
      task,
      site,
      issued_at: iso(issued),
      model_version: version,
      unit: d.unit,
      horizons: d.horizons.map((h) => {
        const target = issued + h * d.intervalMs;
        // The actual for a target is the step ending there (prediction_actuals): here the one reading at target - step.
        const value = actual(target - d.intervalMs) * (1 + 0.02 * h);
        return { horizon: h, target_time: iso(target), value, lower: value * 0.9, upper: value * 1.1 };
      }),
    };
  };
  for (let t = start; t < end; t += 5 * MINUTE) {
    CITY_SITES.forEach((site, i) => out.push(regression('traffic', site, t, (x) => flow(x, i))));
    if (t % HOUR === 0) {
      CITY_SITES.forEach((site, i) => out.push(regression('air_quality', site, t, (x) => pm25(x, i))));
      for (const site of LINES) out.push(regression('throughput', site, t, throughput), regression('emissions', site, t, nox));
    }
  }
  const classes = TASKS.fault.kind === 'classification' ? TASKS.fault.classes : [];
  for (let t = end - HOUR; t < end; t += 10_000) {
    MACHINES.forEach((site, i) => {
      // Right most of the time; wrong every seventh step, so the error panel has something to show.
      const k = (faultClass(t, i, end) + (Math.round(t / 10_000) % 7 === 0 ? 1 : 0)) % classes.length;
      const probabilities = Object.fromEntries(classes.map((c, j) => [c, j === k ? 0.7 : 0.3 / (classes.length - 1)]));
      // The label of the 1 s step holding the reading at t, named by its end (t + 1 s).
      const step = iso(t + TASKS.fault.intervalMs);
      out.push({ kind: 'classification', task: 'fault', site, issued_at: step, model_version: version, target_time: step, label: classes[k] as string, probabilities, anomaly_score: k === 0 ? 0.1 : 0.8 });
    });
  }
  return out;
}

const regressionMetrics = (mae: number): MetricsJSON => ({ mae, rmse: mae * 1.3, mape: 8, by_horizon: [{ horizon: 1, count: 40, mae, rmse: mae * 1.3, mape: 8 }] });
const faultMetrics = (f1: number): MetricsJSON => ({ count: 40, accuracy: 0.9, macro_f1: f1, anomaly_f1: 0.7 });

function report(version: string, createdAt: number, shift: number, throughputMetric: string): VersionReport {
  const sources: Record<TaskName, Record<string, string>> = {
    traffic: { flow: 'flow' },
    air_quality: { pm25: 'pm25', no2: 'no2' },
    fault: { vibration: 'vibration', [FAULT_LABEL]: FAULT_LABEL },
    throughput: { throughput: throughputMetric },
    emissions: { nox: 'nox' },
  };
  const sites: Record<TaskName, string[]> = { traffic: CITY_SITES, air_quality: CITY_SITES, fault: MACHINES, throughput: LINES, emissions: LINES };
  const window = { from: iso(createdAt - 2 * HOUR), to: iso(createdAt - HOUR), windows: 40 };
  const taskReports: Partial<Record<TaskName, TaskReport>> = {};
  TASK_NAMES.forEach((task, i) => {
    const fault = task === 'fault';
    const shared = fault ? 0.8 + shift : 5 + i - shift;
    const single = fault ? 0.78 : 5.2 + i;
    taskReports[task] = {
      task,
      metric: fault ? 'macro_f1' : 'mae',
      higherIsBetter: fault,
      validation: { ...window, sites: sites[task] },
      training: { windows: 400, sites: sites[task], from: iso(createdAt - 30 * HOUR), to: window.from },
      shared: fault ? faultMetrics(shared) : regressionMetrics(shared),
      single: fault ? faultMetrics(single) : regressionMetrics(single),
      persistence: regressionMetrics(9),
      seasonal_naive: regressionMetrics(8),
      active: null,
      delta_pct: fault ? ((single - shared) / single) * 100 : ((shared - single) / single) * 100,
      served_by: i % 2 === 0 ? 'shared' : 'single',
      binding: { recipe: task, domain: TASKS[task].domain, sites: sites[task], metrics: sources[task] },
    };
  });
  const deltas = Object.values(taskReports).map((r) => r.delta_pct);
  const cost = { parameters: 2000, flops_per_window: 9000, inference_ms_per_window: 0.3, train_seconds: 2 };
  return {
    version,
    created_at: iso(createdAt),
    mode: 'quick',
    strategy: 'equal',
    regime: 'joint',
    seed: 1,
    backend: 'cpu',
    tasks: [...TASK_NAMES],
    skipped: [],
    task_reports: taskReports,
    delta_m: deltas.reduce((a, b) => a + b, 0) / deltas.length,
    delta_m_served: -1.5,
    compute: { shared: cost, single: { ...cost, parameters: 5000 } },
    decision: { promote: shift >= 0, tolerance: 0.02, compared_with: null, serving: { traffic: 'shared', air_quality: 'single', fault: 'shared', throughput: 'single' }, reasons: [`traffic: served MAE beats persistence (shift ${shift})`] },
  };
}

/** A tiny four-task shared model trained a few steps: real weights and real telemetry (gradient cosines). */
async function tinyModel(): Promise<{ model: MultiTaskModel; events: TrainingEvent[] }> {
  await tf.setBackend('cpu');
  const lookback = 8;
  const config: ModelConfig = {
    tasks: TASK_NAMES.map((t) => {
      const d = TASKS[t];
      return taskDefinitionSchema.parse(d.kind === 'regression' ? { ...d, horizons: [1], quantiles: [0.1, 0.5, 0.9], lookback } : { ...d, lookback });
    }),
    inputs: { city: { features: 2 }, factory: { features: 2 } },
    lookback,
    encoder: { kind: 'mixer', dModel: 8, layers: 1, patch: 4, hidden: 8, heads: 2 },
    headHidden: 8,
    seed: 1,
  };
  const model = MultiTaskModel.create(config);
  const events: TrainingEvent[] = [];
  train(model, syntheticData(config, 16), { epochs: 2, batchSize: 8, telemetryEvery: 1, onEvent: (e) => events.push(e) });
  return { model, events };
}

export async function seed(db: SqlClient): Promise<Seeded> {
  await migrate(db);
  const end = Math.floor(Date.now() / HOUR) * HOUR;
  const start = end - 6 * HOUR;
  await new ReadingWriter(db).write(readings(start, end));

  const { model, events } = await tinyModel();
  try {
    const telemetry = [{ model: SHARED_ARTIFACT, rows: events.flatMap(telemetryRows) }];
    const save = (version: string, createdAt: number, shift: number, throughputMetric = 'throughput') =>
      saveVersion(db, {
        report: report(version, createdAt, shift, throughputMetric),
        artifacts: [{ name: SHARED_ARTIFACT, model, info: { version, features: {}, strategy: { name: 'equal' }, regime: 'joint', metrics: {} } }],
        telemetry,
      });
    await save('v-old', start - 24 * HOUR, 0);
    await promote(db, 'v-old', { reason: 'first version', actor: 'test' });
    await save(LIVE_VERSION, start - HOUR, 0.5, THROUGHPUT_METRIC);
    await promote(db, LIVE_VERSION, { reason: 'guard: beats v-old', actor: 'guard' });
    await save('v-rejected', start + HOUR, -2);
    await rejectVersion(db, 'v-rejected', 'worse than persistence on traffic');
  } finally {
    model.dispose();
  }

  await writePredictions(db, predictions(start, end, LIVE_VERSION));
  const payload = Buffer.from('{"oops"');
  await insertDeadLetters(db, [
    { source: 'mqtt', topic: 'hs/v1/readings/city/city-a', reason: 'invalid_json', detail: 'Unexpected end of JSON input', payload },
    { source: 'mqtt', topic: 'hs/v1/readings/city/city-b', reason: 'invalid_json', detail: 'Unexpected token', payload },
    { source: 'kafka', topic: 'hs.readings', partition: 0, offset: '17', reason: 'schema', detail: 'values.flow: expected number', payload },
  ]);
  return { start, end };
}
