import { describe, expect, it } from 'vitest';
import { TASK_NAMES } from '@headstream/tasks';
import { resolveDatasetsDir } from '@headstream/datasets';
import { answerApi, MAX_STEPS, type TaskErrors } from '@headstream/live-view';
import { createKafkaConnection } from '@headstream/transport';
import { kafkaBrokersOrSkip, realDatabase, realServiceOrSkip, skipOrFailInCi, testServices, uniqueName } from '@headstream/testkit';
import type { DemoSummary } from '../src/summary.js';
import { cleanups, finished, RUN_LIMIT_MS, startDemo, stopOnCleanup, tempDir } from './run-demo.js';


describe('npm run demo -- --stack (the built headstream-demo binary)', () => {
  it('--stack --replay --json: the same loop on the real PostgreSQL (own schema), Mosquitto and Kafka, fed from the shared data sets', { timeout: RUN_LIMIT_MS + 120_000 }, async (ctx) => {
    const mqtt = realServiceOrSkip(ctx, 'mqtt');
    realServiceOrSkip(ctx, 'postgres');
    const brokers = kafkaBrokersOrSkip(ctx);
    let datasets: string;
    try {
      datasets = resolveDatasetsDir();
    } catch (error) {
      return skipOrFailInCi(ctx, (error as Error).message);
    }
    // An isolated schema the demo migrates itself (it is empty), dropped afterwards with its roles.
    const db = await realDatabase('demo-stack');
    cleanups.push(() => db.dispose());
    const root = uniqueName('demo').replace(/-/g, '_');
    const env = { HS_PG_URL: testServices().postgres.url, HS_PG_SCHEMA: db.schema, HS_MQTT_URL: mqtt, HS_KAFKA_BROKERS: brokers.join(','), HS_TOPIC_ROOT: root };
    const demo = startDemo(['--stack', '--replay', '--datasets-dir', datasets, '--json'], tempDir(), env);
    stopOnCleanup(demo);
    const code = await finished(demo, RUN_LIMIT_MS);
    expect(code, demo.stderr().slice(-3000)).toBe(0);
    const summary = JSON.parse(demo.stdout()) as DemoSummary;
    expect(summary.ok, JSON.stringify(summary.problems)).toBe(true);
    expect(summary.mode).toBe('stack');
    expect(summary.source).toBe('replay');
    expect(summary.readings.ingested).toBeGreaterThan(0);
    expect(summary.readings.ingested + summary.readings.duplicates).toBe(summary.readings.published);
    expect(summary.training.tasks).toEqual([...TASK_NAMES]);
    expect(Number.isFinite(summary.training.delta_m_pct)).toBe(true);
    expect(['guard', 'demo']).toContain(summary.guard.promoted_by);
    expect(summary.guard.reasons.length).toBeGreaterThan(0);
    for (const task of TASK_NAMES) {
      const p = summary.predictions.per_task[task];
      expect(p.mqtt, task).toBeGreaterThan(0);
      expect(p.table, task).toBe(p.mqtt);
    }
    expect(summary.where.database).toContain(`schema ${db.schema}`);
    // The live scores are the live view's own (its /api/errors over the live part; this schema holds only this run's predictions).
    for (const task of TASK_NAMES) {
      const live = summary.live_scores[task];
      expect(live?.n, `${task}: live scores ${JSON.stringify(summary.live_scores)}`).toBeGreaterThan(0);
      const errors = (await answerApi(db, '/api/errors', new URLSearchParams({ task, steps: String(MAX_STEPS) }))) as TaskErrors;
      // MAE tasks also carry the view's paired difference with persistence and its verdict (maeVerdict).
      const view =
        errors.metric === 'mae'
          ? { metric: 'MAE', ...errors.summary }
          : { metric: 'error rate', n: errors.summary.n, model: errors.summary.model.error_rate, persistence: errors.summary.baseline.error_rate };
      expect(live, task).toEqual(view);
    }
    expect(summary.predictions.outputs).toContain(`kafka ${root}.predictions`);
    // Everything is in the stack: readings, the version, the predictions (in the schema) and on Kafka.
    const stored = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM readings');
    expect(stored.rows[0]?.n).toBe(summary.readings.ingested);
    const rows = await db.query<{ task: string; n: number }>('SELECT task, count(DISTINCT (site, issued_at))::int AS n FROM predictions GROUP BY task ORDER BY task');
    expect(Object.fromEntries(rows.rows.map((r) => [r.task, r.n]))).toEqual(Object.fromEntries(TASK_NAMES.map((t) => [t, summary.predictions.per_task[t].table])));
    const kafka = createKafkaConnection({ brokers, clientId: uniqueName('demo-test') });
    try {
      const offsets = await kafka.endOffsets(`${root}.predictions`);
      expect(offsets.reduce((sum, o) => sum + Number(o.offset), 0)).toBe(summary.predictions.total);
    } finally {
      await kafka.close();
    }
  });

});
