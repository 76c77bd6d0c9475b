import type { Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { cityDashboard } from './city.js';
import { factoryDashboard } from './factory.js';
import { modelHealthDashboard } from './model-health.js';

export { CITY_UID, cityDashboard } from './city.js';
export { FACTORY_UID, factoryDashboard } from './factory.js';
export { MODEL_HEALTH_UID, modelHealthDashboard } from './model-health.js';

/** Every dashboard with the file it is provisioned from (infra/grafana/dashboards/<file>). */
export const DASHBOARDS: readonly { file: string; build: () => Dashboard }[] = [
  { file: 'city.json', build: cityDashboard },
  { file: 'factory.json', build: factoryDashboard },
  { file: 'model-health.json', build: modelHealthDashboard },
];
