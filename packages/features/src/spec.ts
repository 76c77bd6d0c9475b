import type { TaskDefinition } from '@headstream/core';
import { CALENDAR_CHANNELS } from './calendar.js';
import { derivedContext, type DerivedChannel } from './derive.js';
import type { ScalerJSON } from './scaler.js';

/**
 * How a regression head's output becomes the forecast. level: the output is the scaled target.
 * change: the output is the change from the last observed value (persistence), (target − persistence)
 * / std × scale; the forecast is persistence + shrink × the change, for the median and the quantile
 * bounds alike (shrink < 1 when the change is mostly unpredictable noise).
 *
 * With `fitted`, the point forecast's weight on its predicted change is fitted per horizon on held-out
 * windows instead (a forecast combination with persistence: the weight in [0, 1] with the least absolute
 * error there, training's fitTask), and saved with the model as `weights`; the quantile bounds keep
 * their distance to the point, shrunk by `shrink`. A weight near 0 says the model's changes did not beat
 * no change on data it did not train on, so the forecast stays near persistence.
 *
 * With `spread` (steps), a change is measured in units of the series' own recent movement instead of the
 * target's standard deviation: the mean absolute step change of its last `spread` values before the issue
 * time (at least SPREAD_FLOOR of the standard deviation), as instance normalisation does for the scale of
 * a series. A calm spell then asks for small changes and an episode for large ones, from the same outputs.
 */
export type TargetTransform = { kind: 'level' } | { kind: 'change'; scale: number; shrink: number; fitted?: boolean; weights?: number[]; spread?: number };

/** The least spread a change is measured in, as a share of the target's standard deviation (a flat series does not divide by ~0). */
export const SPREAD_FLOOR = 0.01;

/** One unit of a change head's output in the target's unit, for a window whose recent spread is `spread` (NaN: unknown, or the transform does not use it). */
export function changeUnit(transform: Extract<TargetTransform, { kind: 'change' }>, std: number, spread: number): number {
  if (transform.spread === undefined) return std / transform.scale;
  return (Number.isFinite(spread) ? Math.max(spread, SPREAD_FLOOR * std) : std) / transform.scale;
}

/** What a task's labels are read from; part of the feature spec so serving never needs the task table. */
export type TargetSpec =
  | {
      task: string;
      kind: 'regression';
      /** Metric whose future values are the target. */
      target: string;
      /** The task's own interval: a horizon h means h·intervalMs after the issue time. */
      intervalMs: number;
      horizons: number[];
      /** Season length in task steps, for the seasonal-naive baseline (e.g. one day). */
      seasonSteps: number;
      transform: TargetTransform;
    }
  | {
      task: string;
      kind: 'classification';
      /** Metric carrying the class index (0 = normal) at each time. */
      target: string;
      classes: number;
    };

/**
 * How readings become one model input (a stem), for every task that reads it. Saved with the model:
 * training and serving both build windows from it through the same functions (no train/serve skew).
 */
export interface FeatureSpec {
  version: 2;
  /** The model input (stem) the windows feed; its `targets` are the tasks that read it. Specs saved before the rename say `domain` (readFeatureSpec). */
  input: string;
  intervalMs: number;
  /** Steps of history in a window. */
  lookback: number;
  /** Steps of the window the model sees (≤ lookback); older steps are zeroed (values, masks and calendar). */
  history: number;
  /** Forward-fill a gap for at most this many steps (null: without limit); older gaps read as the mean, mask 0. */
  fillLimit: number | null;
  /** Metrics read from the readings (bucket means); the frame's channels before derivation. */
  sources: string[];
  /** Channels computed from the sources, in order. */
  derived: DerivedChannel[];
  /** Input channels (sources or derived), in order. */
  channels: string[];
  /** Adds one 0/1 channel per metric: 1 where the bucket really held a reading. */
  gapMask: boolean;
  /** Adds hour-of-day and day-of-week sin/cos channels. */
  calendar: boolean;
  /** The sites' local time zone for the calendar channels (IANA name or fixed offset); absent: UTC (every spec saved before it). */
  timeZone?: string;
  targets: TargetSpec[];
}

/** Fitted on the training split only; saved with the model. */
export interface FeatureScalers {
  channels: Record<string, ScalerJSON>;
  targets: Record<string, ScalerJSON>;
}

export function featureCount(spec: FeatureSpec): number {
  return spec.channels.length * (spec.gapMask ? 2 : 1) + (spec.calendar ? CALENDAR_CHANNELS.length : 0);
}

/** Channel names of a window, in order (for docs, dashboards and checks). */
export function featureNames(spec: FeatureSpec): string[] {
  return [...spec.channels, ...(spec.gapMask ? spec.channels.map((c) => `${c}__observed`) : []), ...(spec.calendar ? CALENDAR_CHANNELS : [])];
}

/** Every metric a frame must carry before derivation: sources, regression targets and class labels. */
export function frameChannels(spec: FeatureSpec): string[] {
  const derived = new Set(spec.derived.map((d) => d.name));
  return [...new Set([...spec.sources, ...spec.channels.filter((c) => !derived.has(c)), ...spec.targets.map((t) => t.target)])];
}

/**
 * Buckets before a window's first one that its values can depend on: forward fill, derived channels
 * and the persistence baseline's search. A serving buffer holding this many plus the lookback builds
 * windows equal to training's (deviation channels also need the site's baseline: `SiteFrame`).
 */
export function contextSteps(spec: FeatureSpec): number {
  const derived = Math.max(0, ...spec.derived.map((d) => derivedContext(d)));
  const fill = spec.fillLimit ?? 0;
  const season = Math.max(0, ...spec.targets.map((t) => (t.kind === 'regression' ? t.seasonSteps * (t.intervalMs / spec.intervalMs) : 0)));
  return Math.max(fill + derived, season, spreadSteps(spec));
}

/** Input steps before an issue time a target's recent spread reads (TargetTransform `spread`; 0 without one). */
export function spreadSteps(spec: FeatureSpec): number {
  return Math.max(0, ...spec.targets.map((t) => (t.kind === 'regression' && t.transform.kind === 'change' && t.transform.spread !== undefined ? t.transform.spread * (t.intervalMs / spec.intervalMs) : 0)));
}

export interface FeatureSpecOptions {
  channels: string[];
  /** Defaults to the smallest interval among the input's tasks. */
  intervalMs?: number;
  /** Defaults to the largest lookback among the input's tasks. */
  lookback?: number;
  gapMask?: boolean;
  calendar?: boolean;
  /** Metric holding the class index of a classification task; default "state". */
  labelMetric?: string;
  history?: number;
  fillLimit?: number | null;
  derived?: DerivedChannel[];
  /** Regression target transform for every regression task; default level. */
  transform?: TargetTransform;
}

const DAY = 86_400_000;

/** Builds the spec of one input from the core definitions of the tasks that read it (one target each). */
export function featureSpecFor(input: string, tasks: readonly TaskDefinition[], options: FeatureSpecOptions): FeatureSpec {
  const own = tasks;
  if (own.length === 0) throw new Error(`no task reads input ${input}`);
  const intervalMs = options.intervalMs ?? Math.min(...own.map((t) => t.intervalMs));
  const targets: TargetSpec[] = own.map((t) =>
    t.kind === 'regression'
      ? {
          task: t.name,
          kind: 'regression',
          target: t.target,
          intervalMs: t.intervalMs,
          horizons: [...t.horizons],
          seasonSteps: Math.max(1, Math.round(DAY / t.intervalMs)),
          transform: options.transform ?? { kind: 'level' },
        }
      : { task: t.name, kind: 'classification', target: options.labelMetric ?? 'state', classes: t.classes.length },
  );
  for (const t of targets) {
    if (t.kind === 'regression' && t.intervalMs % intervalMs !== 0) {
      throw new Error(`task ${t.task}: interval ${t.intervalMs} ms is not a multiple of the input's interval ${intervalMs} ms`);
    }
  }
  const lookback = options.lookback ?? Math.max(...own.map((t) => t.lookback));
  const derived = options.derived ?? [];
  const derivedNames = new Set(derived.map((d) => d.name));
  return {
    version: 2,
    input,
    intervalMs,
    lookback,
    history: options.history ?? lookback,
    fillLimit: options.fillLimit === undefined ? null : options.fillLimit,
    sources: [...new Set([...options.channels.filter((c) => !derivedNames.has(c)), ...derived.map((d) => d.of).filter((c) => !derivedNames.has(c))])],
    derived,
    channels: [...options.channels],
    gapMask: options.gapMask ?? true,
    calendar: options.calendar ?? true,
    targets,
  };
}

/**
 * A saved spec as this code reads it: specs saved before the rename name their input `domain` (it held the
 * task's name, which was its input's); the field is read as `input`. Anything else passes through.
 */
export function readFeatureSpec(saved: FeatureSpec | (Omit<FeatureSpec, 'input'> & { domain: string })): FeatureSpec {
  if ('input' in saved && typeof saved.input === 'string') return saved;
  const { domain, ...rest } = saved as Omit<FeatureSpec, 'input'> & { domain?: unknown };
  if (typeof domain !== 'string') throw new Error('feature spec names no input (neither input nor domain)');
  return { ...rest, input: domain };
}

/** A spec whose tasks' change transforms carry these fitted weights (the spec a trained model is saved with). */
export function withWeights(spec: FeatureSpec, weights: Readonly<Record<string, readonly number[] | undefined>>): FeatureSpec {
  return {
    ...spec,
    targets: spec.targets.map((t) => {
      const w = weights[t.task];
      return t.kind === 'regression' && t.transform.kind === 'change' && w ? { ...t, transform: { ...t.transform, weights: [...w] } } : t;
    }),
  };
}
