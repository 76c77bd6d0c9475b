import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { predictionJsonSchemaText } from './prediction-schema.js';

// `npm run schemas`: rewrites the committed JSON Schema files from the zod schemas.
// Relative to this module, so it works from src/ and dist/ alike.
const target = fileURLToPath(new URL('../schemas/prediction.schema.json', import.meta.url));
writeFileSync(target, predictionJsonSchemaText());
console.log(`wrote ${target}`);
