import { z } from 'zod';
import { NAME_MAX_LENGTH, NAME_PATTERN } from './names.js';

const name = z.string().min(1).max(NAME_MAX_LENGTH).regex(NAME_PATTERN);

export const TASK_NAMES = ['traffic', 'air_quality', 'fault', 'throughput'] as const;
export type TaskName = (typeof TASK_NAMES)[number];
export const DOMAINS = ['city', 'factory'] as const;
export type Domain = (typeof DOMAINS)[number];

const common = {
  name: z.enum(TASK_NAMES),
  domain: z.enum(DOMAINS),
  description: z.string(),
  /** Sampling interval of the task's windows, ms. */
  intervalMs: z.number().int().positive(),
  /** Steps of history the encoder sees. */
  lookback: z.number().int().positive(),
};

export const regressionTaskSchema = z.strictObject({
  ...common,
  kind: z.literal('regression'),
  target: name,
  unit: z.string(),
  /** Steps ahead, in units of intervalMs, strictly increasing. */
  horizons: z
    .array(z.number().int().positive())
    .min(1)
    .refine((h) => h.every((v, i) => i === 0 || v > (h[i - 1] ?? 0)), 'horizons must be strictly increasing'),
  /** Quantiles predicted for intervals (the median is the point forecast). */
  quantiles: z.array(z.number().gt(0).lt(1)).min(1),
});

export const classificationTaskSchema = z.strictObject({
  ...common,
  kind: z.literal('classification'),
  /** Class 0 is the normal state; the rest are fault types. */
  classes: z.array(name).min(2),
  /** Also emits a per-point anomaly score in [0, 1]. */
  anomalyScore: z.boolean(),
});

export const taskDefinitionSchema = z.discriminatedUnion('kind', [regressionTaskSchema, classificationTaskSchema]);
export type TaskDefinition = z.infer<typeof taskDefinitionSchema>;
export type RegressionTask = z.infer<typeof regressionTaskSchema>;
export type ClassificationTask = z.infer<typeof classificationTaskSchema>;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/**
 * The metric that carries the fault task's label (the class index) in the readings: what the simulator
 * and `headstream replay --ground-truth` send, what training learns from unless a binding renames it,
 * and what dashboards and the live view score predictions against.
 */
export const FAULT_LABEL_METRIC = 'gt_fault';

/** The four tasks of the shared model (DESIGN.md, "The four tasks"). Validated at load. */
export const TASKS: Readonly<Record<TaskName, TaskDefinition>> = Object.freeze({
  traffic: taskDefinitionSchema.parse({
    name: 'traffic',
    domain: 'city',
    kind: 'regression',
    description: 'Vehicle flow at a road site, next steps',
    target: 'flow',
    unit: 'veh/5min',
    intervalMs: 5 * MINUTE,
    lookback: 12,
    horizons: [1, 2, 3, 6, 12],
    quantiles: [0.1, 0.5, 0.9],
  }),
  air_quality: taskDefinitionSchema.parse({
    name: 'air_quality',
    domain: 'city',
    kind: 'regression',
    description: 'PM2.5 at a city site, 1 to 6 hours ahead',
    target: 'pm25',
    unit: 'µg/m³',
    intervalMs: HOUR,
    lookback: 24,
    horizons: [1, 2, 3, 4, 5, 6],
    quantiles: [0.1, 0.5, 0.9],
  }),
  fault: taskDefinitionSchema.parse({
    name: 'fault',
    domain: 'factory',
    kind: 'classification',
    description: 'Machine state: normal or one of K fault types, plus an anomaly score',
    intervalMs: 1000,
    lookback: 64,
    classes: ['normal', 'valve1', 'valve2', 'other'],
    anomalyScore: true,
  }),
  throughput: taskDefinitionSchema.parse({
    name: 'throughput',
    domain: 'factory',
    kind: 'regression',
    description: 'Production rate of a line or plant, next step',
    target: 'throughput',
    unit: 'units/h',
    intervalMs: HOUR,
    lookback: 24,
    horizons: [1],
    quantiles: [0.1, 0.5, 0.9],
  }),
});

export function isTaskName(value: unknown): value is TaskName {
  return typeof value === 'string' && (TASK_NAMES as readonly string[]).includes(value);
}
