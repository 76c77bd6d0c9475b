import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BindingsError, loadBindings, parseBindings, resolveBindings, type RecipeInfo } from '../src/bindings.js';
import type { SeriesInfo } from '@headstream/registry';
import { RECIPES as PRODUCTION_RECIPES } from '../src/index.js';

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 0, 1);

/** Recipes shaped like the production ones: a target required, context optional. */
const RECIPES: RecipeInfo[] = [
  { name: 'traffic', task: 'traffic', domain: 'city', sources: ['flow', 'speed', 'occupancy', 'rain'], required: ['flow'] },
  { name: 'air_quality', task: 'air_quality', domain: 'city', sources: ['pm25', 'no2', 'temperature', 'wind_speed', 'rain'], required: ['pm25'] },
  { name: 'fault_sim', task: 'fault', domain: 'factory', sources: ['vibration', 'temperature', 'current', 'speed'], required: ['vibration', 'current'], label: 'gt_fault' },
  {
    name: 'fault_skab',
    task: 'fault',
    domain: 'factory',
    sources: ['accel1_rms', 'accel2_rms', 'current', 'pressure', 'temperature', 'thermocouple', 'voltage', 'flow_rate'],
    required: ['accel1_rms', 'current'],
    label: 'gt_fault',
  },
  { name: 'throughput', task: 'throughput', domain: 'factory', sources: ['throughput', 'ambient_temp'], required: ['throughput'] },
  { name: 'emissions', task: 'emissions', domain: 'factory', sources: ['nox', 'throughput', 'ambient_temp'], required: ['nox'] },
];

function series(domain: string, site: string, metrics: readonly string[], readings = 100, first = T0, last = T0 + 99 * HOUR): SeriesInfo[] {
  return metrics.map((metric) => ({ domain, site, metric, readings, first, last }));
}

/** What `headstream sim` writes: city sites with every city metric, machines with gt_ labels, lines with throughput and NOx. */
const SIM_CITY = ['site-001', 'site-002'].flatMap((s) => series('city', s, ['flow', 'speed', 'occupancy', 'pm25', 'no2', 'temperature', 'wind_speed', 'rain', 'gt_incident']));
const SIM_FACTORY = [
  ...['line-01-m1', 'line-01-m2'].flatMap((s) => series('factory', s, ['vibration', 'temperature', 'current', 'speed', 'gt_fault', 'gt_anomaly', 'gt_health'])),
  ...series('factory', 'line-01', ['throughput', 'nox', 'gt_faulted_machines', 'gt_down_machines']),
];
const SKAB_SENSORS = ['accel1_rms', 'accel2_rms', 'current', 'pressure', 'temperature', 'thermocouple', 'voltage', 'flow_rate'];

describe('bindings file', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hs-bindings-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  async function problemOf(content: string): Promise<string> {
    const file = join(dir, 'bindings.json');
    await writeFile(file, content);
    const error = await loadBindings(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(BindingsError);
    const message = (error as Error).message;
    expect(message.startsWith(`${file}: `)).toBe(true);
    expect(message).not.toContain('\n');
    return message.slice(file.length + 2);
  }

  it('loads a valid file', async () => {
    const file = join(dir, 'ok.json');
    const content = { version: 1, tasks: { traffic: false, fault: { recipe: 'fault_skab', domain: 'factory', sites: ['skab-*'], metrics: { current: 'amps' }, label: 'gt_fault' } } };
    await writeFile(file, JSON.stringify(content));
    expect(await loadBindings(file)).toEqual(content);
  });

  it('names the offending field in one line', async () => {
    expect(await problemOf('{"version":1,"tasks":{"fault":{"sites":"skab-*"}}}')).toBe('tasks.fault.sites: expected array');
    expect(await problemOf('{"version":2,"tasks":{}}')).toBe('version: expected 1');
    expect(await problemOf('{"version":1}')).toBe('tasks: expected record');
    expect(await problemOf('{"version":1,"tasks":{"fault":true}}')).toBe('tasks.fault: expected false or an object');
    expect(await problemOf('{"version":1,"tasks":{"faults":false}}')).toBe('tasks.faults: unknown task (tasks are traffic, air_quality, fault, throughput, emissions)');
    expect(await problemOf('{"version":1,"tasks":{"fault":{"lable":"gt_fault"}}}')).toBe('tasks.fault.lable: unknown field');
    expect(await problemOf('{"version":1,"tasks":{"fault":{"sites":[]}}}')).toBe('tasks.fault.sites: expected at least 1 item(s)');
    expect(await problemOf('{"version":1,"tasks":{"fault":{"sites":["ok","bad site"]}}}')).toBe('tasks.fault.sites[1]: expected a site name or a glob with *');
    expect(await problemOf('{"version":1,"tasks":{"traffic":{"metrics":{"flow":3}}}}')).toBe('tasks.traffic.metrics.flow: expected string');
    expect(await problemOf('{"version":1,"tasks":{"traffic":{"domain":"farm"}}}')).toBe('tasks.traffic.domain: expected "city" or "factory"');
    expect(await problemOf('{"version":1,"tasks":{},"extra":1}')).toBe('extra: unknown field');
    expect(await problemOf('[1]')).toBe('expected object');
    expect(await problemOf('{"version":1,')).toMatch(/^not JSON \(/);
  });

  it('says when the file cannot be read', async () => {
    const file = join(dir, 'missing.json');
    await expect(loadBindings(file)).rejects.toThrow(`${file}: cannot read (ENOENT)`);
  });

  it('parseBindings names its source', () => {
    expect(() => parseBindings({ version: 1, tasks: { fault: { label: 'bad label' } } }, 'HS_BINDINGS')).toThrow(
      'HS_BINDINGS: tasks.fault.label: expected a metric name of [A-Za-z0-9_.-]',
    );
  });

  it('takes a time zone per task for the calendar channels, and names a zone that is not one', () => {
    const ok = parseBindings({ version: 1, tasks: { traffic: { time_zone: 'America/Los_Angeles' }, air_quality: { time_zone: '+08:00' } } });
    expect(ok.tasks.traffic).toEqual({ time_zone: 'America/Los_Angeles' });
    expect(() => parseBindings({ version: 1, tasks: { traffic: { time_zone: 'Mars/Olympus' } } }, 'b.json')).toThrow(
      'b.json: tasks.traffic.time_zone: expected a time zone: "UTC", an offset like "+01:00", or an IANA name like "Europe/Rome"',
    );
  });
});

describe('resolveBindings', () => {
  it('binds every task of a simulator catalogue by default', () => {
    const { resolved, skipped } = resolveBindings([...SIM_CITY, ...SIM_FACTORY], RECIPES);
    expect(skipped).toEqual([]);
    const by = Object.fromEntries(resolved.map((r) => [r.task, r]));
    expect(by.traffic).toEqual({
      task: 'traffic',
      recipe: 'traffic',
      domain: 'city',
      sites: ['site-001', 'site-002'],
      metrics: { flow: 'flow', speed: 'speed', occupancy: 'occupancy', rain: 'rain' },
      readings: 800,
      first: T0,
      last: T0 + 99 * HOUR,
    });
    expect(by.air_quality?.sites).toEqual(['site-001', 'site-002']);
    // Machines carry the sim sensors: the sim recipe wins; the line (no vibration) is not a machine.
    expect(by.fault).toMatchObject({ recipe: 'fault_sim', sites: ['line-01-m1', 'line-01-m2'], label: 'gt_fault' });
    expect(by.fault?.metrics).toEqual({ vibration: 'vibration', temperature: 'temperature', current: 'current', speed: 'speed' });
    // Optional sources nowhere at the chosen sites stay unbound.
    expect(by.throughput).toMatchObject({ recipe: 'throughput', sites: ['line-01'], metrics: { throughput: 'throughput' } });
    expect(by.throughput?.label).toBeUndefined();
    // The line's NOx feeds emissions, its throughput is context.
    expect(by.emissions).toMatchObject({ recipe: 'emissions', sites: ['line-01'], metrics: { nox: 'nox', throughput: 'throughput' } });
  });

  it('binds replayed data sets: SKAB runs, PeMS, Beijing stations, the gas turbine', () => {
    const catalogue = [
      ...series('city', 'pems-detector', ['flow', 'observed_pct'], 7776),
      ...['beijing-aotizhongxin', 'beijing-changping'].flatMap((s) => series('city', s, ['pm25', 'pm10', 'no2', 'temperature', 'wind_speed', 'rain', 'wind_dir_deg'], 35064)),
      ...['skab-valve1-0', 'skab-other-3'].flatMap((s) => series('factory', s, [...SKAB_SENSORS, 'gt_fault'], 1000)),
      ...series('factory', 'gas-turbine', ['throughput', 'ambient_temp', 'co', 'nox'], 36733),
    ];
    const { resolved, skipped } = resolveBindings(catalogue, RECIPES);
    expect(skipped).toEqual([]);
    const by = Object.fromEntries(resolved.map((r) => [r.task, r]));
    expect(by.traffic).toMatchObject({ sites: ['pems-detector'], metrics: { flow: 'flow' }, readings: 7776 });
    expect(by.air_quality).toMatchObject({ sites: ['beijing-aotizhongxin', 'beijing-changping'], metrics: { pm25: 'pm25', no2: 'no2', temperature: 'temperature', wind_speed: 'wind_speed', rain: 'rain' } });
    expect(by.fault).toMatchObject({ recipe: 'fault_skab', sites: ['skab-other-3', 'skab-valve1-0'], label: 'gt_fault', readings: 2 * 9 * 1000 });
    expect(Object.keys(by.fault?.metrics ?? {})).toEqual(SKAB_SENSORS);
    expect(by.throughput).toMatchObject({ sites: ['gas-turbine'], metrics: { throughput: 'throughput', ambient_temp: 'ambient_temp' } });
    // The same turbine feeds emissions: NOx as its target, the same sensors as context.
    expect(by.emissions).toMatchObject({ sites: ['gas-turbine'], metrics: { nox: 'nox', throughput: 'throughput', ambient_temp: 'ambient_temp' } });
  });

  it('in a mixed catalogue picks the recipe with the most qualifying readings, the first on a tie', () => {
    const skab = ['skab-valve1-0', 'skab-valve1-1', 'skab-valve2-0'].flatMap((s) => series('factory', s, [...SKAB_SENSORS, 'gt_fault'], 1000));
    const mixed = [...SIM_CITY, ...SIM_FACTORY, ...skab, ...series('city', 'pems-detector', ['flow', 'observed_pct'], 50)];
    const by = Object.fromEntries(resolveBindings(mixed, RECIPES).resolved.map((r) => [r.task, r]));
    // SKAB: 3 sites × 9 metrics × 1000 readings beat the sim machines' 2 × 5 × 100.
    expect(by.fault).toMatchObject({ recipe: 'fault_skab', sites: ['skab-valve1-0', 'skab-valve1-1', 'skab-valve2-0'] });
    // Every city site with flow feeds traffic; optional sources are bound as the sim sites have them.
    expect(by.traffic?.sites).toEqual(['pems-detector', 'site-001', 'site-002']);
    expect(by.traffic?.metrics).toEqual({ flow: 'flow', speed: 'speed', occupancy: 'occupancy', rain: 'rain' });

    const tie = [...series('factory', 'a', ['vibration', 'current', 'gt_fault'], 10), ...series('factory', 'b', ['accel1_rms', 'current', 'gt_fault'], 10)];
    expect(resolveBindings(tie, RECIPES).resolved.find((r) => r.task === 'fault')?.recipe).toBe('fault_sim');
  });

  it('skips disabled tasks and tasks without data, one line each', () => {
    const { resolved, skipped } = resolveBindings(SIM_CITY, RECIPES, { version: 1, tasks: { air_quality: false } });
    expect(resolved.map((r) => r.task)).toEqual(['traffic']);
    expect(skipped).toEqual([
      { task: 'air_quality', reason: 'air_quality: disabled in the bindings' },
      { task: 'fault', reason: 'fault: no factory readings in the database' },
      { task: 'throughput', reason: 'throughput: no factory readings in the database' },
      { task: 'emissions', reason: 'emissions: no factory readings in the database' },
    ]);
    const none = resolveBindings(SIM_CITY, RECIPES.filter((r) => r.task !== 'traffic'));
    expect(none.skipped.find((s) => s.task === 'traffic')?.reason).toBe('traffic: no recipe for this task');
  });

  it('says when the label metric is missing (SKAB replayed without --ground-truth)', () => {
    const catalogue = ['skab-valve1-0', 'skab-other-3'].flatMap((s) => series('factory', s, SKAB_SENSORS));
    const { skipped } = resolveBindings(catalogue, RECIPES);
    expect(skipped.find((s) => s.task === 'fault')?.reason).toBe(
      'fault: no factory site carries gt_fault (the label metric); replay skab with --ground-truth or bind "label"',
    );
    // A label bound to another metric fixes it.
    const labelled = [...catalogue, ...series('factory', 'skab-other-3', ['fault_class'])];
    const fault = resolveBindings(labelled, RECIPES, { version: 1, tasks: { fault: { label: 'fault_class' } } }).resolved.find((r) => r.task === 'fault');
    expect(fault).toMatchObject({ recipe: 'fault_skab', sites: ['skab-other-3'], label: 'fault_class' });
  });

  it('says which required metric no site carries, or that none carries them together', () => {
    const noFlow = series('city', 'x', ['speed']);
    expect(resolveBindings(noFlow, RECIPES.filter((r) => r.task === 'traffic')).skipped[0]?.reason).toBe(
      'traffic: no city site carries flow (required by recipe traffic); bind "metrics" to the database names (e.g. {"flow": "<metric>"})',
    );
    const apart = [...series('factory', 'a', ['vibration', 'gt_fault']), ...series('factory', 'b', ['current', 'gt_fault'])];
    expect(resolveBindings(apart, RECIPES.filter((r) => r.name === 'fault_sim')).skipped.find((s) => s.task === 'fault')?.reason).toBe(
      'fault: no factory site carries all of vibration, current, gt_fault together (required by recipe fault_sim)',
    );
    // Recipes failing differently are named one by one, still on one line.
    const reason = resolveBindings(apart, RECIPES).skipped.find((s) => s.task === 'fault')?.reason ?? '';
    expect(reason).toMatch(/^fault: recipe fault_sim: no factory site carries all of .*; recipe fault_skab: no factory site carries accel1_rms /);
    expect(reason).not.toContain('\n');
  });

  it('filters sites by names and globs, and skips when they match nothing', () => {
    const catalogue = [...SIM_FACTORY, ...['skab-valve1-0', 'skab-valve2-0', 'skab-anomaly-free'].flatMap((s) => series('factory', s, [...SKAB_SENSORS, 'gt_fault']))];
    const pick = (sites: string[]) => resolveBindings(catalogue, RECIPES, { version: 1, tasks: { fault: { sites } } });
    expect(pick(['skab-valve*']).resolved.find((r) => r.task === 'fault')?.sites).toEqual(['skab-valve1-0', 'skab-valve2-0']);
    expect(pick(['skab-anomaly-free', 'line-01-m2']).resolved.find((r) => r.task === 'fault')).toMatchObject({ recipe: 'fault_skab', sites: ['skab-anomaly-free'] });
    // A '.' in a name is literal, not any character.
    expect(pick(['skab.valve1-0']).skipped.find((s) => s.task === 'fault')?.reason).toBe('fault: "sites" (skab.valve1-0) match no factory site');
    expect(pick(['plant-*']).skipped.find((s) => s.task === 'fault')?.reason).toBe('fault: "sites" (plant-*) match no factory site');
  });

  it('renames sources to database metrics and binds a custom factory', () => {
    const plant = [
      ...['press-1', 'press-2'].flatMap((s) => series('factory', s, ['vib_rms', 'motor_amps', 'temp_c', 'state'])),
      ...series('factory', 'plant', ['units_per_hour']),
    ];
    const { resolved, skipped } = resolveBindings(plant, RECIPES, {
      version: 1,
      tasks: {
        fault: { recipe: 'fault_sim', sites: ['press-*'], metrics: { vibration: 'vib_rms', current: 'motor_amps', temperature: 'temp_c' }, label: 'state' },
        throughput: { metrics: { throughput: 'units_per_hour' } },
        traffic: false,
        air_quality: false,
        emissions: false,
      },
    });
    expect(skipped.map((s) => s.task)).toEqual(['traffic', 'air_quality', 'emissions']);
    expect(resolved).toEqual([
      {
        task: 'fault',
        recipe: 'fault_sim',
        domain: 'factory',
        sites: ['press-1', 'press-2'],
        metrics: { vibration: 'vib_rms', temperature: 'temp_c', current: 'motor_amps' },
        label: 'state',
        readings: 800,
        first: T0,
        last: T0 + 99 * HOUR,
      },
      { task: 'throughput', recipe: 'throughput', domain: 'factory', sites: ['plant'], metrics: { throughput: 'units_per_hour' }, readings: 100, first: T0, last: T0 + 99 * HOUR },
    ]);
  });

  it('skips a task whose binding names an unknown recipe or source, or a renamed metric that is absent', () => {
    const catalogue = [...SIM_CITY, ...SIM_FACTORY];
    const { skipped } = resolveBindings(catalogue, RECIPES, {
      version: 1,
      tasks: { fault: { recipe: 'fault_v2' }, traffic: { metrics: { volume: 'flow' } }, throughput: { metrics: { throughput: 'rate' } } },
    });
    expect(skipped).toEqual([
      { task: 'traffic', reason: 'traffic: recipe traffic has no source "volume" (its sources: flow, speed, occupancy, rain); fix "metrics"' },
      { task: 'fault', reason: 'fault: no recipe "fault_v2" for this task (recipes: fault_sim, fault_skab); fix "recipe"' },
      { task: 'throughput', reason: 'throughput: no factory site carries rate (required by recipe throughput); check "metrics"' },
    ]);
  });

  it('looks for sites in the bound domain', () => {
    const catalogue = series('factory', 'hall-7', ['flow']);
    expect(resolveBindings(catalogue, RECIPES).skipped.find((s) => s.task === 'traffic')?.reason).toBe('traffic: no city readings in the database');
    const bound = resolveBindings(catalogue, RECIPES, { version: 1, tasks: { traffic: { domain: 'factory' } } });
    expect(bound.resolved.find((r) => r.task === 'traffic')).toMatchObject({ domain: 'factory', sites: ['hall-7'] });
  });

  it('binds the production recipes to the simulator and to the replays; a label listed as required is renamed by "label"', () => {
    const name = (task: string) => PRODUCTION_RECIPES.find((r) => r.task === task)?.name;
    const sim = Object.fromEntries(resolveBindings([...SIM_CITY, ...SIM_FACTORY], PRODUCTION_RECIPES).resolved.map((r) => [r.task, r]));
    expect(Object.keys(sim)).toEqual(['traffic', 'air_quality', 'fault', 'throughput', 'emissions']);
    expect(sim.traffic).toMatchObject({ recipe: name('traffic'), sites: ['site-001', 'site-002'] });
    expect(sim.air_quality).toMatchObject({ recipe: name('air_quality'), sites: ['site-001', 'site-002'] });
    expect(sim.fault).toMatchObject({ recipe: name('fault'), sites: ['line-01-m1', 'line-01-m2'], label: 'gt_fault' });
    expect(sim.fault?.metrics).toMatchObject({ vibration: 'vibration', current: 'current' });
    expect(sim.throughput).toMatchObject({ recipe: name('throughput'), sites: ['line-01'] });
    expect(sim.emissions).toMatchObject({ recipe: name('emissions'), sites: ['line-01'] });

    const skab = ['skab-valve1-0', 'skab-anomaly-free'].flatMap((s) => series('factory', s, SKAB_SENSORS));
    expect(resolveBindings(skab, PRODUCTION_RECIPES).skipped.find((s) => s.task === 'fault')?.reason).toBe(
      'fault: no factory site carries gt_fault (the label metric); replay skab with --ground-truth or bind "label"',
    );
    const relabelled = [...skab, ...series('factory', 'skab-valve1-0', ['state'])];
    const fault = resolveBindings(relabelled, PRODUCTION_RECIPES, { version: 1, tasks: { fault: { label: 'state' } } }).resolved.find((r) => r.task === 'fault');
    expect(fault).toMatchObject({ sites: ['skab-valve1-0'], label: 'state' });
    expect(Object.keys(fault?.metrics ?? {})).toEqual(SKAB_SENSORS);
  });
});
