import { z } from 'zod';
import { NAME_MAX_LENGTH, NAME_PATTERN } from './names.js';

const name = z.string().min(1).max(NAME_MAX_LENGTH).regex(NAME_PATTERN);

export const DOMAINS = ['city', 'factory'] as const;
export type Domain = (typeof DOMAINS)[number];

// The contract of a task definition. Which tasks exist is the task registry's (packages/tasks): one module per task.
const common = {
  name,
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
  /**
   * How training's loss weighs the horizons (model's horizonLossWeights): `equal` (the default), or `inverse`:
   * horizon h by 1/h, scaled to a mean of 1, so the larger errors of the late horizons do not drown the first ones.
   */
  horizonLoss: z.enum(['equal', 'inverse']).optional(),
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

/**
 * The metric that carries the fault task's label (the class index) in the readings: what the simulator
 * and `headstream replay --ground-truth` send, what training learns from unless a binding renames it,
 * and what dashboards and the live view score predictions against.
 */
export const FAULT_LABEL_METRIC = 'gt_fault';
