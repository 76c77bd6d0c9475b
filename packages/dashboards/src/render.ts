import { fileURLToPath } from 'node:url';
import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { alertProvisioning } from './alerts.js';
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

/** Where the provisioned alert rules live: infra/grafana/provisioning/alerting of the repository. */
export const ALERTING_FILE = fileURLToPath(new URL('../../../infra/grafana/provisioning/alerting/headstream.json', import.meta.url));

/** The alert rules' provisioning file as it is committed. */
export function renderAlerts(): string {
  return `${JSON.stringify(alertProvisioning(), null, 2)}\n`;
}
