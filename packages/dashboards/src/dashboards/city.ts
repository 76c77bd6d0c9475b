import { TASKS, taskModule } from '@headstream/tasks';
import { CustomVariableBuilder, RowBuilder, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import { forecastErrorTable, forecastPanel, forecastReachHours } from '../forecast.js';
import { finish, headstreamDashboard, queryVariable } from '../panels.js';
import { activeSeries, literal, REGRESSION_TASKS, taskTarget, type RegressionTask } from '../sql.js';

export const CITY_UID = 'headstream-city';
/** The city's regression tasks, in head order; their panels follow their modules' dashboard hints. */
const CITY_TASKS: readonly RegressionTask[] = REGRESSION_TASKS.filter((t) => TASKS[t].domain === 'city');

/** Horizons (steps ahead) both city tasks forecast: the one shown is chosen on the dashboard. */
function sharedHorizons(): number[] {
  const [first, ...rest] = CITY_TASKS.map((t) => {
    const d = TASKS[t];
    return d.kind === 'regression' ? d.horizons : [];
  });
  return (first ?? []).filter((h) => rest.every((hs) => hs.includes(h)));
}

/** Sites carrying a metric a city task forecasts, and sites with city predictions issued in the time range. */
function siteQuery(): string {
  const withReadings = CITY_TASKS.map((task) => {
    const s = activeSeries(taskTarget(task));
    return `SELECT site FROM series WHERE domain = ${s.domain} AND metric = ${s.metric}`;
  });
  const withPredictions = `SELECT DISTINCT site FROM predictions WHERE task IN (${CITY_TASKS.map(literal).join(', ')}) AND $__timeFilter(issued_at)`;
  return [...withReadings, withPredictions].join('\nUNION\n').concat('\nORDER BY 1');
}

/** City: traffic flow and PM2.5, actual against predicted with the forecast band, one row per site. */
export function cityDashboard(): Dashboard {
  const horizons = sharedHorizons();
  let builder = headstreamDashboard(
    CITY_UID,
    'Headstream — City',
    'Traffic flow and air quality per site: the readings against what the active model predicted for the same time.',
    // Past now by the farthest forecast: the latest forecast is drawn ahead of the readings.
    { from: 'now-24h', to: `now+${forecastReachHours(CITY_TASKS)}h` },
  )
    .withVariable(queryVariable('site', 'Site', siteQuery()))
    .withVariable(
      new CustomVariableBuilder('horizon')
        .label('Horizon (steps ahead)')
        .values(horizons.join(','))
        .current({ selected: true, text: String(horizons[0]), value: String(horizons[0]) })
        .multi(false)
        .includeAll(false)
        .allowCustomValue(false),
    )
    .withRow(new RowBuilder('Forecast quality'))
    .withPanel(forecastErrorTable(CITY_TASKS, 'Forecast error by site (time range, selected horizon)', () => `p.site IN (\${site:sqlstring}) AND p.horizon = \${horizon:sqlstring} AND $__timeFilter(p.target_time)`))
    .withRow(new RowBuilder('$site').repeat('site'));
  for (const task of CITY_TASKS) {
    const hints = taskModule(task).dashboard;
    builder = builder.withPanel(forecastPanel(task, { title: `${hints.title} — $site`, siteVariable: 'site', repeat: false, horizon: { variable: 'horizon' }, color: hints.color }));
  }
  return finish(builder);
}
