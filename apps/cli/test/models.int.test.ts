import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { taskDefinitionSchema } from '@headstream/core';
import { TASKS } from '@headstream/tasks';
import { MultiTaskModel, tf, type ModelConfig } from '@headstream/model';
import { migrate, openPglite } from '@headstream/store';
import { realDatabase, realServiceOrSkip, type TestDatabase } from '@headstream/testkit';
import { saveVersion, SHARED_ARTIFACT, type VersionReport, type VersionSummary } from '@headstream/training';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

// `headstream models` through the built binary, against the registry a trainer would have written.
const config: ModelConfig = {
  tasks: [taskDefinitionSchema.parse({ ...TASKS.traffic, horizons: [1], quantiles: [0.5], lookback: 8 })],
  inputs: { city: { features: 2 } },
  lookback: 8,
  encoder: { kind: 'mixer', dModel: 4, layers: 1, patch: 4, hidden: 8, heads: 1 },
  headHidden: 4,
  seed: 1,
};
const mae = (v: number) => ({ mae: v, rmse: v, mape: 10, by_horizon: [{ horizon: 1, count: 10, mae: v, rmse: v, mape: 10 }] });

function report(version: string, createdAt: string): VersionReport {
  const cost = { parameters: 100, flops_per_window: 1000, inference_ms_per_window: 0.01, train_seconds: 1 };
  const window = { from: '2024-03-01T00:00:00.000Z', to: '2024-03-02T00:00:00.000Z', windows: 10, sites: ['s1'] };
  return {
    version,
    created_at: createdAt,
    mode: 'quick',
    strategy: 'equal',
    regime: 'joint',
    seed: 1,
    backend: 'cpu',
    tasks: ['traffic'],
    skipped: [{ task: 'fault', reason: 'no machine readings' }],
    task_reports: {
      traffic: {
        task: 'traffic',
        metric: 'mae',
        higherIsBetter: false,
        validation: window,
        training: window,
        shared: mae(5),
        single: mae(5.5),
        persistence: mae(6),
        seasonal_naive: mae(7),
        active: null,
        delta_pct: -9.09,
        served_by: 'shared',
      },
    },
    delta_m: -9.09,
    delta_m_served: -9.09,
    compute: { shared: cost, single: cost },
    decision: { promote: true, tolerance: 0.02, compared_with: null, serving: { traffic: 'shared' }, reasons: ['traffic: shared MAE 5.000 beats persistence 6.000'] },
  };
}

let model: MultiTaskModel;
beforeAll(async () => {
  await tf.setBackend('cpu');
  model = MultiTaskModel.create(config);
});
afterAll(() => model.dispose());

const save = (db: Parameters<typeof saveVersion>[0], version: string, createdAt: string) =>
  saveVersion(db, {
    report: report(version, createdAt),
    artifacts: [{ name: SHARED_ARTIFACT, model, info: { version, features: {}, strategy: { name: 'equal' }, regime: 'joint', metrics: {} } }],
  });

describe('headstream models on the real PostgreSQL', () => {
  let db: TestDatabase | undefined;
  afterAll(async () => {
    await db?.dispose();
  });

  it('lists, shows, promotes and rolls back versions; an unknown version is a usage error', { timeout: 180_000 }, async (ctx) => {
    const url = realServiceOrSkip(ctx, 'postgres');
    db = await realDatabase(import.meta.filename);
    await migrate(db);
    await save(db, 'v1', '2024-03-08T00:00:00.000Z');
    await save(db, 'v2', '2024-03-09T00:00:00.000Z');
    const env = { HS_PG_URL: url, HS_PG_SCHEMA: db.schema };
    const cli = async (...args: string[]) => runCli(['models', ...args], env, 60_000);

    const list = await cli('list', '--json');
    expect(list.stderr).toBe('');
    expect((JSON.parse(list.stdout) as VersionSummary[]).map((v) => [v.version, v.status])).toEqual([
      ['v2', 'candidate'],
      ['v1', 'candidate'],
    ]);

    const show = await cli('show', 'v1');
    expect(show.stderr).toBe('');
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('version   v1\n');
    expect(show.stdout).toMatch(/^traffic +mae +5\.000 +5\.500 +- +- +6\.000 +7\.000 +- +shared +-9\.1$/m);
    expect(show.stdout).toContain('guard decision: promote yes\n');
    expect(show.stdout).toContain('    traffic: shared MAE 5.000 beats persistence 6.000\n');
    const json = JSON.parse((await cli('show', 'v1', '--json')).stdout) as { report: VersionReport; artifacts: { name: string }[] };
    expect(json.report).toEqual(report('v1', '2024-03-08T00:00:00.000Z'));
    expect(json.artifacts.map((a) => a.name)).toEqual(['shared']);

    expect(await cli('show', 'nope')).toMatchObject({ code: 2, stdout: '', stderr: 'headstream: no model version "nope"\n' });
    expect(await cli('promote', 'nope')).toMatchObject({ code: 2, stderr: 'headstream: no model version "nope"\n' });

    expect(await cli('promote', 'v1', '--reason', 'first')).toMatchObject({ code: 0, stdout: 'promoted v1 (no version was active)\n', stderr: '' });
    expect(await cli('promote', 'v2')).toMatchObject({ code: 0, stdout: 'promoted v2 (v1 retired)\n' });
    const after = await cli('list');
    expect(after.stdout).toMatch(/^\* +v2 .* active /m);
    expect(after.stdout).toMatch(/^ +v1 .* retired /m);
    expect(await cli('rollback', '--reason', 'v2 regressed')).toMatchObject({ code: 0, stdout: 'rolled back to v1 (v2 retired)\n' });
    expect(await cli('rollback')).toMatchObject({ code: 1, stderr: 'headstream: nothing to roll back to: no version was active before "v1"\n' });
    const history = await db.query<{ version: string; kind: string; reason: string; actor: string }>('SELECT version, kind, reason, actor FROM model_promotions ORDER BY id');
    expect(history.rows.map((r) => [r.version, r.kind, r.reason])).toEqual([
      ['v1', 'promote', 'first'],
      ['v2', 'promote', 'promoted by hand'],
      ['v1', 'rollback', 'v2 regressed'],
    ]);
    expect(history.rows.every((r) => r.actor.endsWith('(cli)'))).toBe(true);
  });
});

describe('headstream models on an embedded PGlite directory', () => {
  it('reads and promotes with --data-dir (without it and HS_PG_URL: .headstream/ingest-db, as train --from-db)', { timeout: 180_000 }, async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hs-models-'));
    try {
      const db = await openPglite({ dataDir: dir });
      await migrate(db);
      await save(db, 'e1', '2024-03-08T00:00:00.000Z');
      await db.close();
      expect(await runCli(['models', 'promote', 'e1', '--data-dir', dir], {}, 90_000)).toMatchObject({ code: 0, stdout: 'promoted e1 (no version was active)\n' });
      const list = await runCli(['models', 'list', '--json', '--data-dir', dir], {}, 90_000);
      expect((JSON.parse(list.stdout) as VersionSummary[]).map((v) => [v.version, v.status, v.active])).toEqual([['e1', 'active', true]]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
