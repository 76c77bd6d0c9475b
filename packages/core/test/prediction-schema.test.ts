import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { describe, expect, it } from 'vitest';
import { predictionJsonSchema, predictionJsonSchemaText, predictionSchema } from '../src/index.js';

const COMMITTED = fileURLToPath(new URL('../schemas/prediction.schema.json', import.meta.url));

/** A real JSON Schema validator (Ajv, draft 2020-12, with the standard formats) over the committed file. */
function committedValidator() {
  // ajv and ajv-formats are CommonJS: under NodeNext their default import is the module object.
  const ajv = new Ajv2020.default({ allErrors: true, strict: true });
  addFormats.default(ajv);
  return ajv.compile(JSON.parse(readFileSync(COMMITTED, 'utf8')) as object);
}

const regression = {
  kind: 'regression',
  task: 'traffic',
  site: 'pems-1',
  issued_at: '2025-06-01T12:00:00Z',
  model_version: 'v3',
  unit: 'veh/5min',
  horizons: [
    { horizon: 1, target_time: '2025-06-01T12:05:00Z', value: 40.2, lower: 35, upper: 44 },
    { horizon: 3, target_time: '2025-06-01T12:15:00.000+00:00', value: 41 },
  ],
};
const classification = {
  kind: 'classification',
  task: 'fault',
  site: 'pump-1',
  issued_at: '2025-06-01T12:00:00.000+02:00',
  target_time: '2025-06-01T12:00:00Z',
  model_version: 'v3',
  label: 'valve1',
  probabilities: { normal: 0.1, valve1: 0.8, valve2: 0.05, other: 0.05 },
  anomaly_score: 0.93,
};

describe('prediction JSON Schema', () => {
  it('the committed packages/core/schemas/prediction.schema.json is the generated one', () => {
    const committed = readFileSync(COMMITTED, 'utf8');
    // A stale file misleads every non-TypeScript consumer: say how to fix it.
    expect(committed === predictionJsonSchemaText(), 'packages/core/schemas/prediction.schema.json is stale: run `npm run schemas` and commit it').toBe(true);
    expect(predictionJsonSchema()).toMatchObject({ $schema: 'https://json-schema.org/draft/2020-12/schema' });
  });

  it('accepts what predictionSchema accepts', () => {
    const validate = committedValidator();
    for (const payload of [regression, classification, { ...classification, anomaly_score: undefined }]) {
      const json: unknown = JSON.parse(JSON.stringify(payload));
      expect(predictionSchema.safeParse(json).success).toBe(true);
      expect(validate(json), JSON.stringify(validate.errors)).toBe(true);
    }
  });

  it('rejects what predictionSchema rejects, where JSON Schema can say it', () => {
    const validate = committedValidator();
    const bad: [string, unknown][] = [
      ['no horizons', { ...regression, horizons: [] }],
      ['horizon 0', { ...regression, horizons: [{ horizon: 0, target_time: '2025-06-01T12:05:00Z', value: 1 }] }],
      ['not a date-time', { ...regression, issued_at: 'now' }],
      ['no offset', { ...regression, issued_at: '2025-06-01T12:00:00' }],
      ['task that is not a name', { ...classification, task: 'fault/1' }],
      ['unknown property', { ...classification, confidence: 0.8 }],
      ['classification without a label', { ...classification, label: undefined }],
      ['regression fields on a classification', { ...classification, kind: 'regression' }],
      ['probability above 1', { ...classification, probabilities: { normal: 1.5 } }],
      ['site with a slash', { ...regression, site: 'a/b' }],
    ];
    for (const [why, payload] of bad) {
      const json: unknown = JSON.parse(JSON.stringify(payload));
      expect(predictionSchema.safeParse(json).success, why).toBe(false);
      expect(validate(json), why).toBe(false);
    }
  });
});
