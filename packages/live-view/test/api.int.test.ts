import { TASK_NAMES, TASKS } from '@headstream/tasks';
import { migrate, ReadingWriter } from '@headstream/store';
import { databaseTargets, describeEachTarget, type TestDatabase } from '@headstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiveView, type ClassificationSeries, type GradCosine, type LiveView, type Overview, type RegressionSeries, type TaskErrors } from '../src/index.js';
import { actual, bucketEnd, cosineAt, FORECAST_OFFSET, predictedClass, seed, SEEDED_STEPS, TRAFFIC_METRIC, VERSION } from './seed.js';

async function get<T>(view: LiveView, path: string): Promise<{ status: number; body: T }> {
  const res = await fetch(new URL(path, view.url));
  return { status: res.status, body: (await res.json()) as T };
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/**
 * Persistence's and the model's errors on every scored traffic forecast of one horizon set, from the seed's own
 * generator. A target is scored once its step is over (a later reading of its series arrived): up to the
 * step before each site's newest, or up to `last[site]`.
 */
function expectedTrafficPersistence(horizons: readonly number[], last: Record<string, number> = {}): { n: number; mae: number } {
  const errors: number[] = [];
  for (const site of ['road-1', 'road-2']) {
    for (let i = 1; i <= SEEDED_STEPS; i++) {
      for (const h of horizons) if (i + h <= (last[site] ?? SEEDED_STEPS - 1)) errors.push(Math.abs(actual('traffic', site, i) - actual('traffic', site, i + h)));
    }
  }
  return { n: errors.length, mae: mean(errors) };
}

describeEachTarget(databaseTargets({ timescale: true }), 'live view API on $name', (target) => {
  let db: TestDatabase;
  let view: LiveView;

  beforeAll(async () => {
    db = await target.open('live-view-api');
    await migrate(db);
    view = await startLiveView({ db });
  });

  afterAll(async () => {
    await view?.close();
    await db?.dispose();
  });

  it('answers with empty shapes before anything is stored', async () => {
    const overview = await get<Overview>(view, '/api/overview');
    expect(overview.status).toBe(200);
    expect(overview.body.version).toBeNull();
    // Every registered task, in head order, with no site yet.
    expect(overview.body.tasks.map((t) => [t.task, t.sites])).toEqual(TASK_NAMES.map((t) => [t, []]));
    const series = await get<RegressionSeries>(view, '/api/series?task=traffic&site=road-1');
    expect(series.body.points).toEqual({ time: [], actual: [], value: [], lower: [], upper: [] });
    const errors = await get<TaskErrors>(view, '/api/errors?task=fault');
    expect(errors.body.summary.n).toBe(0);
    expect((await get<GradCosine>(view, '/api/grad-cosine')).body).toEqual({ version: null, model: 'shared', kind: null, points: { x: [], pairs: [] } });
  });

  describe('on a seeded history', () => {
    beforeAll(async () => {
      await seed(db);
    });

    it('overview: the active version, each task with the metric its binding names and its sites', async () => {
      const { status, body } = await get<Overview>(view, '/api/overview');
      expect(status).toBe(200);
      expect(body.version).toMatchObject({ version: VERSION, source: 'active', status: 'active', strategy: 'pcgrad', regime: 'joint' });
      const byTask = Object.fromEntries(body.tasks.map((t) => [t.task, t]));
      expect(byTask.traffic).toMatchObject({ kind: 'regression', metric: TRAFFIC_METRIC, domain: 'city', unit: 'veh/5min', interval_ms: 300_000, horizons: [1, 2, 3, 6, 12], sites: ['road-1', 'road-2'] });
      expect(byTask.air_quality).toMatchObject({ metric: 'pm25', sites: ['aq-1'] });
      expect(byTask.throughput).toMatchObject({ metric: 'throughput', domain: 'factory', sites: ['line-1'] });
      expect(byTask.fault).toMatchObject({ kind: 'classification', metric: 'gt_fault', classes: ['normal', 'valve1', 'valve2', 'other'], horizons: [0], unit: null, sites: ['pump-1'] });
    });

    it('series: actuals as bucket means at bucket ends, aligned with the forecasts of one horizon', async () => {
      const { status, body } = await get<RegressionSeries>(view, '/api/series?task=traffic&site=road-2&horizon=3&steps=50');
      expect(status).toBe(200);
      expect(body).toMatchObject({ task: 'traffic', site: 'road-2', kind: 'regression', metric: TRAFFIC_METRIC, horizon: 3, interval_ms: 300_000 });
      const p = body.points;
      // Up to the last forecast (issued at the last bucket, 3 steps ahead), 50 steps back.
      const last = SEEDED_STEPS + 3;
      expect(p.time).toEqual(Array.from({ length: 51 }, (_, i) => bucketEnd('traffic', last - 50 + i)));
      for (const key of ['actual', 'value', 'lower', 'upper'] as const) expect(p[key]).toHaveLength(51);
      const at = (k: number) => p.time.indexOf(bucketEnd('traffic', k));
      expect(p.actual[at(SEEDED_STEPS)]).toBe(actual('traffic', 'road-2', SEEDED_STEPS));
      expect(p.actual[at(SEEDED_STEPS + 1)]).toBeNull();
      expect(p.value[at(last)]).toBe(actual('traffic', 'road-2', last) + FORECAST_OFFSET);
      for (let i = 0; i < p.time.length; i++) {
        expect(p.lower[i]).not.toBeNull();
        expect(p.lower[i] as number).toBeLessThan(p.value[i] as number);
        expect(p.upper[i] as number).toBeGreaterThan(p.value[i] as number);
      }
      // The default horizon is the task's first.
      const first = await get<RegressionSeries>(view, '/api/series?task=traffic&site=road-2');
      expect(first.body.horizon).toBe(1);
      expect(first.body.points.time.at(-1)).toBe(bucketEnd('traffic', SEEDED_STEPS + 1));
    });

    it('series of the fault task: label and predicted class, probabilities per class, anomaly score', async () => {
      const { body } = await get<ClassificationSeries>(view, '/api/series?task=fault&site=pump-1&steps=100');
      expect(body).toMatchObject({ kind: 'classification', classes: ['normal', 'valve1', 'valve2', 'other'], metric: 'gt_fault', interval_ms: 1000 });
      const p = body.points;
      expect(p.time).toHaveLength(101);
      expect(p.time.at(-1)).toBe(bucketEnd('fault', SEEDED_STEPS));
      p.time.forEach((t, i) => {
        const k = (t - bucketEnd('fault', 0)) / 1000;
        expect(p.actual[i]).toBe(actual('fault', 'pump-1', k));
        expect(p.predicted[i]).toBe(predictedClass(k));
        expect(p.probabilities[body.classes[predictedClass(k)] as string]?.[i]).toBe(0.85);
        expect(p.anomaly[i]).toBe(predictedClass(k) === 0 ? 0.1 : 0.8);
      });
    });

    it('errors: MAE of served forecasts next to persistence on the same targets', async () => {
      const all = await get<TaskErrors>(view, '/api/errors?task=traffic&steps=5000');
      expect(all.status).toBe(200);
      if (all.body.metric !== 'mae') throw new Error('expected MAE');
      const expected = expectedTrafficPersistence(TASKS.traffic.kind === 'regression' ? TASKS.traffic.horizons : []);
      expect(all.body.summary.n).toBe(expected.n);
      expect(all.body.summary.model).toBeCloseTo(FORECAST_OFFSET, 9);
      expect(all.body.summary.persistence).toBeCloseTo(expected.mae, 9);
      // Rolling: every window's model MAE is the constant offset; the points run to the newest step that is over
      // (the newest bucket holds its reading, but no later one has come: it may still be filling).
      expect(all.body.points.model.every((v) => Math.abs((v as number) - FORECAST_OFFSET) < 1e-9)).toBe(true);
      expect(all.body.points.time.at(-1)).toBe(bucketEnd('traffic', SEEDED_STEPS - 1));

      const one = await get<TaskErrors>(view, '/api/errors?task=traffic&steps=5000&horizon=1&window=10');
      if (one.body.metric !== 'mae') throw new Error('expected MAE');
      const h1 = expectedTrafficPersistence([1]);
      expect(one.body).toMatchObject({ horizon: 1, window_steps: 10 });
      expect(one.body.summary.n).toBe(h1.n);
      expect(one.body.summary.persistence).toBeCloseTo(h1.mae, 9);
      // The last point covers the targets of the last 10 steps that are over (both sites).
      const tail: number[] = [];
      for (const site of ['road-1', 'road-2']) for (let k = SEEDED_STEPS - 10; k <= SEEDED_STEPS - 1; k++) tail.push(Math.abs(actual('traffic', site, k - 1) - actual('traffic', site, k)));
      expect(one.body.points.persistence.at(-1)).toBeCloseTo(mean(tail), 9);

      // A reading of road-1 in the next bucket ends road-1's newest step: its targets are scored now, road-2's not yet.
      const next = SEEDED_STEPS + 1;
      await new ReadingWriter(db).write([{ domain: 'city', site: 'road-1', time: bucketEnd('traffic', next) - TASKS.traffic.intervalMs / 2, values: { [TRAFFIC_METRIC]: actual('traffic', 'road-1', next) } }]);
      const later = await get<TaskErrors>(view, '/api/errors?task=traffic&steps=5000');
      if (later.body.metric !== 'mae') throw new Error('expected MAE');
      const now = expectedTrafficPersistence(TASKS.traffic.kind === 'regression' ? TASKS.traffic.horizons : [], { 'road-1': SEEDED_STEPS });
      expect(later.body.summary.n).toBe(now.n);
      expect(later.body.summary.n - all.body.summary.n).toBe(TASKS.traffic.kind === 'regression' ? TASKS.traffic.horizons.length : NaN);
      expect(later.body.summary.persistence).toBeCloseTo(now.mae, 9);
    });

    it('errors of the fault task: error rate and macro-F1 next to always-normal', async () => {
      const { body } = await get<TaskErrors>(view, '/api/errors?task=fault&steps=5000');
      if (body.metric !== 'error_rate') throw new Error('expected error rates');
      // Every step but the newest (no later reading yet) is over.
      const scored = SEEDED_STEPS - 1;
      const ks = Array.from({ length: scored }, (_, i) => i + 1);
      expect(body.summary.n).toBe(scored);
      expect(body.summary.model.error_rate).toBeCloseTo(ks.filter((k) => predictedClass(k) !== actual('fault', 'pump-1', k)).length / scored, 12);
      expect(body.summary.baseline.error_rate).toBeCloseTo(ks.filter((k) => actual('fault', 'pump-1', k) !== 0).length / scored, 12);
      expect(body.summary.model.macro_f1 as number).toBeGreaterThan(body.summary.baseline.macro_f1 as number);
      expect(body.points.time).toHaveLength(scored);
    });

    it('grad-cosine: one series per pair of tasks over the training steps of the active version', async () => {
      const { body } = await get<GradCosine>(view, '/api/grad-cosine');
      expect(body).toMatchObject({ version: VERSION, model: 'shared', kind: 'step' });
      expect(body.points.x).toEqual(Array.from({ length: 60 }, (_, i) => i));
      expect(body.points.pairs.map((p) => p.tasks.join('~'))).toEqual(['traffic~air_quality', 'traffic~fault', 'traffic~throughput', 'air_quality~fault', 'air_quality~throughput', 'fault~throughput']);
      expect(body.points.pairs[3]?.cosine[7]).toBe(cosineAt(1, 2, 7));
      expect((await get<GradCosine>(view, '/api/grad-cosine?version=no-such')).body.kind).toBeNull();
    });

    it('bad parameters: 400 naming the parameter; unknown paths 404; only GET', async () => {
      const cases: [string, number, string][] = [
        ['/api/series?task=weather&site=x', 400, `task: expected one of ${TASK_NAMES.join(', ')}, got "weather"`],
        ['/api/series?task=traffic', 400, 'site: expected a site name'],
        ['/api/series?task=traffic&site=a%20b', 400, 'site: expected a site name'],
        ['/api/series?task=traffic&site=road-1&horizon=4', 400, 'horizon: expected one of 1, 2, 3, 6, 12 for traffic, got "4"'],
        ['/api/errors?task=traffic&steps=0', 400, 'steps: expected an integer from 1 to 5000, got "0"'],
        ['/api/errors?task=fault&window=1.5', 400, 'window: expected an integer from 1 to 1000'],
        ['/api/grad-cosine?version=%27;drop', 400, 'version: expected a model version'],
        ['/api/nothing', 404, 'no endpoint /api/nothing'],
      ];
      for (const [path, status, error] of cases) {
        const answer = await get<{ error: string }>(view, path);
        expect([path, answer.status]).toEqual([path, status]);
        expect(answer.body.error).toContain(error);
      }
      expect((await fetch(new URL('/api/overview', view.url), { method: 'POST' })).status).toBe(405);
      const page = await fetch(view.url);
      expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
      expect(await page.text()).toContain('<script type="module" src="/app.js"></script>');
      expect((await fetch(new URL('/vendor/uPlot.iife.min.js', view.url))).status).toBe(200);
      expect((await fetch(new URL('/../package.json', view.url))).status).toBe(404);
    });
  });
});
