import { describe, expect, it } from 'vitest';
import { Metrics, predictionSchema, TASK_NAMES, TASKS, taskDefinitionSchema, createLogger } from '../src/index.js';
import { Writable } from 'node:stream';

describe('task definitions', () => {
  it('defines the four tasks of the design, two per domain', () => {
    expect(Object.keys(TASKS)).toEqual([...TASK_NAMES]);
    expect(Object.values(TASKS).map((t) => `${t.name}:${t.domain}:${t.kind}`)).toEqual([
      'traffic:city:regression',
      'air_quality:city:regression',
      'fault:factory:classification',
      'throughput:factory:regression',
    ]);
    const fault = TASKS.fault;
    expect(fault.kind === 'classification' && fault.classes[0]).toBe('normal');
  });

  it('rejects malformed definitions', () => {
    const good = { ...TASKS.air_quality };
    expect(taskDefinitionSchema.safeParse(good).success).toBe(true);
    expect(taskDefinitionSchema.safeParse({ ...good, horizons: [3, 1] }).success).toBe(false);
    expect(taskDefinitionSchema.safeParse({ ...good, quantiles: [1.5] }).success).toBe(false);
    expect(taskDefinitionSchema.safeParse({ ...good, name: 'weather' }).success).toBe(false);
    expect(taskDefinitionSchema.safeParse({ ...TASKS.fault, classes: ['normal'] }).success).toBe(false);
  });
});

describe('prediction schema', () => {
  const regression = {
    kind: 'regression',
    task: 'traffic',
    site: 'pems-1',
    issued_at: '2025-06-01T12:00:00Z',
    model_version: 'v3',
    unit: 'veh/5min',
    horizons: [{ horizon: 1, target_time: '2025-06-01T12:05:00Z', value: 40.2, lower: 35, upper: 44 }],
  };
  const classification = {
    kind: 'classification',
    task: 'fault',
    site: 'pump-1',
    issued_at: '2025-06-01T12:00:00.000+00:00',
    target_time: '2025-06-01T12:00:00Z',
    model_version: 'v3',
    label: 'valve1',
    probabilities: { normal: 0.1, valve1: 0.8, valve2: 0.05, other: 0.05 },
    anomaly_score: 0.93,
  };

  it('accepts both kinds', () => {
    expect(predictionSchema.parse(regression)).toEqual(regression);
    expect(predictionSchema.parse(classification)).toEqual(classification);
  });

  it('rejects bad predictions', () => {
    expect(predictionSchema.safeParse({ ...regression, horizons: [] }).success).toBe(false);
    expect(predictionSchema.safeParse({ ...regression, issued_at: 'now' }).success).toBe(false);
    expect(predictionSchema.safeParse({ ...regression, horizons: [{ ...regression.horizons[0], value: Infinity }] }).success).toBe(false);
    expect(predictionSchema.safeParse({ ...classification, probabilities: { normal: 0.5, valve1: 0.2 } }).success).toBe(false);
    expect(predictionSchema.safeParse({ ...classification, task: 'weather' }).success).toBe(false);
  });
});

describe('logger and metrics', () => {
  it('logs JSON lines with the app name and redacts passwords', () => {
    const lines: string[] = [];
    const sink = new Writable({ write(chunk: Buffer, _enc, cb) { lines.push(chunk.toString()); cb(); } });
    const log = createLogger('ingest', { destination: sink, level: 'info' });
    log.child({ component: 'store' }).info({ password: 'pw', rows: 3 }, 'flushed');
    log.debug('hidden');
    expect(lines).toHaveLength(1);
    const entry = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(entry).toMatchObject({ app: 'ingest', component: 'store', rows: 3, password: '***', msg: 'flushed' });
  });

  it('exposes prefixed metrics with the app label', async () => {
    const metrics = new Metrics('ingest', { defaultMetrics: false });
    metrics.counter('readings_total', 'Readings stored', ['domain']).inc({ domain: 'city' }, 5);
    const text = await metrics.text();
    expect(text).toContain('headstream_readings_total{domain="city",app="ingest"} 5');
  });
});
