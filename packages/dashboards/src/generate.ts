import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DASHBOARDS_DIR, renderDashboards } from './render.js';

// `npm run dashboards`: rewrites infra/grafana/dashboards/*.json from the builders (commit the result).
mkdirSync(DASHBOARDS_DIR, { recursive: true });
for (const { file, text } of renderDashboards()) {
  const path = join(DASHBOARDS_DIR, file);
  writeFileSync(path, text);
  console.log(`wrote ${path}`);
}
