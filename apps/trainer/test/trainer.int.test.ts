import { createRequire } from 'node:module';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { datasetFolder } from '@headstream/datasets';
import { migrate, ReadingWriter } from '@headstream/store';
import { realDatabase, runNodeScript, spawnNodeScript, testServices, waitUntil, type NodeProcess, type TestDatabase } from '@headstream/testkit';
import { listVersions, taskRecords } from '@headstream/training';

const require = createRequire(import.meta.url);
const binary = (pkg: string) => require.resolve(`${pkg}/package.json`).replace(/package\.json$/, 'dist/main.js');
const TRAINER = binary('@headstream/trainer');
const CLI = binary('@headstream/cli');

describe('headstream-trainer (real PostgreSQL)', () => {
  let db: TestDatabase;
  let trainer: NodeProcess | undefined;
  beforeAll(async () => {
    db = await realDatabase('trainer_service');
    await migrate(db);
    // Ten days of PeMS 5-minute flow: enough history for traffic, nothing for the other tasks.
    const items = [];
    for await (const r of taskRecords('traffic', { path: join(datasetFolder('pems-detector-5min-flow'), 'train.csv') })) {
      items.push({ domain: 'city', site: r.site, time: r.time, values: r.values });
      if (items.length >= 2880) break;
    }
    await new ReadingWriter(db).write(items);
  });
  afterAll(async () => {
    if (trainer && trainer.child.exitCode === null) {
      trainer.child.kill('SIGKILL');
      await trainer.exited;
    }
    await db?.dispose();
  });

  it('trains when the database holds no version, again on `headstream train --request`, and stops on SIGTERM', { timeout: 400_000 }, async () => {
    const env = { HS_PG_URL: testServices().postgres.url, HS_PG_SCHEMA: db.schema, HS_TRAIN_MODE: 'quick', HS_TRAIN_EVERY: '1d', HS_LOG_LEVEL: 'info' };
    trainer = spawnNodeScript(TRAINER, [], env);
    const running = trainer;
    await waitUntil(
      async () => {
        if (running.child.exitCode !== null) throw new Error(`trainer exited: ${running.output()}`);
        return (await listVersions(db)).length === 1;
      },
      'the first version',
      180_000,
      1000,
    );
    const [first] = await listVersions(db);
    expect(first?.tasks).toEqual(['traffic']);

    const request = await runNodeScript(CLI, ['train', '--request', '--tasks', 'traffic', '--json'], env, 120_000);
    expect(request.code, request.stderr).toBe(0);
    const id = (JSON.parse(request.stdout) as { request: number }).request;
    await waitUntil(
      async () => {
        if (running.child.exitCode !== null) throw new Error(`trainer exited: ${running.output()}`);
        const row = (await db.query<{ result: string | null }>('SELECT result FROM training_requests WHERE id = $1', [id])).rows[0];
        return row?.result !== null && row?.result !== undefined;
      },
      'the requested version',
      180_000,
      1000,
    );
    const versions = await listVersions(db);
    expect(versions).toHaveLength(2);
    const result = (await db.query<{ result: string }>('SELECT result FROM training_requests WHERE id = $1', [id])).rows[0]?.result;
    expect(result).toContain(versions[0]?.version ?? '?');

    running.child.kill('SIGTERM');
    expect(await running.exited, running.output()).toBe(0);
    expect(running.output()).toMatch(/"msg":"stopping"/);
  });
});
