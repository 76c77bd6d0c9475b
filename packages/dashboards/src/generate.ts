import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ALERTING_FILE, DASHBOARDS_DIR, renderAlerts, renderDashboards } from './render.js';

// `npm run dashboards`: rewrites infra/grafana/dashboards/*.json and the alert rules from the builders (commit the result).
mkdirSync(DASHBOARDS_DIR, { recursive: true });
for (const { file, text } of renderDashboards()) {
  const path = join(DASHBOARDS_DIR, file);
  writeFileSync(path, text);
  console.log(`wrote ${path}`);
}
mkdirSync(dirname(ALERTING_FILE), { recursive: true });
writeFileSync(ALERTING_FILE, renderAlerts());
console.log(`wrote ${ALERTING_FILE}`);
