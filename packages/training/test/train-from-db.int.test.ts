import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TASK_NAMES, TASKS, type TaskName } from '@headstream/tasks';
import { datasetFolder } from '@headstream/datasets';
import { migrate, ReadingWriter } from '@headstream/store';
import { embeddedDatabase, realDatabase, type TestDatabase } from '@headstream/testkit';
import { getVersion, loadArtifact, SHARED_ARTIFACT, taskRecords, trainFromDatabase, TrainingInputError } from '../src/index.js';

const DOMAIN: Record<TaskName, string> = Object.fromEntries(TASK_NAMES.map((t) => [t, TASKS[t].domain])) as Record<TaskName, string>;

/** A slice of the shared PeMS data, as replay would send it (the four-task training from the database: test/e2e/train-from-db.test.ts). */
const SLICES: { task: TaskName; path: string[]; records: number }[] = [
  { task: 'traffic', path: ['pems-detector-5min-flow', 'train.csv'], records: 2500 },
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

describe('train --from-db with too little data (real PostgreSQL)', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await realDatabase('train_from_db_input');
    await migrate(db);
  });
  afterAll(async () => {
    await db?.dispose();
  });

  it('an empty database gives one line; with some tasks missing it trains the others and says which it skipped and why', { timeout: 300_000 }, async () => {
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

describe('train --from-db on embedded PGlite', () => {
  it('trains, promotes and loads a version from the embedded database as from PostgreSQL', { timeout: 300_000 }, async () => {
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

      // The guard's per-task choice on cases whose answer does not depend on the metrics: with an infinite
      // tolerance the shared model serves whatever it scored; with a tolerance of −∞ (the shared model must beat
      // the single-task one by more than everything) the single-task model does. What is stored follows.
      for (const [tolerance, servedBy] of [
        [Number.POSITIVE_INFINITY, 'shared'],
        [Number.NEGATIVE_INFINITY, 'single'],
      ] as const) {
        const version = `v-guard-${servedBy}`;
        const trained = await trainFromDatabase({ db, mode: 'quick', epochs: 1, version, tolerance, promotion: 'never' });
        expect(trained.report.task_reports.traffic?.served_by).toBe(servedBy);
        expect((await getVersion(db, version))?.decision?.serving).toEqual({ traffic: servedBy });
      }
    } finally {
      await db.dispose();
    }
  });
});
