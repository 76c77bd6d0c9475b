import { fileURLToPath } from 'node:url';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { DASHBOARDS } from './dashboards/index.js';

/** Where the provisioned dashboards live: infra/grafana/dashboards of the repository (from src/ and dist/ alike). */
export const DASHBOARDS_DIR = fileURLToPath(new URL('../../../infra/grafana/dashboards/', import.meta.url));

/** A dashboard as its committed file holds it: two-space JSON and a final newline. */
export function dashboardJson(dashboard: Dashboard): string {
  return `${JSON.stringify(dashboard, null, 2)}\n`;
}

/** Each dashboard's file name and generated text. */
export function renderDashboards(): { file: string; text: string }[] {
  return DASHBOARDS.map(({ file, build }) => ({ file, text: dashboardJson(build()) }));
}
