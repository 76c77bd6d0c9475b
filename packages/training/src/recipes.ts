import { FAULT_LABEL_METRIC, TASKS, taskDefinitionSchema, type Domain, type TaskDefinition, type TaskName } from '@headstream/core';
import type { DerivedChannel, FeatureSpec, TargetTransform } from '@headstream/features';

const DAY = 86_400_000;

/** The task order of the shared model (its heads, inputs and reports). */
export const TASK_ORDER: readonly TaskName[] = ['traffic', 'air_quality', 'fault', 'throughput'];

/**
 * One encoder lookback for every task (steps at each task's own interval): the largest of the tasks'
 * histories (core TASKS[t].lookback) rounded up to the mixer's patch (8). A task whose history is
 * shorter (traffic: one hour, 12 × 5 min) sees its older steps zeroed: `FeatureSpec.history`.
 */
export const SHARED_LOOKBACK = 24;

/** Label metric of the fault task: the class index (TASKS.fault.classes) as the simulator and replays send it. */
export const FAULT_LABEL = FAULT_LABEL_METRIC;

/** Which of core's definitions a training uses: the catalogue, with the horizons a protocol may pick. */
export interface DefinitionOptions {
  /** A subset of the core task's horizons (e.g. the PeMS protocol's next step only). */
  horizons?: number[];
  description?: string;
  /** The data's unit when it is not the catalogue's (the gas turbine's TEY is MWh/h). */
  unit?: string;
}

/** Core's task definition, with the options applied and validated; the one catalogue of tasks. */
export function taskDefinition(task: TaskName, options: DefinitionOptions = {}): TaskDefinition {
  const base = TASKS[task];
  if (options.horizons && base.kind === 'regression') {
    const extra = options.horizons.filter((h) => !base.horizons.includes(h));
    if (extra.length) throw new Error(`${task}: horizon(s) ${extra.join(', ')} are not in the catalogue's ${base.horizons.join(', ')}`);
  }
  return taskDefinitionSchema.parse({
    ...structuredClone(base),
    ...(options.description ? { description: options.description } : {}),
    ...(base.kind === 'regression' && options.horizons ? { horizons: [...options.horizons] } : {}),
    ...(base.kind === 'regression' && options.unit ? { unit: options.unit } : {}),
  });
}

/**
 * How a task's readings become model input and its outputs become forecasts, for any site that
 * carries the required metrics: the sources (database metric names by default), derived channels,
 * history, gap handling and the target transform. `recipeSpec` turns it into the FeatureSpec saved
 * inside every model, so a model needs no code constant to be served.
 */
export interface TaskRecipe {
  name: string;
  task: TaskName;
  domain: Domain;
  description: string;
  /** Metrics read, in channel order; all but `required` are optional (bound when the data has them). */
  sources: string[];
  required: string[];
  /** Classification: the metric holding the class index. */
  label?: string;
  /** Derived channels, each kept when the source it reads is bound. */
  derived: DerivedChannel[];
  /** Which sources are input channels as levels (the rest only feed derived channels). */
  levels: (source: string) => boolean;
  calendar: boolean;
  /** Forward-fill limit, steps. */
  fillLimit: number;
  transform: TargetTransform;
  /** Keep every training window (not thinned to the budget); each epoch draws the budget afresh. */
  allTrainingWindows: boolean;
}

const SKAB_SENSORS = ['accel1_rms', 'accel2_rms', 'current', 'pressure', 'temperature', 'thermocouple', 'voltage', 'flow_rate'];
const SIM_MACHINE_SENSORS = ['vibration', 'speed'];
const AIR_SOURCES = ['pm25', 'pm10', 'so2', 'no2', 'co', 'o3', 'temperature', 'pressure', 'dew_point', 'rain', 'wind_speed', 'wind_dir_deg'];
const TURBINE_SENSORS = ['throughput', 'ambient_temp', 'ambient_pressure', 'ambient_humidity', 'air_filter_dp', 'exhaust_pressure', 'turbine_inlet_temp', 'turbine_after_temp', 'compressor_discharge_pressure', 'co', 'nox'];
/** Days back of throughput's "next change at this hour" channels (the last is a mean over 1…7 days). */
export const DAILY_CHANGE_DAYS = [1, 2, 7] as const;
/** Seconds at the start of a machine's history that form its baseline (SKAB runs start normal). */
export const BASELINE_STEPS = 60;

export const RECIPES: readonly TaskRecipe[] = [
  {
    name: 'road-flow',
    task: 'traffic',
    domain: 'city',
    description: 'vehicle flow of a road site (PeMS detector, simulated city), the past hour at 5 min',
    sources: ['flow'],
    required: ['flow'],
    derived: [],
    levels: () => true,
    calendar: true,
    fillLimit: SHARED_LOOKBACK,
    transform: { kind: 'level' },
    allTrainingWindows: false,
  },
  {
    name: 'city-air',
    task: 'air_quality',
    domain: 'city',
    description: 'PM2.5 with the co-located pollutants and weather (Beijing stations, simulated city), hourly',
    sources: AIR_SOURCES,
    required: ['pm25'],
    derived: [
      { name: 'wind_sin', kind: 'sin_deg', of: 'wind_dir_deg' },
      { name: 'wind_cos', kind: 'cos_deg', of: 'wind_dir_deg' },
    ],
    // Wind direction enters as sin/cos only (359° sits next to 0°).
    levels: (s) => s !== 'wind_dir_deg',
    calendar: true,
    fillLimit: SHARED_LOOKBACK,
    // Chosen on the selection folds (docs/RESULTS.md, "Choices"): every training window kept (10 stations × years:
    // 87k–260k, each epoch draws the budget afresh) instead of a fixed 10,000 subsample: MAE −1.5 to −2.3 % on
    // both folds; with them (and weight averaging) shrink 0.7 had the lowest mean MAE of {0.5, 0.7, 1}.
    transform: { kind: 'change', scale: 1, shrink: 0.7 },
    allTrainingWindows: true,
  },
  {
    name: 'machine-deviation',
    task: 'fault',
    domain: 'factory',
    description: "each sensor's level and its deviation from the machine's first minute (SKAB pump runs, simulated machines), 1 s",
    sources: [...SKAB_SENSORS, ...SIM_MACHINE_SENSORS],
    required: [FAULT_LABEL],
    label: FAULT_LABEL,
    derived: [...SKAB_SENSORS, ...SIM_MACHINE_SENSORS].map((s) => ({ name: `${s}_dev`, kind: 'deviation' as const, of: s, baselineSteps: BASELINE_STEPS })),
    levels: () => true,
    // Wall-clock time of a test-bed run says nothing about the pump (and would identify runs).
    calendar: false,
    fillLimit: SHARED_LOOKBACK,
    transform: { kind: 'level' },
    allTrainingWindows: false,
  },
  {
    name: 'plant-output',
    task: 'throughput',
    domain: 'factory',
    // TEY's level (where the turbine runs decides where it can go next) and every sensor's hourly change, not
    // the other sensors' levels: those drift from year to year, and a network fed them learns the training
    // years' levels and loses to persistence on a later year. Plus what throughput did after this hour on
    // earlier days (the plant's daily load schedule).
    description: "production rate and every sensor's hourly change, plus the daily schedule (gas turbine TEY, simulated lines), hourly",
    sources: TURBINE_SENSORS,
    required: ['throughput'],
    derived: [
      ...TURBINE_SENSORS.map((s) => ({ name: `${s}_change`, kind: 'change' as const, of: s })),
      ...DAILY_CHANGE_DAYS.map((d) => ({ name: `throughput_next_change_${d}d`, kind: 'next_change' as const, of: 'throughput', days: d, seasonSteps: 24, mean: d === DAILY_CHANGE_DAYS[DAILY_CHANGE_DAYS.length - 1] })),
    ],
    levels: (s) => s === 'throughput',
    // The turbine's times are synthetic (row i = Jan 1 + i h): a calendar would be made up.
    calendar: false,
    fillLimit: SHARED_LOOKBACK,
    // Chosen by inner validation on the training years (fit 2011–2012, score 2013, seeds 1–4): change label ×4
    // beat ×1 and ×2; shrink 0.7 tied for the best MAE of {0.5 … 1}. 2014 took no part.
    transform: { kind: 'change', scale: 4, shrink: 0.7 },
    allTrainingWindows: true,
  },
];

export function recipeFor(task: TaskName, name?: string): TaskRecipe {
  const r = RECIPES.find((x) => x.task === task && (name === undefined || x.name === name));
  if (!r) throw new Error(`no recipe ${name ?? ''} for task ${task}`.replace('  ', ' '));
  return r;
}

/**
 * The feature spec of a task trained from `bound` sources and label (default: all of the recipe's): its input is
 * named after the task, so each task has its own stem into the shared encoder.
 */
export function recipeSpec(recipe: TaskRecipe, definition: TaskDefinition, bound: readonly string[] = [...recipe.sources, ...(recipe.label ? [recipe.label] : [])], timeZone?: string): FeatureSpec {
  const has = new Set(bound);
  const missing = recipe.required.filter((m) => !has.has(m));
  if (missing.length) throw new Error(`${recipe.task}: recipe ${recipe.name} needs ${missing.join(', ')}`);
  const sources = recipe.sources.filter((s) => has.has(s));
  const derived = recipe.derived.filter((d) => has.has(d.of));
  const channels = [...sources.filter(recipe.levels), ...derived.map((d) => d.name)];
  if (channels.length === 0) throw new Error(`${recipe.task}: no input channel is bound (recipe ${recipe.name} reads ${recipe.sources.join(', ')})`);
  const history = Math.min(definition.lookback, SHARED_LOOKBACK);
  return {
    version: 2,
    domain: recipe.task,
    intervalMs: definition.intervalMs,
    lookback: SHARED_LOOKBACK,
    history,
    fillLimit: recipe.fillLimit,
    sources: [...sources, ...(recipe.label ? [recipe.label] : [])],
    derived,
    channels,
    gapMask: true,
    calendar: recipe.calendar,
    ...(recipe.calendar && timeZone && timeZone !== 'UTC' ? { timeZone } : {}),
    targets: [
      definition.kind === 'regression'
        ? { task: recipe.task, kind: 'regression', target: definition.target, intervalMs: definition.intervalMs, horizons: [...definition.horizons], seasonSteps: Math.max(1, Math.round(DAY / definition.intervalMs)), transform: recipe.transform }
        : { task: recipe.task, kind: 'classification', target: recipe.label ?? FAULT_LABEL, classes: definition.classes.length },
    ],
  };
}
