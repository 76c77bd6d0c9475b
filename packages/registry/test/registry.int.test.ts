import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { taskDefinitionSchema } from '@headstream/core';
import { TASKS, type TaskName } from '@headstream/tasks';
import { featureSpecFor, type FeatureSpec } from '@headstream/features';
import { MultiTaskModel, singleTaskConfig, syntheticData, tf, train, type ModelConfig, type SaveInfo, type TrainingEvent } from '@headstream/model';
import { connectPostgres, migrate, openPglite, predictorRoleFor, quoteIdent, requireCurrentSchema, trainerRoleFor, type SqlClient } from '@headstream/store';
import { databaseTargets, describeEachTarget, testServices, waitUntil, type TestDatabase } from '@headstream/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  activeVersion,
  claimTrainingRequest,
  finishTrainingRequest,
  getTrainingRequest,
  getVersion,
  listPromotions,
  listVersions,
  loadArtifact,
  loadServed,
  MODEL_PROMOTED_CHANNEL,
  promote,
  rejectVersion,
  requestTraining,
  rollback,
  saveVersion,
  telemetryRows,
  TRAINING_REQUESTS_CHANNEL,
  UnknownVersionError,
  writeTrainingMetrics,
  type VersionArtifact,
} from '../src/registry.js';
import { SHARED_ARTIFACT, singleArtifact, type MetricsJSON, type TaskReport, type VersionReport } from '../src/report.js';

// Tiny real models: a two-task shared model and the traffic single-task model of the same architecture.
const L = 16;
const config: ModelConfig = {
  tasks: [taskDefinitionSchema.parse({ ...TASKS.traffic, horizons: [1, 2], quantiles: [0.5], lookback: L }), taskDefinitionSchema.parse({ ...TASKS.fault, lookback: L })],
  inputs: { city: { features: 2 }, factory: { features: 3 } },
  lookback: L,
  encoder: { kind: 'mixer', dModel: 8, layers: 1, patch: 4, hidden: 16, heads: 2 },
  headHidden: 8,
  seed: 3,
};
const data = syntheticData(config, 12);
const inputs = { city: data.inputs.city?.x ?? new Float32Array(), factory: data.inputs.factory?.x ?? new Float32Array() };

const regression = (mae: number): MetricsJSON => ({ mae, rmse: mae * 1.3, mape: 10, by_horizon: [{ horizon: 1, count: 12, mae, rmse: mae * 1.3, mape: 10 }] });
const taskReport = (task: TaskName, shared: number, single: number): TaskReport => ({
  task,
  metric: task === 'fault' ? 'macro_f1' : 'mae',
  higherIsBetter: task === 'fault',
  validation: { from: '2024-03-01T00:00:00.000Z', to: '2024-03-08T00:00:00.000Z', windows: 12, sites: ['s1'] },
  training: { windows: 48, sites: ['s1'], from: '2024-02-01T00:00:00.000Z', to: '2024-03-01T00:00:00.000Z' },
  shared: task === 'fault' ? { count: 12, accuracy: 0.9, macro_f1: shared, anomaly_f1: 0.5 } : regression(shared),
  single: task === 'fault' ? { count: 12, accuracy: 0.9, macro_f1: single, anomaly_f1: 0.5 } : regression(single),
  persistence: regression(9),
  seasonal_naive: regression(8),
  active: null,
  delta_pct: ((shared - single) / single) * 100,
  served_by: 'shared',
});

function report(version: string, createdAt: string): VersionReport {
  const cost = { parameters: 1000, flops_per_window: 5000, inference_ms_per_window: 0.2, train_seconds: 3 };
  return {
    version,
    created_at: createdAt,
    mode: 'quick',
    strategy: 'equal',
    regime: 'joint',
    seed: 3,
    backend: 'cpu',
    tasks: ['traffic', 'fault'],
    skipped: [{ task: 'air_quality', reason: 'no readings' }],
    task_reports: { traffic: taskReport('traffic', 6.5, 7), fault: taskReport('fault', 0.8, 0.82) },
    delta_m: -2.5,
    delta_m_served: -2.5,
    compute: { shared: cost, single: { ...cost, parameters: 1800 } },
    decision: { promote: true, tolerance: 0.02, compared_with: null, serving: { traffic: 'shared', fault: 'shared' }, reasons: ['traffic: shared beats persistence'] },
  };
}

const info = (version: string): SaveInfo => ({ version, features: {}, strategy: { name: 'equal' }, regime: 'joint', metrics: {} });

function expectSamePredictions(a: MultiTaskModel, b: MultiTaskModel, tasks: readonly string[]): void {
  const pa = a.predict(inputs, { tasks });
  const pb = b.predict(inputs, { tasks });
  for (const t of tasks) {
    const x = pa[t];
    const y = pb[t];
    const values = (p: typeof x) => (p?.kind === 'regression' ? [...p.values] : p?.kind === 'classification' ? [...p.probabilities] : []);
    const vx = values(x);
    const vy = values(y);
    expect(vx.length).toBeGreaterThan(0);
    expect(vy.length).toBe(vx.length);
    for (let i = 0; i < vx.length; i++) expect(Math.abs((vx[i] ?? 0) - (vy[i] ?? NaN))).toBeLessThanOrEqual(1e-6);
  }
}

let shared: MultiTaskModel;
let single: MultiTaskModel;
const events: TrainingEvent[] = [];

beforeAll(async () => {
  await tf.setBackend('cpu');
  shared = MultiTaskModel.create(config);
  // One short epoch with telemetry on every step: real weights and real events to store.
  train(shared, data, { epochs: 1, batchSize: 6, telemetryEvery: 1, onEvent: (e) => events.push(e) });
  single = MultiTaskModel.create(singleTaskConfig(config, 'traffic'));
});
afterAll(() => {
  shared.dispose();
  single.dispose();
});

const artifacts = (version: string): VersionArtifact[] => [
  { name: SHARED_ARTIFACT, model: shared, info: info(version) },
  { name: singleArtifact('traffic'), model: single, info: { ...info(version), strategy: { name: 'single' } } },
];

describeEachTarget(databaseTargets(), 'model registry on $name', ({ name, open }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await open(import.meta.filename);
    await migrate(db);
  });
  afterAll(async () => {
    await db.dispose();
  });

  it('saves a version with its models and loads them back with the same predictions', async () => {
    const saved = await saveVersion(db, { report: report('v1', '2024-03-08T01:00:00.000Z'), artifacts: artifacts('v1') });
    expect(saved.artifacts.map((a) => a.name)).toEqual(['shared', 'single-traffic']);
    expect(saved.artifacts.every((a) => /^[0-9a-f]{64}$/.test(a.sha256) && a.bytes > 0)).toBe(true);

    const loaded = await loadArtifact(db, 'v1', 'shared');
    expect(loaded.metadata.version).toBe('v1');
    expectSamePredictions(shared, loaded.model, ['traffic', 'fault']);
    loaded.model.dispose();
    const loadedSingle = await loadArtifact(db, 'v1', 'single-traffic');
    expectSamePredictions(single, loadedSingle.model, ['traffic']);
    loadedSingle.model.dispose();

    if (name === 'postgres') {
      // A fresh connection (another process would see the same).
      const fresh = await connectPostgres({ url: testServices().postgres.url, schema: db.schema, createSchema: false });
      try {
        const again = await loadArtifact(fresh, 'v1', 'shared');
        expectSamePredictions(shared, again.model, ['traffic', 'fault']);
        again.model.dispose();
      } finally {
        await fresh.close();
      }
    }
  });

  it('lists and shows versions, newest first, with their report and decision', async () => {
    // With telemetry: written in the same transaction as the version.
    const telemetry = [{ model: 'shared', rows: events.slice(0, 1).flatMap(telemetryRows) }];
    await saveVersion(db, { report: report('v2', '2024-03-09T01:00:00.000Z'), artifacts: artifacts('v2'), telemetry });
    expect((await db.query("SELECT 1 FROM training_metrics WHERE model_version = 'v2'")).rowCount).toBe(telemetry[0]?.rows.length);
    const list = await listVersions(db);
    expect(list.map((v) => [v.version, v.status, v.active, v.delta_m])).toEqual([
      ['v2', 'candidate', false, -2.5],
      ['v1', 'candidate', false, -2.5],
    ]);
    expect(list[0]).toMatchObject({ created_at: '2024-03-09T01:00:00.000Z', tasks: ['traffic', 'fault'], strategy: 'equal', promoted_at: null });
    const v1 = await getVersion(db, 'v1');
    expect(v1?.report).toEqual(report('v1', '2024-03-08T01:00:00.000Z'));
    expect(v1?.decision?.promote).toBe(true);
    expect(v1?.serving).toEqual({ traffic: 'shared', fault: 'shared' });
    expect(v1?.metrics.traffic).toEqual({ metric: 'mae', shared: 6.5, single: 7, persistence: 9, seasonal_naive: 8, linear: null, blend: null, served_by: 'shared', delta_pct: expect.closeTo(-7.142857, 5) as number });
    expect(v1?.metrics.fault?.shared).toBe(0.8);
    expect(v1?.artifacts.map((a) => a.name)).toEqual(['shared', 'single-traffic']);
    expect(await getVersion(db, 'nope')).toBeUndefined();
    expect(await activeVersion(db)).toBeUndefined();
  });

  it('promotes with a NOTIFY, retires the previous version, and rolls back along the history', async () => {
    const payloads: string[] = [];
    if (!db.listen) throw new Error(`${name} client has no listen()`);
    await expect(db.listen('hs_x; DROP TABLE readings', () => undefined)).rejects.toThrow(/refusing notification channel/);
    const stop = await db.listen(MODEL_PROMOTED_CHANNEL, (p) => payloads.push(p));
    try {
      expect(await promote(db, 'v1', { reason: 'first', actor: 'test' })).toEqual({ version: 'v1', previous: null, kind: 'promote' });
      await waitUntil(() => payloads.length === 1, 'the promotion NOTIFY', 10_000, 20);
      expect(JSON.parse(payloads[0] ?? '')).toEqual({ version: 'v1', previous: null, kind: 'promote' });
      expect(await activeVersion(db)).toMatchObject({ version: 'v1', status: 'active', active: true, serving: { traffic: 'shared', fault: 'shared' } });
      expect((await getVersion(db, 'v1'))?.promoted_at).toMatch(/^\d{4}-/);

      await expect(promote(db, 'v1', { reason: 'again', actor: 'test' })).rejects.toThrow('model version "v1" is already active');
      expect(await promote(db, 'v2', { reason: 'better', actor: 'test' })).toEqual({ version: 'v2', previous: 'v1', kind: 'promote' });
      await waitUntil(() => payloads.length === 2, 'the second NOTIFY', 10_000, 20);
      expect(JSON.parse(payloads[1] ?? '')).toEqual({ version: 'v2', previous: 'v1', kind: 'promote' });
      expect((await listVersions(db)).map((v) => [v.version, v.status, v.active])).toEqual([
        ['v2', 'active', true],
        ['v1', 'retired', false],
      ]);

      expect(await rollback(db, { reason: 'v2 regressed', actor: 'oncall' })).toEqual({ version: 'v1', previous: 'v2', kind: 'rollback' });
      await waitUntil(() => payloads.length === 3, 'the rollback NOTIFY', 10_000, 20);
      expect((await listVersions(db)).map((v) => [v.version, v.status, v.active])).toEqual([
        ['v2', 'retired', false],
        ['v1', 'active', true],
      ]);
      // v1 was the first active version: nothing before it.
      await expect(rollback(db, { reason: 'again', actor: 'oncall' })).rejects.toThrow('nothing to roll back to: no version was active before "v1"');
      expect((await listPromotions(db)).map((p) => [p.version, p.previous, p.kind, p.reason, p.actor])).toEqual([
        ['v1', null, 'promote', 'first', 'test'],
        ['v2', 'v1', 'promote', 'better', 'test'],
        ['v1', 'v2', 'rollback', 'v2 regressed', 'oncall'],
      ]);
    } finally {
      await stop();
    }
  });

  it('refuses unknown versions, versions without models, duplicates, and rejecting the active one', async () => {
    await expect(promote(db, 'v9', { reason: 'x', actor: 'test' })).rejects.toThrow(UnknownVersionError);
    await expect(promote(db, 'v9', { reason: 'x', actor: 'test' })).rejects.toThrow('no model version "v9"');
    await db.query("INSERT INTO model_versions (version, tasks, strategy) VALUES ('empty', '{traffic}', 'equal')");
    await expect(promote(db, 'empty', { reason: 'x', actor: 'test' })).rejects.toThrow('model version "empty" has no artifacts');
    await expect(saveVersion(db, { report: report('v1', '2024-03-10T00:00:00.000Z'), artifacts: artifacts('v1') })).rejects.toThrow('model version "v1" already exists');
    await expect(saveVersion(db, { report: report('v3', '2024-03-10T00:00:00.000Z'), artifacts: artifacts('v1') })).rejects.toThrow('artifact "shared" says version "v1", the report "v3"');
    expect((await getVersion(db, 'v3'))).toBeUndefined();
    await expect(rejectVersion(db, 'v1', 'active')).rejects.toThrow('model version "v1" is active');
    await rejectVersion(db, 'v2', 'regressed on traffic');
    const v2 = await getVersion(db, 'v2');
    expect(v2?.status).toBe('rejected');
    expect(v2?.rejected?.reason).toBe('regressed on traffic');
    await expect(loadArtifact(db, 'v9', 'shared')).rejects.toThrow('no model version "v9"');
    await expect(loadArtifact(db, 'v1', 'single-fault')).rejects.toThrow('no artifact "single-fault" of model version "v1" (it has shared, single-traffic)');
  });

  it('detects corrupt weights and names the artifact', async () => {
    await db.query("UPDATE model_artifacts SET weights = set_byte(weights, 5, (get_byte(weights, 5) + 1) % 256) WHERE version = 'v2' AND name = 'shared'");
    await expect(loadArtifact(db, 'v2', 'shared')).rejects.toThrow(/^artifact "shared" of model version "v2" is corrupt: \d+ bytes with SHA-256 [0-9a-f]{64}, stored as/);
    await db.query("UPDATE model_artifacts SET weights = substring(weights from 1 for 40), sha256 = encode(sha256(substring(weights from 1 for 40)), 'hex'), bytes = 40 WHERE version = 'v2' AND name = 'single-traffic'");
    await expect(loadArtifact(db, 'v2', 'single-traffic')).rejects.toThrow(/^artifact "single-traffic" of model version "v2" cannot be loaded: the weights are truncated at /);
  });

  it('loads the model that serves a task: its one artifact, or the blend of both, averaged and decoded with its own weights', async () => {
    const definition = taskDefinitionSchema.parse({ ...TASKS.traffic, horizons: [1, 2], quantiles: [0.5], lookback: L });
    const base = featureSpecFor('city', [definition], { channels: ['flow'] });
    // A fitted change target: each saved model carries its own combination weights, the blend its report's.
    const spec: FeatureSpec = { ...base, targets: base.targets.map((t) => (t.kind === 'regression' ? { ...t, transform: { kind: 'change' as const, scale: 1, shrink: 0.7, fitted: true, weights: [0.5, 0.6] } } : t)) };
    const withFeatures = (a: VersionArtifact): VersionArtifact => ({ ...a, info: { ...a.info, features: { traffic: { spec, scalers: { channels: {}, targets: {} } } } } });
    const blended = report('vb', '2024-03-10T01:00:00.000Z');
    blended.task_reports.traffic = { ...(blended.task_reports.traffic as TaskReport), blend: regression(6.4), blend_weights: [0.9, 1], served_by: 'blend' };
    blended.decision.serving = { traffic: 'blend', fault: 'shared' };
    await saveVersion(db, { report: blended, artifacts: artifacts('vb').map(withFeatures) });
    const weightsOf = (s: FeatureSpec) => s.targets.map((t) => (t.kind === 'regression' && t.transform.kind === 'change' ? t.transform.weights : undefined));
    const outputs = (m: Pick<MultiTaskModel, 'predict'>) => {
      const p = m.predict(inputs, { tasks: ['traffic'] }).traffic;
      return p?.kind === 'regression' ? [...p.values] : [];
    };
    const blend = await loadServed(db, 'vb', 'traffic', 'blend');
    const one = await loadServed(db, 'vb', 'traffic', 'shared');
    const own = await loadServed(db, 'vb', 'traffic', 'single');
    try {
      expect(weightsOf(blend?.spec as FeatureSpec)).toEqual([[0.9, 1]]);
      expect(weightsOf(one?.spec as FeatureSpec)).toEqual([[0.5, 0.6]]);
      const [a, b, mixed] = [outputs(shared), outputs(single), outputs(blend?.predictor as MultiTaskModel)];
      expect(a.length).toBeGreaterThan(0);
      expect(mixed).toHaveLength(a.length);
      mixed.forEach((v, i) => expect(v).toBeCloseTo(0.5 * (a[i] ?? NaN) + 0.5 * (b[i] ?? NaN), 5));
      expect(outputs(one?.predictor as MultiTaskModel)).toEqual(a.map((v) => expect.closeTo(v, 6) as number));
      expect(outputs(own?.predictor as MultiTaskModel)).toEqual(b.map((v) => expect.closeTo(v, 6) as number));
    } finally {
      for (const m of [blend, one, own]) m?.dispose();
    }
    // A version whose report does not score the blend cannot be served by it.
    await expect(loadServed(db, 'v1', 'traffic', 'blend')).rejects.toThrow(/served by the blend, which its report does not score/);
  });

  it('writes training telemetry rows of real trainer events and reads them back', async () => {
    const rows = events.flatMap(telemetryRows);
    const steps = events.filter((e) => e.type === 'step');
    expect(steps.length).toBeGreaterThan(0);
    expect(await writeTrainingMetrics(db, { version: 'v1', model: 'shared', rows })).toBe(rows.length);
    expect(await writeTrainingMetrics(db, { version: 'v1', model: 'single-traffic', rows: [{ ...rows[0]!, task: 'traffic', loss: Number.NaN, grad_cosine: null, time: '2024-03-08T00:00:00Z' }] })).toBe(1);
    const back = await db.query<{ kind: string; step: number; task: string; loss: number | null; weight: number | null; grad_norm: number | null; grad_cosine: Record<string, number | null> | null; learning_rate: number | null; regime: string }>(
      "SELECT kind, step, task, loss, weight, grad_norm, grad_cosine, learning_rate, regime FROM training_metrics WHERE model_version = 'v1' AND model = 'shared' ORDER BY kind DESC, step, task",
    );
    expect(back.rowCount).toBe(rows.length);
    const first = back.rows.find((r) => r.kind === 'step' && r.task === 'traffic');
    const event = steps[0];
    if (event?.type !== 'step') throw new Error('step event expected');
    expect(first).toMatchObject({ step: event.step, regime: 'joint', learning_rate: event.learningRate, loss: event.losses.traffic, weight: event.weights.traffic });
    expect(first?.grad_norm).toBe(event.conflict?.norms[0]);
    expect(Object.keys(first?.grad_cosine ?? {})).toEqual(['fault']);
    expect(back.rows.filter((r) => r.kind === 'epoch').map((r) => r.task)).toEqual(['fault', 'traffic']);
    const single = await db.query<{ loss: number | null; time: Date }>("SELECT loss, time FROM training_metrics WHERE model = 'single-traffic'");
    expect(single.rows[0]?.loss).toBeNull();
    expect(new Date(single.rows[0]?.time ?? 0).toISOString()).toBe('2024-03-08T00:00:00.000Z');
    await expect(writeTrainingMetrics(db, { version: 'v1', model: 'shared', rows: [{ ...rows[0]!, kind: 'batch' as 'step' }] })).rejects.toThrow(/training metrics row 0: kind/);
  });

  it('queues training requests with a NOTIFY; concurrent claims never get the same one', async () => {
    const payloads: string[] = [];
    const stop = await db.listen!(TRAINING_REQUESTS_CHANNEL, (p) => payloads.push(p));
    try {
      const id = await requestTraining(db, { tasks: ['traffic'], options: { quick: true }, requestedBy: 'test' });
      await waitUntil(() => payloads.length === 1, 'the request NOTIFY', 10_000, 20);
      expect(JSON.parse(payloads[0] ?? '')).toEqual({ id });
      // One request, two trainers at once: exactly one gets it.
      const claims = await Promise.all([claimTrainingRequest(db), claimTrainingRequest(db)]);
      expect(claims.filter((c) => c !== undefined).map((c) => [c?.id, c?.tasks, c?.options, c?.requested_by])).toEqual([[id, ['traffic'], { quick: true }, 'test']]);
      // Three requests, three concurrent claims: three different ones.
      const ids = [await requestTraining(db, { requestedBy: 'a' }), await requestTraining(db, { requestedBy: 'b' }), await requestTraining(db, { requestedBy: 'c' })];
      const three = await Promise.all([claimTrainingRequest(db), claimTrainingRequest(db), claimTrainingRequest(db)]);
      expect(three.map((c) => c?.id).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(ids);
      expect(three[0]?.tasks).toBeNull();
      expect(await claimTrainingRequest(db)).toBeUndefined();
      await finishTrainingRequest(db, id, 'v3');
      expect(await getTrainingRequest(db, id)).toMatchObject({ id, result: 'v3', finished_at: expect.stringMatching(/^\d{4}-/) as string });
      await expect(finishTrainingRequest(db, id, 'again')).rejects.toThrow(`training request ${id} is already finished`);
      await expect(finishTrainingRequest(db, 999_999, 'x')).rejects.toThrow('no training request 999999');
      await expect(requestTraining(db, { tasks: ['weather' as TaskName], requestedBy: 'x' })).rejects.toThrow(/training request: tasks\.0/);
    } finally {
      await stop();
    }
  });

  if (name === 'postgres') {
    it('works as the least-privilege roles: the trainer saves, promotes and claims; the predictor loads', async () => {
      const logins: string[] = [];
      const connect = async (role: string) => {
        const login = `hs_t_${role.startsWith('headstream_trainer') ? 'trainer' : 'predictor'}_${randomBytes(3).toString('hex')}`;
        await db.query(`CREATE ROLE ${login} LOGIN IN ROLE ${quoteIdent(role)}`);
        logins.push(login);
        const url = new URL(testServices().postgres.url);
        url.username = login;
        return connectPostgres({ url: url.toString(), schema: db.schema, createSchema: false });
      };
      const trainer = await connect(trainerRoleFor(db.schema));
      const predictor = await connect(predictorRoleFor(db.schema));
      try {
        expect(await requireCurrentSchema(trainer)).toBeGreaterThanOrEqual(6);
        await saveVersion(trainer, { report: report('t1', '2024-03-10T00:00:00.000Z'), artifacts: artifacts('t1'), telemetry: [{ model: 'shared', rows: telemetryRows(events[0]!) }] });
        await promote(trainer, 't1', { reason: 'guard', actor: 'trainer' });
        await rollback(trainer, { reason: 'test', actor: 'trainer' });
        await rejectVersion(trainer, 't1', 'test');
        const id = await requestTraining(trainer, { requestedBy: 'trainer' });
        expect((await claimTrainingRequest(trainer))?.id).toBe(id);
        await finishTrainingRequest(trainer, id, 't1');

        expect(await requireCurrentSchema(predictor)).toBeGreaterThanOrEqual(6);
        const active = await activeVersion(predictor);
        expect(active?.version).toBe('v1');
        const { model } = await loadArtifact(predictor, 't1', 'shared');
        expectSamePredictions(shared, model, ['traffic', 'fault']);
        model.dispose();
        await expect(promote(predictor, 't1', { reason: 'x', actor: 'predictor' })).rejects.toThrow(/permission denied/);
      } finally {
        await trainer.close();
        await predictor.close();
        for (const login of logins) {
          await db.query(`DROP OWNED BY ${login}`).catch(() => undefined);
          await db.query(`DROP ROLE IF EXISTS ${login}`);
        }
      }
    });
  }

  if (name === 'pglite') {
    it('embedded on disk: a version saved before a restart loads after it', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'hs-registry-'));
      try {
        let disk: SqlClient = await openPglite({ dataDir: dir });
        await migrate(disk);
        await saveVersion(disk, { report: report('d1', '2024-03-08T00:00:00.000Z'), artifacts: artifacts('d1') });
        await promote(disk, 'd1', { reason: 'first', actor: 'test' });
        await disk.close();
        disk = await openPglite({ dataDir: dir });
        try {
          expect((await activeVersion(disk))?.version).toBe('d1');
          const { model } = await loadArtifact(disk, 'd1', 'shared');
          expectSamePredictions(shared, model, ['traffic', 'fault']);
          model.dispose();
        } finally {
          await disk.close();
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  }
});
