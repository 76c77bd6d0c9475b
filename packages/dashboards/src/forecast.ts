import { TASKS } from '@headstream/tasks';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { series, table as tableQuery } from './datasource.js';
import { bandOverrides, legend, multiTooltip, organize, suffixUnit } from './panels.js';
import { activeSeries, indent, literal, scoredRegression, taskTarget, type RegressionTask } from './sql.js';

/** Panels comparing a regression task's forecasts with the readings they forecast. */

export interface ForecastPanelOptions {
  title: string;
  /** Dashboard variable holding the site(s). */
  siteVariable: string;
  /** Repeat the panel per site (false: it sits in a row that repeats). */
  repeat: boolean;
  /** The horizon shown, in steps: a dashboard variable's or a fixed one. */
  horizon: { variable: string } | { steps: number };
  color: string;
}

/**
 * Actual (readings of the active version's target series, per $__interval) against the forecast for
 * the same time (value, with the 10–90 % band of lower/upper) at one horizon, for one site.
 */
export function forecastPanel(task: RegressionTask, options: ForecastPanelOptions): timeseries.PanelBuilder {
  const target = taskTarget(task);
  const active = activeSeries(target);
  const sites = `\${${options.siteVariable}:sqlstring}`;
  const horizon = 'variable' in options.horizon ? { sql: `\${${options.horizon.variable}:sqlstring}`, text: `$${options.horizon.variable}` } : { sql: String(options.horizon.steps), text: String(options.horizon.steps) };
  const actual = `SELECT $__timeGroupAlias(time, $__interval), avg(value) AS actual
FROM reading_values
WHERE domain = ${active.domain}
  AND metric = ${active.metric}
  AND site IN (${sites})
  AND $__timeFilter(time)
GROUP BY 1
ORDER BY 1`;
  const predicted = `SELECT $__timeGroupAlias(target_time, $__interval), avg(value) AS predicted, avg(lower) AS lower, avg(upper) AS upper
FROM predictions
WHERE task = ${literal(task)}
  AND site IN (${sites})
  AND horizon = ${horizon.sql}
  AND $__timeFilter(target_time)
GROUP BY 1
ORDER BY 1`;
  // The newest forecast issued for the site, every horizon: it reaches past now (the dashboards' time ranges end ahead of now).
  const ahead = `SELECT DISTINCT ON (target_time) target_time AS time, value AS ahead, lower AS ahead_lower, upper AS ahead_upper
FROM predictions
WHERE task = ${literal(task)}
  AND site IN (${sites})
  AND horizon >= 1
  AND issued_at = (SELECT max(issued_at) FROM predictions WHERE task = ${literal(task)} AND site IN (${sites}) AND horizon >= 1)
ORDER BY target_time, model_version DESC`;
  let panel = new timeseries.PanelBuilder()
    .title(options.title)
    .description(
      `${TASKS[task].description}. Actual: mean of the readings per interval. Predicted: the forecast made ${horizon.text} step(s) of ${formatStep(target.stepSeconds)} earlier, with its 10–90 % band. Ahead: the latest forecast, every horizon, with its 10–90 % band, past the current time.`,
    )
    .span(12)
    .height(9)
    .withTarget(series(actual, 'A'))
    .withTarget(series(predicted, 'B'))
    .withTarget(series(ahead, 'C'))
    .unit(suffixUnit(target.unit))
    .lineWidth(1)
    .fillOpacity(0)
    .spanNulls(false)
    .legend(legend())
    .tooltip(multiTooltip());
  for (const o of [...bandOverrides(options.color), ...bandOverrides(options.color, 'ahead')]) panel = panel.overrideByName(o.name, o.properties);
  return options.repeat ? panel.repeat(options.siteVariable).repeatDirection('h').maxPerRow(2) : panel;
}

function formatStep(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/**
 * Per site and task over the time range: predictions scored, MAE, bias (mean of predicted − actual)
 * and the share of actuals inside the predicted 10–90 % band (calibrated: about 80 %).
 */
export function forecastErrorTable(tasks: readonly RegressionTask[], title: string, where: (task: RegressionTask) => string): table.PanelBuilder {
  const scored = tasks.map((task) => `SELECT task, site, value, lower, upper, actual, ${literal(taskTarget(task).unit)} AS unit FROM (\n  ${indent(scoredRegression(task, where(task)), '  ')}\n) ${task}`);
  const sql = `SELECT site AS "Site", task AS "Task", count(*) AS "Predictions",
  avg(abs(value - actual)) AS "MAE",
  avg(value - actual) AS "Bias",
  avg(CASE WHEN lower IS NULL OR upper IS NULL THEN NULL WHEN actual BETWEEN lower AND upper THEN 1.0 ELSE 0.0 END)::float8 AS "Band coverage",
  unit AS "Unit"
FROM (
  ${indent(scored.join('\nUNION ALL\n'), '  ')}
) x
GROUP BY site, task, unit
ORDER BY site, task`;
  return new table.PanelBuilder()
    .title(title)
    .description('Each prediction against the mean of the readings in its target step. Coverage: share of actuals inside the 10–90 % band (calibrated ≈ 80 %).')
    .withTarget(tableQuery(sql))
    .withTransformation(organize(['Site', 'Task', 'Predictions', 'MAE', 'Bias', 'Band coverage', 'Unit']))
    .overrideByName('Band coverage', [{ id: 'unit', value: 'percentunit' }])
    .overrideByName('MAE', [{ id: 'decimals', value: 2 }])
    .overrideByName('Bias', [{ id: 'decimals', value: 2 }])
    .span(24)
    .height(7);
}

/** How far the tasks forecast (their farthest horizon × step), in whole hours: how far past now a dashboard shows. */
export function forecastReachHours(tasks: readonly RegressionTask[]): number {
  const ms = Math.max(...tasks.map((t) => {
    const d = TASKS[t];
    return d.kind === 'regression' ? Math.max(...d.horizons) * d.intervalMs : 0;
  }));
  return Math.max(1, Math.ceil(ms / 3_600_000));
}
