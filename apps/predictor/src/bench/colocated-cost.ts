import { performance } from 'node:perf_hooks';
import { featureCount, fitScalers, type SeriesFrame } from '@headstream/features';
import { averageModels, MultiTaskModel } from '@headstream/model';
import { PredictionEngine, type ServedTask, type ServingVersion } from '@headstream/serving';
import { inputOf, tasksOfInput, TURBINE_INPUT, type TaskName } from '@headstream/tasks';
import { inputSpec, modelConfig, recipeFor, recipeSpec, taskDefinition } from '@headstream/training';

/** bench:predict's co-located serving cost (colocated_cost_ratio), and a blended task's (blend_cost_ratio). */

const DAY = 86_400_000;
const siteName = (i: number) => `turbine-${String(i).padStart(5, '0')}`;
const round = (x: number, digits = 1) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : null);

/** A deterministic hash of two integers → [0, 1) (the benches' synthetic readings). */
export function unit(a: number, b: number): number {
  let h = Math.imul(a ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul((b + 0x632be5ab) | 0, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  h = Math.imul(h, 0x846ca68b);
  h ^= h >>> 16;
  return (h >>> 0) / 2 ** 32;
}

const HOUR = 3_600_000;

/** A turbine sensor's hourly value at site i: a daily load cycle of the site's own size, plus noise. */
function turbineValue(site: number, sensor: number, time: number): number {
  const day = (time % DAY) / DAY;
  return 50 + 20 * unit(site, sensor) + 10 * Math.sin(2 * Math.PI * (day + 0.1 * sensor)) + 2 * (unit(site * 31 + sensor, Math.floor(time / HOUR)) - 0.5);
}

/**
 * colocated_cost_ratio: serving throughput and emissions for `sites` sites, one hourly step each, from one model
 * reading their shared input (one window and one encoder pass per site-step) ÷ from two single-task models (a
 * window and a pass each, as when each task read its own input). The same engine code, readings and history;
 * µs per site-step, the fastest of `passes` steps each.
 */
export function colocatedCost(sites: number, passes = 5): { colocated_cost_ratio: number; colocated_us_per_site_step: number; two_single_us_per_site_step: number; blend_cost_ratio: number; blend_us_per_site_step: number; colocated_sites: number; colocated_predictions_per_step: number } {
  const tasks = tasksOfInput(TURBINE_INPUT);
  const definitions = tasks.map((t) => taskDefinition(t));
  const recipes = tasks.map((t) => recipeFor(t));
  const sources = [...new Set(recipes.flatMap((r) => r.sources))];
  const history = 24 * 14;
  const start = Math.floor((Date.now() - 30 * DAY) / DAY) * DAY;
  const time = (k: number) => start + k * HOUR;
  const values = (i: number, k: number) => Object.fromEntries(sources.map((s, j) => [s, turbineValue(i, j, time(k))]));
  // Scalers fitted on one site's history (what training does on its training part).
  const frame: SeriesFrame = { start, intervalMs: HOUR, length: history, channels: sources, values: sources.map((_, j) => Float64Array.from({ length: history }, (_, k) => turbineValue(0, j, time(k)))) };
  const metrics = Object.fromEntries(sources.map((s) => [s, s]));
  const served = (task: TaskName, model: MultiTaskModel, artifact: string, spec: ServedTask['spec']): ServedTask => ({
    task,
    definition: model.task(task),
    spec,
    scalers: fitScalers(frame, spec, time(history)),
    artifacts: [artifact],
    members: [model],
    servedBy: artifact === 'shared' ? 'shared' : 'single',
    model,
    input: inputOf(task),
    binding: { recipe: recipes[tasks.indexOf(task)]?.name ?? '', domain: 'factory', sites: [], metrics },
  });
  const sharedSpec = inputSpec(tasks.map((t, i) => ({ recipe: recipes[i] as (typeof recipes)[number], definition: definitions[i] as (typeof definitions)[number] })));
  const shared = MultiTaskModel.create(modelConfig(definitions, Object.fromEntries(tasks.map((t) => [t, featureCount(sharedSpec)])), 1));
  const singleSpecs = tasks.map((t, i) => recipeSpec(recipes[i] as (typeof recipes)[number], definitions[i] as (typeof definitions)[number]));
  const singles = tasks.map((t, i) => MultiTaskModel.create(modelConfig([definitions[i] as (typeof definitions)[number]], { [t]: featureCount(singleSpecs[i] as ServedTask['spec']) }, 1)));
  const version = (name: string, list: ServedTask[]): ServingVersion => ({ version: name, tasks: new Map(list.map((t) => [t.task, t])), dispose: () => {} });
  const colocated = version('colocated', tasks.map((t) => served(t, shared, 'shared', sharedSpec)));
  const separate = version('separate', tasks.map((t, i) => served(t, singles[i] as MultiTaskModel, `single-${t}`, singleSpecs[i] as ServedTask['spec'])));
  // The first task served by the blend: its single-task model reads the shared input's window too (a version
  // trains both on one prepared spec), so the step is one window, the shared pass and one more pass.
  const [blendTask] = tasks as [TaskName, ...TaskName[]];
  const partner = MultiTaskModel.create(modelConfig([definitions[0] as (typeof definitions)[number]], { [blendTask]: featureCount(sharedSpec) }, 2));
  const blended = version('blended', tasks.map((t) => (t === blendTask ? { ...served(t, shared, 'shared', sharedSpec), artifacts: ['shared', `single-${t}`], members: [shared, partner], servedBy: 'blend' as const, model: averageModels([shared, partner]) } : served(t, shared, 'shared', sharedSpec))));
  try {
    const measure = (v: ServingVersion) => {
      const engine = new PredictionEngine(v);
      for (let i = 0; i < sites; i++) {
        const buckets = Array.from({ length: history }, (_, k) => ({ time: time(k), values: values(i, k) }));
        for (const t of tasks) engine.seed(t, siteName(i), buckets, { origin: time(0) });
      }
      // Step k's readings arrive at the start of step k + 1 (each completes the step before it).
      return (k: number) => {
        const t0 = performance.now();
        const due = [];
        for (let i = 0; i < sites; i++) due.push(...engine.add({ domain: 'factory', site: siteName(i), time: time(k), values: values(i, k) }));
        const predictions = engine.predict(due).predictions.length;
        return { ms: performance.now() - t0, predictions };
      };
    };
    const steps = [measure(colocated), measure(separate), measure(blended)];
    // They take turns, step after step (the first step warms up): a machine busy for a while slows each alike.
    const best = [Infinity, Infinity, Infinity];
    const predictions = [0, 0, 0];
    for (let p = 0; p <= passes; p++) {
      steps.forEach((step, j) => {
        const r = step(history + p);
        predictions[j] = r.predictions;
        if (p > 0) best[j] = Math.min(best[j] ?? Infinity, r.ms);
      });
    }
    const [one, two, mixed] = best.map((ms, j) => ({ us: ((ms ?? NaN) * 1000) / sites, predictions: predictions[j] ?? 0 })) as [{ us: number; predictions: number }, { us: number; predictions: number }, { us: number; predictions: number }];
    if ([two, mixed].some((x) => x.predictions !== one.predictions) || one.predictions !== sites * tasks.length) throw new Error(`colocated cost: ${one.predictions}, ${two.predictions} and ${mixed.predictions} predictions per step, expected ${sites * tasks.length}`);
    return {
      colocated_cost_ratio: Number((one.us / two.us).toFixed(3)),
      colocated_us_per_site_step: round(one.us) ?? NaN,
      two_single_us_per_site_step: round(two.us) ?? NaN,
      blend_cost_ratio: Number((mixed.us / one.us).toFixed(3)),
      blend_us_per_site_step: round(mixed.us) ?? NaN,
      colocated_sites: sites,
      colocated_predictions_per_step: one.predictions,
    };
  } finally {
    shared.dispose();
    partner.dispose();
    for (const m of singles) m.dispose();
  }
}

