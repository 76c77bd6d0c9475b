import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { afterEach, describe, expect, it } from 'vitest';
import { datasetFolder } from '@headstream/datasets';
import { readPredictions, type EngineReading } from '@headstream/serving';
import { migrate, ReadingWriter } from '@headstream/store';
import { kafkaBrokersOrSkip, realDatabase, realServiceOrSkip, runNodeScript, startHealthyService, testServices, uniqueName, waitUntil, type TestDatabase } from '@headstream/testkit';
import { promote, taskRecords } from '@headstream/training';
import { installFixtureVersion } from '../fixture/index.js';
import { expectedPredictions } from './expected.js';

const require = createRequire(import.meta.url);
const binary = (pkg: string) => require.resolve(`${pkg}/package.json`).replace(/package\.json$/, 'dist/main.js');
const CLI = binary('@headstream/cli');
const INGEST = binary('@headstream/ingest');
const PREDICTOR = binary('@headstream/predictor');
const FOLDER = 'beijing-multisite-air-quality';
const HISTORY = 300;
const LIVE = 30;

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

describe('two predictors in one Kafka consumer group (real Kafka and PostgreSQL)', () => {
  it('share the sites: every (site, issue time) predicted exactly once, and a Kafka consumer receives the same set', { timeout: 300_000 }, async (ctx) => {
    const brokers = kafkaBrokersOrSkip(ctx);
    realServiceOrSkip(ctx, 'postgres');
    const db: TestDatabase = await realDatabase('e2e-predictor-kafka');
    cleanups.push(() => db.dispose());
    await migrate(db);
    const files = readdirSync(datasetFolder(FOLDER)).filter((f) => f.endsWith('.csv')).sort().slice(0, 8);
    const live = mkdtempSync(join(tmpdir(), 'hs-kafka-live-'));
    cleanups.push(() => Promise.resolve(rmSync(live, { recursive: true, force: true })));
    mkdirSync(join(live, FOLDER));
    const writer = new ReadingWriter(db);
    const streams: { history: EngineReading[]; replayed: EngineReading[] }[] = [];
    for (const file of files) {
      const items: EngineReading[] = [];
      for await (const r of taskRecords('air_quality', { path: join(datasetFolder(FOLDER), file) })) {
        items.push({ domain: 'city', site: r.site, time: r.time, values: r.values });
        if (items.length >= HISTORY + LIVE) break;
      }
      await writer.write(items.slice(0, HISTORY));
      streams.push({ history: items.slice(0, HISTORY), replayed: items.slice(HISTORY) });
      const lines = readFileSync(join(datasetFolder(FOLDER), file), 'utf8').split('\n');
      writeFileSync(join(live, FOLDER, file), `${[lines[0], ...lines.slice(1 + HISTORY, 1 + HISTORY + LIVE)].join('\n')}\n`);
    }
    // The run's trained fixture (it serves air quality among its four tasks).
    await installFixtureVersion(db, 'v-kafka');
    await promote(db, 'v-kafka', { reason: 'e2e', actor: 'test' });
    // Exactly what must be published: the engine's predictions from the same readings, every (site, issue time).
    const expected = [...(await expectedPredictions(db, 'v-kafka', streams)).keys()].map((k) => k.slice(k.indexOf('/') + 1)).sort();
    expect(expected.length).toBeGreaterThanOrEqual(files.length * (LIVE - 2));

    const root = uniqueName('e2e').replace(/-/g, '_');
    const env = { HS_KAFKA_BROKERS: brokers.join(','), HS_TOPIC_ROOT: root };
    const dbEnv = { HS_PG_URL: testServices().postgres.url, HS_PG_SCHEMA: db.schema };
    const ingest = await startHealthyService(INGEST, { ...env, ...dbEnv, HS_INGEST_SOURCES: 'kafka', HS_KAFKA_GROUP: uniqueName('ingest') });
    cleanups.push(() => ingest.stop());
    const group = uniqueName('predictors');
    const predictors = [];
    for (const replica of ['a', 'b']) {
      const p = await startHealthyService(PREDICTOR, { ...env, ...dbEnv, HS_PREDICT_SOURCES: 'kafka', HS_PREDICT_OUTPUTS: 'kafka,db', HS_KAFKA_GROUP: group, HS_REPLICA_ID: replica }, { timeoutMs: 180_000 });
      cleanups.push(() => p.stop());
      predictors.push(p);
    }
    // A consumer as a user writes one (kafkajs, its own group), from the start of hs.predictions.
    const received: { key: string; value: { task: string; site: string; issued_at: string } }[] = [];
    const consumer = new Kafka({ brokers, clientId: uniqueName('reader'), logLevel: logLevel.NOTHING }).consumer({ groupId: uniqueName('reader') });
    await consumer.connect();
    cleanups.push(() => consumer.disconnect());
    // Both members in the group with partitions assigned before the readings flow.
    const admin = new Kafka({ brokers, clientId: uniqueName('admin'), logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    cleanups.push(() => admin.disconnect());
    await waitUntil(
      async () => {
        const { groups } = await admin.describeGroups([group]);
        const g = groups[0];
        return g?.state === 'Stable' && g.members.length === 2 && g.members.every((m) => m.memberAssignment.length > 0);
      },
      'both predictors to share the readings partitions',
      120_000,
      250,
    );

    const replay = await runNodeScript(CLI, ['replay', 'beijing-air', '--datasets-dir', live, '--to', 'kafka', '--max', '--json'], env, 300_000);
    expect(replay.code, replay.stderr).toBe(0);
    // Every expected (site, issue time) in the table, each once (a shortfall fails on the comparison, naming what is missing).
    await waitUntil(async () => (await readPredictions(db, { task: 'air_quality' })).length >= expected.length, `${expected.length} predictions of the live hours`, 120_000, 500).catch(() => undefined);
    const stored = await readPredictions(db, { task: 'air_quality' });
    const keys = stored.map((p) => `${p.site}/${p.issued_at}`);
    expect([...keys].sort()).toEqual(expected);

    await consumer.subscribe({ topic: `${root}.predictions`, fromBeginning: true });
    await consumer.run({
      eachMessage: ({ message }) => {
        received.push({ key: message.key?.toString() ?? '', value: JSON.parse(message.value?.toString() ?? '{}') as { task: string; site: string; issued_at: string } });
        return Promise.resolve();
      },
    });
    await waitUntil(() => received.length >= stored.length, `${stored.length} predictions on Kafka`, 120_000, 250);
    const onKafka = received.map((m) => `${m.value.site}/${m.value.issued_at}`);
    expect(new Set(onKafka).size).toBe(onKafka.length);
    expect([...onKafka].sort()).toEqual([...keys].sort());
    expect(received.every((m) => m.key === m.value.site)).toBe(true);
    // Both members predicted: the sites were shared, each site by one member.
    const counts = await Promise.all(predictors.map(async (p) => Number(/headstream_predictor_predictions_total\{task="air_quality",app="predictor"\} (\d+)/.exec(await (await fetch(`http://127.0.0.1:${p.port}/metrics`)).text())?.[1] ?? 0)));
    expect(counts.every((n) => n > 0), `predictions per member: ${counts.join(', ')}`).toBe(true);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(stored.length);
  });
});
