import { z } from 'zod';
import { predictionSchema } from './prediction.js';

/**
 * The prediction payload (MQTT, Kafka) as a JSON Schema (draft 2020-12), generated from the zod
 * predictionSchema so the two cannot drift. Consumers outside TypeScript validate against the
 * committed copy, packages/core/schemas/prediction.schema.json (`npm run schemas` rewrites it;
 * a unit test fails while it is stale).
 */
export function predictionJsonSchema(): Record<string, unknown> {
  const { $schema, ...rest } = z.toJSONSchema(predictionSchema, { target: 'draft-2020-12' });
  return {
    $schema,
    title: 'Headstream prediction',
    description:
      'One prediction as published on MQTT ({root}/v1/predictions/{task}/{site}) and Kafka ({root}.predictions, key = site). ' +
      'Generated from the zod predictionSchema in @headstream/core; two rules JSON Schema does not express are checked there: ' +
      'numbers are finite, and probabilities sum to 1 (within 1e-3).',
    ...rest,
  };
}

/** The committed schema file's exact text: pretty-printed, with a trailing newline. */
export function predictionJsonSchemaText(): string {
  return `${JSON.stringify(predictionJsonSchema(), null, 2)}\n`;
}
