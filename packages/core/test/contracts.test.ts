import { describe, expect, it } from 'vitest';
import { Metrics, predictionSchema, taskDefinitionSchema, createLogger } from '../src/index.js';
import { Writable } from 'node:stream';

describe('task definitions', () => {
  // Which tasks exist is the task registry's (packages/tasks/test/registry.test.ts); core holds the contract.
  const air = { name: 'air_quality', domain: 'city', kind: 'regression', description: 'PM2.5', target: 'pm25', unit: 'µg/m³', intervalMs: 3_600_000, lookback: 24, horizons: [1, 2, 3], quantiles: [0.1, 0.5, 0.9] };
  const machine = { name: 'fault', domain: 'factory', kind: 'classification', description: 'state', intervalMs: 1000, lookback: 64, classes: ['normal', 'valve1'], anomalyScore: true };

  it('rejects malformed definitions', () => {
    expect(taskDefinitionSchema.safeParse(air).success).toBe(true);
    expect(taskDefinitionSchema.safeParse(machine).success).toBe(true);
    expect(taskDefinitionSchema.safeParse({ ...air, horizons: [3, 1] }).success).toBe(false);
    expect(taskDefinitionSchema.safeParse({ ...air, quantiles: [1.5] }).success).toBe(false);
    expect(taskDefinitionSchema.safeParse({ ...air, name: 'no/such task' }).success).toBe(false);
    expect(taskDefinitionSchema.safeParse({ ...air, domain: 'home' }).success).toBe(false);
    expect(taskDefinitionSchema.safeParse({ ...machine, classes: ['normal'] }).success).toBe(false);
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
    expect(predictionSchema.safeParse({ ...classification, task: 'weather/1' }).success).toBe(false);
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
