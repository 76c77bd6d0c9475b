import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import type { Prediction } from '@headstream/core';

/** Predictions of every shape the table and the topics carry, issued at `issuedAt` (UTC, ms). */
export function samplePredictions(issuedAt: string, modelVersion = 'v1', sitePrefix = ''): Prediction[] {
  const at = (minutes: number) => new Date(Date.parse(issuedAt) + minutes * 60_000).toISOString();
  return [
    {
      kind: 'regression',
      task: 'traffic',
      site: `${sitePrefix}road-1`,
      issued_at: issuedAt,
      model_version: modelVersion,
      unit: 'veh/5min',
      horizons: [
        { horizon: 1, target_time: at(5), value: 40.25, lower: 35.5, upper: 44.125 },
        { horizon: 3, target_time: at(15), value: 0.1 + 0.2 },
      ],
    },
    {
      kind: 'regression',
      task: 'air_quality',
      site: `${sitePrefix}station-7`,
      issued_at: issuedAt,
      model_version: modelVersion,
      unit: 'µg/m³',
      horizons: [{ horizon: 1, target_time: at(60), value: 12.5, lower: 8, upper: 17 }],
    },
    {
      kind: 'classification',
      task: 'fault',
      site: `${sitePrefix}pump-1`,
      issued_at: issuedAt,
      target_time: issuedAt,
      model_version: modelVersion,
      label: 'valve1',
      probabilities: { normal: 0.1, valve1: 0.8, valve2: 0.05, other: 0.05 },
      anomaly_score: 0.93,
    },
    {
      kind: 'classification',
      task: 'fault',
      site: `${sitePrefix}pump-2`,
      issued_at: issuedAt,
      target_time: issuedAt,
      model_version: modelVersion,
      label: 'normal',
      probabilities: { normal: 1 / 3, valve1: 1 / 3, valve2: 1 / 3 },
    },
  ];
}

/** Table rows the samples map to: one per regression horizon, one per classification. */
export const SAMPLE_ROWS = 5;

const COMMITTED_SCHEMA = fileURLToPath(new URL('../../core/schemas/prediction.schema.json', import.meta.url));

/**
 * Ajv (draft 2020-12, standard formats) over the committed JSON Schema that non-TypeScript
 * consumers use: returns the validation errors of `payload`, or null when it conforms.
 */
export function committedSchemaErrors(): (payload: unknown) => string | null {
  // ajv and ajv-formats are CommonJS: under NodeNext their default import is the module object.
  const ajv = new Ajv2020.default({ allErrors: true, strict: true });
  addFormats.default(ajv);
  const validate = ajv.compile(JSON.parse(readFileSync(COMMITTED_SCHEMA, 'utf8')) as object);
  return (payload) => (validate(payload) ? null : ajv.errorsText(validate.errors));
}
