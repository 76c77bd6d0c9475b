import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TaskName } from '@headstream/core';
import { datasetFolder } from '@headstream/datasets';
import { migrate, ReadingWriter } from '@headstream/store';
import { embeddedDatabase, realDatabase, runNodeScript, type TestDatabase } from '@headstream/testkit';
import { activeVersion, getVersion, loadArtifact, promote, SHARED_ARTIFACT, taskRecords, trainFromDatabase, TrainingInputError, type TaskReport } from '../src/index.js';

const DOMAIN: Record<TaskName, string> = { traffic: 'city', air_quality: 'city', fault: 'factory', throughput: 'factory' };

/** Slices of the shared data sets, as replay would send them (labels as gt_* numbers). */
const SLICES: { task: TaskName; path: string[]; records: number }[] = [
  { task: 'traffic', path: ['pems-detector-5min-flow', 'train.csv'], records: 2500 },
  { task: 'air_quality', path: ['beijing-multisite-air-quality', 'PRSA_Data_Aotizhongxin_20130301-20170228.csv'], records: 1500 },
  { task: 'air_quality', path: ['beijing-multisite-air-quality', 'PRSA_Data_Changping_20130301-20170228.csv'], records: 1500 },
  { task: 'fault', path: ['skab', 'valve1', '1.csv'], records: 2000 },
  { task: 'fault', path: ['skab', 'valve1', '2.csv'], records: 2000 },
  { task: 'fault', path: ['skab', 'valve2', '1.csv'], records: 2000 },
  { task: 'throughput', path: ['gas-turbine-co-nox-tey', 'gt_2011.csv'], records: 1500 },
];

async function ingestSlices(db: TestDatabase, tasks: readonly TaskName[]): Promise<void> {
  const writer = new ReadingWriter(db);
  for (const s of SLICES.filter((x) => tasks.includes(x.task))) {
    const [folder, ...rest] = s.path;
    const items = [];
    for await (const r of taskRecords(s.task, { path: join(datasetFolder(folder ?? ''), ...rest) })) {
      items.push({ domain: DOMAIN[s.task], site: r.site, time: r.time, values: r.values });
      if (items.length >= s.records) break;
    }
    for (let i = 0; i < items.length; i += 2000) await writer.write(items.slice(i, i + 2000));
  }
}

const rootDir = fileURLToPath(new URL('../../../', import.meta.url));

describe('train --from-db on replayed slices of the four data sets (real PostgreSQL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await realDatabase('train_from_db');
    await migrate(db);
    await ingestSlices(db, ['traffic', 'air_quality', 'fault', 'throughput']);
  });
  afterAll(async () => {
    await db?.dispose();
  });

  it('trains all four tasks, stores the version, its artifacts and per-epoch telemetry, and the guard decides per task', { timeout: 900_000 }, async () => {
    const { report, promoted } = await trainFromDatabase({ db, mode: 'quick', version: 'v-good', seed: 1 });
    expect(report.tasks).toEqual(['traffic', 'air_quality', 'fault', 'throughput']);
    expect(report.skipped).toEqual([]);
    for (const t of report.tasks) {
      const r = report.task_reports[t] as TaskReport;
      expect(r.validation.windows).toBeGreaterThanOrEqual(16);
      expect(headlineOf(r.shared)).toBeGreaterThan(0);
      // Served by the single-task model exactly when the shared one is worse beyond the tolerance.
      expect(r.served_by).toBe(r.delta_pct > 2 ? 'single' : 'shared');
      expect(report.decision.reasons.some((line) => line.startsWith(`${t}:`))).toBe(true);
    }
    expect(report.compute.shared.parameters).toBeLessThan(report.compute.single.parameters);
    const stored = await getVersion(db, 'v-good');
    expect(stored?.artifacts.map((a) => a.name).sort()).toEqual(['shared', 'single-air_quality', 'single-fault', 'single-throughput', 'single-traffic']);
    expect(stored?.status).toBe(promoted ? 'active' : 'rejected');
    // Telemetry: one epoch row per task and epoch of the shared model, and of each single-task model.
    const { rows } = await db.query<{ model: string; n: number }>("SELECT model, count(*)::int AS n FROM training_metrics WHERE model_version = 'v-good' AND kind = 'epoch' GROUP BY model ORDER BY model");
    expect(rows).toEqual([
      { model: 'shared', n: 10 * 4 },
      { model: 'single-air_quality', n: 10 },
      { model: 'single-fault', n: 10 },
      { model: 'single-throughput', n: 10 },
      { model: 'single-traffic', n: 10 },
    ]);
    const cosines = await db.query<{ n: string }>("SELECT count(*) AS n FROM training_metrics WHERE model_version = 'v-good' AND model = 'shared' AND kind = 'step' AND grad_cosine IS NOT NULL");
    expect(Number(cosines.rows[0]?.n)).toBeGreaterThan(0);
    if (!promoted) await promote(db, 'v-good', { reason: 'test: the next candidates are compared with it', actor: 'test' });
  });

  it('another process loads the version from the database alone and predicts the same within 1e-5', async () => {
    const { model, metadata } = await loadArtifact(db, 'v-good', SHARED_ARTIFACT);
    const dir = mkdtempSync(join(tmpdir(), 'hs-load-'));
    try {
      const inputs = Object.fromEntries(Object.entries(model.config.inputs).map(([name, { features }]) => [name, Array.from({ length: 5 * model.config.lookback * features }, (_, i) => Math.sin(i * 0.37))]));
      const here = model.predict(Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, Float32Array.from(v)])));
      writeFileSync(join(dir, 'inputs.json'), JSON.stringify(inputs));
      const script = join(dir, 'load.mjs');
      writeFileSync(
        script,
        `import { openDatabase } from ${JSON.stringify(join(rootDir, 'packages/store/dist/index.js'))};
import { loadArtifact } from ${JSON.stringify(join(rootDir, 'packages/training/dist/index.js'))};
import { readFileSync, writeFileSync } from 'node:fs';
const db = await openDatabase({ url: process.env.URL, schema: process.env.SCHEMA });
const { model } = await loadArtifact(db, 'v-good', 'shared');
const inputs = JSON.parse(readFileSync(process.env.DIR + '/inputs.json', 'utf8'));
const out = model.predict(Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, Float32Array.from(v)])));
writeFileSync(process.env.DIR + '/out.json', JSON.stringify(Object.fromEntries(Object.entries(out).map(([t, p]) => [t, Array.from(p.kind === 'regression' ? p.values : p.probabilities)]))));
await db.close();
`,
      );
      await runNodeScript(script, [], { URL: process.env.HS_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test', SCHEMA: db.schema, DIR: dir }, 180_000);
      const there = JSON.parse(readFileSync(join(dir, 'out.json'), 'utf8')) as Record<string, number[]>;
      for (const [task, p] of Object.entries(here)) {
        const mine = Array.from(p.kind === 'regression' ? p.values : p.probabilities);
        const theirs = there[task] ?? [];
        expect(theirs.length).toBe(mine.length);
        expect(Math.max(...mine.map((v, i) => Math.abs(v - (theirs[i] ?? NaN))))).toBeLessThan(1e-5);
      }
      expect(Object.keys(metadata.features).sort()).toEqual(['air_quality', 'fault', 'throughput', 'traffic']);
    } finally {
      model.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the guard refuses a deliberately bad candidate (never trained) and records why; the active version stays', { timeout: 900_000 }, async () => {
    const { report, promoted } = await trainFromDatabase({ db, mode: 'quick', version: 'v-bad', seed: 2, epochs: 0 });
    expect(promoted).toBe(false);
    expect(report.decision.promote).toBe(false);
    expect(report.decision.compared_with).toBe('v-good');
    expect(report.decision.reasons.filter((r) => r.includes('REFUSED')).length).toBeGreaterThan(0);
    for (const t of report.tasks) expect(report.task_reports[t]?.active?.version).toBe('v-good');
    const stored = await getVersion(db, 'v-bad');
    expect(stored?.status).toBe('rejected');
    expect(stored?.decision?.reasons).toEqual(report.decision.reasons);
    expect((await activeVersion(db))?.version).toBe('v-good');
  });
});

describe('train --from-db with too little data (real PostgreSQL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await realDatabase('train_from_db_input');
    await migrate(db);
  });
  afterAll(async () => {
    await db?.dispose();
  });

  it('an empty database gives one line; with some tasks missing it trains the others and says which it skipped and why', { timeout: 900_000 }, async () => {
    await expect(trainFromDatabase({ db, mode: 'quick' })).rejects.toThrow(TrainingInputError);
    await expect(trainFromDatabase({ db, mode: 'quick' })).rejects.toThrow(/^the database holds no readings/);
    // Traffic has plenty; air quality only 60 hours of one station.
    const writer = new ReadingWriter(db);
    await ingestSlices(db, ['traffic']);
    const items = [];
    for await (const r of taskRecords('air_quality', { path: join(datasetFolder('beijing-multisite-air-quality'), 'PRSA_Data_Aotizhongxin_20130301-20170228.csv') })) {
      items.push({ domain: 'city', site: r.site, time: r.time, values: r.values });
      if (items.length >= 60) break;
    }
    await writer.write(items);
    const { report } = await trainFromDatabase({ db, mode: 'quick', epochs: 1, version: 'v-partial' });
    expect(report.tasks).toEqual(['traffic']);
    const reasons = Object.fromEntries(report.skipped.map((s) => [s.task, s.reason]));
    expect(reasons.air_quality).toMatch(/^air_quality: needs at least \d+ steps \(\d+ h\) of pm25 history at 1 h; the longest site has 60/);
    expect(reasons.fault).toMatch(/^fault: /);
    expect(reasons.throughput).toMatch(/^throughput: /);
    expect(Object.values(reasons).every((r) => !r.includes('\n'))).toBe(true);
  });
});

function headlineOf(m: TaskReport['shared']): number {
  return 'macro_f1' in m ? m.macro_f1 + 1e-9 : m.mae;
}

describe('train --from-db on embedded PGlite', () => {
  it('trains, promotes and loads a version from the embedded database as from PostgreSQL', { timeout: 600_000 }, async () => {
    const db = await embeddedDatabase();
    try {
      await migrate(db);
      await ingestSlices(db, ['traffic']);
      const { report, promoted } = await trainFromDatabase({ db, mode: 'quick', epochs: 2, version: 'v-embedded' });
      expect(report.tasks).toEqual(['traffic']);
      expect(promoted).toBe(report.decision.promote);
      const { model, metadata } = await loadArtifact(db, 'v-embedded', SHARED_ARTIFACT);
      try {
        expect(metadata.features.traffic?.spec.version).toBe(2);
        expect(metadata.features.traffic?.spec.history).toBe(12);
      } finally {
        model.dispose();
      }
      const { rows } = await db.query<{ n: number }>("SELECT count(*)::int AS n FROM training_metrics WHERE model_version = 'v-embedded' AND kind = 'epoch'");
      expect(rows[0]?.n).toBe(2 + 2);
    } finally {
      await db.dispose();
    }
  });
});
