import { z } from 'zod';
import { NAME_MAX_LENGTH, NAME_PATTERN } from './names.js';

const name = z.string().min(1).max(NAME_MAX_LENGTH).regex(NAME_PATTERN);
const finite = z.number().refine(Number.isFinite, 'must be finite');

/** One horizon of a regression forecast: point value, optional interval from quantiles. */
export const horizonForecastSchema = z.strictObject({
  horizon: z.number().int().positive(),
  target_time: z.iso.datetime({ offset: true }),
  value: finite,
  lower: finite.optional(),
  upper: finite.optional(),
});

const base = {
  // A registered task's name (packages/tasks); the predictor publishes only tasks its version serves.
  task: name,
  site: name,
  issued_at: z.iso.datetime({ offset: true }),
  model_version: z.string().min(1).max(NAME_MAX_LENGTH),
};

export const regressionPredictionSchema = z.strictObject({
  ...base,
  kind: z.literal('regression'),
  unit: z.string(),
  horizons: z.array(horizonForecastSchema).min(1),
});

export const classificationPredictionSchema = z.strictObject({
  ...base,
  kind: z.literal('classification'),
  target_time: z.iso.datetime({ offset: true }),
  label: name,
  probabilities: z
    .record(name, z.number().min(0).max(1))
    .refine((p) => Math.abs(Object.values(p).reduce((a, b) => a + b, 0) - 1) < 1e-3, 'probabilities must sum to 1'),
  anomaly_score: z.number().min(0).max(1).optional(),
});

/** A prediction as published on MQTT/Kafka and stored (DESIGN.md, "Contracts"). */
export const predictionSchema = z.discriminatedUnion('kind', [regressionPredictionSchema, classificationPredictionSchema]);
export type Prediction = z.infer<typeof predictionSchema>;
export type RegressionPrediction = z.infer<typeof regressionPredictionSchema>;
export type ClassificationPrediction = z.infer<typeof classificationPredictionSchema>;
