import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { TaskName } from '@headstream/tasks';
import { datasetFolder } from '@headstream/datasets';
import { alignTime, buildWindows } from '@headstream/features';
import { answerApi, MAX_STEPS, type TaskErrors } from '@headstream/live-view';
import { loadServingVersion, readPredictions } from '@headstream/serving';
import { migrate, ReadingWriter } from '@headstream/store';
import { realDatabase, realServiceOrSkip, runNodeScript, startHealthyService, testServices, uniqueName, waitUntil, type TestDatabase } from '@headstream/testkit';
import { loadTaskFrames, promote, scoreTask, taskRecords, withChannels } from '@headstream/training';
import { FIXTURE_SLICES, installFixtureVersion } from '../fixture/index.js';

const require = createRequire(import.meta.url);
const binary = (pkg: string) => require.resolve(`${pkg}/package.json`).replace(/package\.json$/, 'dist/main.js');
const CLI = binary('@headstream/cli');
const INGEST = binary('@headstream/ingest');
const PREDICTOR = binary('@headstream/predictor');

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

/**
 * Two regression tasks of the fixture (a level target at 5 min, a change target hourly): the rows the fixture
 * was trained on go into the database, the next `live` rows are replayed through MQTT.
 */
const REPLAYED: { task: TaskName; domain: string; folder: string; file: string; dataset: string; live: number }[] = [
  { task: 'traffic', domain: 'city', folder: 'pems-detector-5min-flow', file: 'train.csv', dataset: 'pems-detector', live: 36 },
  { task: 'air_quality', domain: 'city', folder: 'beijing-multisite-air-quality', file: 'PRSA_Data_Aotizhongxin_20130301-20170228.csv', dataset: 'beijing-air', live: 12 },
];
const FILES = REPLAYED.map((f) => ({ ...f, history: FIXTURE_SLICES.find((s) => s.task === f.task)?.records ?? 0 }));

/** Relative tolerance of float32 inference in batches of another size. */
const TOLERANCE = 1e-5;
const close = (a: number, b: number) => Math.abs(a - b) <= TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b));

describe('serving settles with evaluation: a replayed file, predicted live, equals the same version evaluated on the same file', () => {
  it('every (site, issue time, horizon) in the predictions table equals evaluation; the live view scores them as evaluation does', { timeout: 120_000 }, async (ctx) => {
    const mqtt = realServiceOrSkip(ctx, 'mqtt');
    realServiceOrSkip(ctx, 'postgres');
    const db: TestDatabase = await realDatabase('e2e-settling');
    cleanups.push(() => db.dispose());
    await migrate(db);

    // History into the database; the continuation as files to replay; history + continuation as the file to evaluate.
    const dir = mkdtempSync(join(tmpdir(), 'hs-settle-'));
    cleanups.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
    const writer = new ReadingWriter(db);
    const firstLive = new Map<TaskName, number>();
    const lastReading = new Map<TaskName, number>();
    for (const f of FILES) {
      const source = join(datasetFolder(f.folder), f.file);
      const items = [];
      for await (const r of taskRecords(f.task, { path: source })) {
        items.push({ domain: f.domain, site: r.site, time: r.time, values: r.values });
        if (items.length >= f.history + f.live) break;
      }
      await writer.write(items.slice(0, f.history));
      firstLive.set(f.task, items[f.history]?.time ?? NaN);
      lastReading.set(f.task, items.at(-1)?.time ?? NaN);
      const lines = readFileSync(source, 'utf8').split('\n');
      for (const [name, rows] of [
        ['live', lines.slice(1 + f.history, 1 + f.history + f.live)],
        ['whole', lines.slice(1, 1 + f.history + f.live)],
      ] as const) {
        mkdirSync(join(dir, name, f.folder), { recursive: true });
        writeFileSync(join(dir, name, f.folder, f.file), `${[lines[0], ...rows].join('\n')}\n`);
      }
    }
    await installFixtureVersion(db, 'v-settle');
    await promote(db, 'v-settle', { reason: 'e2e', actor: 'test' });

    // Evaluation: the version's served model of each task on the whole file (history + replayed rows), every
    // window from the first replayed reading's step on (a predictor never predicts the past), decoded by scoreTask.
    const version = await loadServingVersion(db, 'v-settle');
    const evaluated = new Map<TaskName, { keys: Map<string, number[]>; scores: ReturnType<typeof scoreTask>; horizons: number[]; last: number }>();
    try {
      for (const f of FILES) {
        const served = version.tasks.get(f.task);
        if (!served || served.definition.kind !== 'regression') throw new Error(`the fixture serves no regression ${f.task}`);
        const { spec, scalers, definition } = served;
        const frames = await loadTaskFrames(f.task, { path: join(dir, 'whole', f.folder, f.file) });
        const from = alignTime(firstLive.get(f.task) ?? NaN, spec.intervalMs);
        const keys = new Map<string, number[]>();
        let last = -Infinity;
        const sets = Object.entries(frames.frames).map(([site, frame]) => {
          // The last bucket is still open when the last reading arrives: no step completes with it.
          const end = frame.start + frame.length * frame.intervalMs;
          last = Math.max(last, end - frame.intervalMs);
          const set = buildWindows(withChannels(frame, spec.sources), spec, scalers, { from, to: end });
          // Scored as the live view scores: a target once its step is over (prediction_actuals, migration 10: a
          // reading at or after the target time), so not the targets after the file's last reading.
          const scored = buildWindows(withChannels(frame, spec.sources), spec, scalers, { from, to: end, labelsBefore: (lastReading.get(f.task) ?? NaN) + 1 });
          return { site, set, predicted: scoreTask(served.model, f.task, set, spec, scalers), score: scoreTask(served.model, f.task, scored, spec, scalers) };
        });
        const h = definition.horizons.length;
        for (const { site, set, predicted } of sets) {
          set.issueTimes.forEach((t, i) => keys.set(`${site}/${new Date(t).toISOString()}`, Array.from(predicted.predictions.subarray(i * h, (i + 1) * h))));
        }
        // One site per file: its scores are the task's.
        const only = sets[0];
        if (sets.length !== 1 || !only) throw new Error(`${f.task}: expected one site in ${f.file}, got ${sets.length}`);
        evaluated.set(f.task, { keys, scores: only.score, horizons: [...definition.horizons], last });
      }
    } finally {
      version.dispose();
    }

    const root = uniqueName('settle').replace(/-/g, '_');
    const env = { HS_MQTT_URL: mqtt, HS_TOPIC_ROOT: root };
    const dbEnv = { HS_PG_URL: testServices().postgres.url, HS_PG_SCHEMA: db.schema };
    const ingest = await startHealthyService(INGEST, { ...env, ...dbEnv, HS_INGEST_SOURCES: 'mqtt', HS_MQTT_CLIENT_ID: uniqueName('ingest') });
    cleanups.push(() => ingest.stop());
    const predictor = await startHealthyService(PREDICTOR, { ...env, ...dbEnv, HS_PREDICT_SOURCES: 'mqtt', HS_PREDICT_OUTPUTS: 'db', HS_MQTT_CLIENT_ID: uniqueName('predictor') }, { timeoutMs: 90_000 });
    cleanups.push(() => predictor.stop());
    for (const f of FILES) {
      const replay = await runNodeScript(CLI, ['replay', f.dataset, '--datasets-dir', join(dir, 'live'), '--to', 'mqtt', '--max', '--json'], env, 60_000);
      expect(replay.code, replay.stderr).toBe(0);
    }

    // The predictions table: exactly evaluation's windows, from the first replayed step to the last complete one.
    const expectedKeys = (task: TaskName) => {
      const e = evaluated.get(task);
      return [...(e?.keys.keys() ?? [])].filter((k) => Date.parse(k.slice(k.indexOf('/') + 1)) <= (e?.last ?? -Infinity)).map((k) => `${task}/${k}`);
    };
    const wanted = FILES.flatMap((f) => expectedKeys(f.task)).sort();
    for (const f of FILES) expect(expectedKeys(f.task).length, `${f.task}: replayed steps to predict`).toBeGreaterThanOrEqual(f.live - 1);
    const storedKeys = async () => (await readPredictions(db)).map((p) => `${p.task}/${p.site}/${p.issued_at}`).sort();
    await waitUntil(async () => (await storedKeys()).length >= wanted.length, `${wanted.length} predictions in the table`, 60_000, 250).catch(() => undefined);
    const stored = await readPredictions(db);
    expect(stored.map((p) => `${p.task}/${p.site}/${p.issued_at}`).sort()).toEqual(wanted);
    let compared = 0;
    for (const p of stored) {
      const e = evaluated.get(p.task as TaskName)?.keys.get(`${p.site}/${p.issued_at}`);
      expect(p.kind).toBe('regression');
      if (p.kind !== 'regression' || !e) continue;
      expect(p.horizons.map((h) => h.horizon)).toEqual(evaluated.get(p.task as TaskName)?.horizons);
      p.horizons.forEach((h, k) => {
        expect(close(h.value, e[k] ?? NaN), `${p.task}/${p.site}/${p.issued_at} h${h.horizon}: served ${h.value}, evaluated ${e[k]}`).toBe(true);
        compared++;
      });
    }
    expect(compared, 'forecasts compared').toBe(FILES.reduce((a, f) => a + expectedKeys(f.task).length * (evaluated.get(f.task)?.horizons.length ?? 0), 0));

    // The live view's scores per horizon: evaluation's MAE of the model and of persistence over the same targets.
    for (const f of FILES) {
      const e = evaluated.get(f.task);
      if (!e) continue;
      for (const [k, horizon] of e.horizons.entries()) {
        const answer = (await answerApi(db, '/api/errors', new URLSearchParams({ task: f.task, horizon: String(horizon), steps: String(MAX_STEPS) }))) as TaskErrors;
        const m = 'by_horizon' in e.scores.metrics ? e.scores.metrics.by_horizon[k] : undefined;
        const p = 'by_horizon' in e.scores.baselines.persistence ? e.scores.baselines.persistence.by_horizon[k] : undefined;
        if (answer.metric !== 'mae' || !m || !p) throw new Error(`${f.task}: not scored as a regression`);
        const at = `${f.task} h${horizon}`;
        expect(answer.summary.n, at).toBe(m.count);
        if (m.count === 0) continue;
        expect(close(answer.summary.model ?? NaN, m.mae), `${at}: live view MAE ${answer.summary.model}, evaluation ${m.mae}`).toBe(true);
        expect(close(answer.summary.persistence ?? NaN, p.mae), `${at}: live view persistence ${answer.summary.persistence}, evaluation ${p.mae}`).toBe(true);
      }
    }
  });
});
