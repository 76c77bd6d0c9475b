import { TASK_NAMES } from '@headstream/tasks';
import * as barchart from '@grafana/grafana-foundation-sdk/barchart';
import * as common from '@grafana/grafana-foundation-sdk/common';
import { RowBuilder, ThresholdsConfigBuilder, ThresholdsMode, type Dashboard } from '@grafana/grafana-foundation-sdk/dashboard';
import * as stat from '@grafana/grafana-foundation-sdk/stat';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import * as trend from '@grafana/grafana-foundation-sdk/trend';
import { series, table as tableQuery } from '../datasource.js';
import { finish, headstreamDashboard, legend, multiTooltip, organize, queryVariable, suffixUnit } from '../panels.js';
import { indent, literal, REGRESSION_TASKS, scoredFault, scoredRegression, taskTarget, type RegressionTask } from '../sql.js';

export const MODEL_HEALTH_UID = 'headstream-model-health';

const IN_RANGE = '$__timeFilter(p.target_time)';
const VERSION = '${version:sqlstring}';

/** A one-value stat over the active version (table-format SQL; `fields` picks the column shown). */
function activeStat(title: string, sql: string, fields: string): stat.PanelBuilder {
  return new stat.PanelBuilder()
    .title(title)
    .withTarget(tableQuery(sql))
    .reduceOptions(new common.ReduceDataOptionsBuilder().values(false).calcs(['lastNotNull']).fields(fields))
    .textMode(common.BigValueTextMode.Auto)
    .colorMode(common.BigValueColorMode.None)
    .graphMode(common.BigValueGraphMode.None)
    .noValue('none active')
    .span(6)
    .height(4);
}

function servingStats() {
  const deltas = activeStat(
    'Δm % of the active version',
    `SELECT (report ->> 'delta_m')::float8 AS "shared vs single", (report ->> 'delta_m_served')::float8 AS "served vs single"
FROM model_versions
WHERE active`,
    '/.*/',
  )
    .description('Mean over tasks of the change of the error against single-task models, % (negative: the shared model is better).')
    .unit('percent')
    .decimals(1)
    .colorMode(common.BigValueColorMode.Value)
    .thresholds(
      new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
        { value: null, color: 'green' },
        { value: 0, color: 'red' },
      ]),
    );
  const predictions = new stat.PanelBuilder()
    .title('Predictions issued (time range)')
    .withTarget(
      tableQuery(`SELECT ${TASK_NAMES.map((t) => `count(*) FILTER (WHERE task = ${literal(t)}) AS ${t}`).join(', ')}
FROM predictions
WHERE $__timeFilter(issued_at)`),
    )
    .reduceOptions(new common.ReduceDataOptionsBuilder().values(false).calcs(['lastNotNull']).fields('/.*/'))
    .textMode(common.BigValueTextMode.ValueAndName)
    .colorMode(common.BigValueColorMode.None)
    .graphMode(common.BigValueGraphMode.None)
    .unit('short')
    .span(6)
    .height(4);
  return [
    activeStat('Active version', 'SELECT version FROM model_versions WHERE active', '/^version$/'),
    activeStat('Promoted', 'SELECT (extract(epoch FROM promoted_at) * 1000)::float8 AS promoted FROM model_versions WHERE active', '/^promoted$/').unit('dateTimeFromNow'),
    deltas,
    predictions,
  ];
}

/** Live MAE of a regression task per interval, one series per horizon. */
function regressionError(task: RegressionTask): timeseries.PanelBuilder {
  const sql = `SELECT $__timeGroupAlias(target_time, $__interval), 'h' || horizon AS metric, avg(abs(value - actual)) AS mae
FROM (
  ${indent(scoredRegression(task, IN_RANGE), '  ')}
) scored
GROUP BY 1, 2
ORDER BY 1`;
  return new timeseries.PanelBuilder()
    .title(`${task}: MAE by horizon`)
    .description(`Mean absolute error of the ${task} predictions whose target time falls in each interval, against the mean of the readings in the target step; one series per horizon (h1 = one step ahead).`)
    .withTarget(series(sql))
    .unit(suffixUnit(taskTarget(task).unit))
    .min(0)
    .lineWidth(1)
    .legend(legend())
    .tooltip(multiTooltip())
    .span(12)
    .height(8);
}

function faultError(): timeseries.PanelBuilder {
  const sql = `SELECT $__timeGroupAlias(target_time, $__interval), avg(CASE WHEN label = actual THEN 0.0 ELSE 1.0 END)::float8 AS wrong_label_rate
FROM (
  ${indent(scoredFault(IN_RANGE), '  ')}
) scored
GROUP BY 1
ORDER BY 1`;
  return new timeseries.PanelBuilder()
    .title('fault: wrong-label rate')
    .description('Share of fault predictions whose label differs from the recorded class (label readings, where a machine reports them).')
    .withTarget(series(sql))
    .unit('percentunit')
    .min(0)
    .max(1)
    .lineWidth(1)
    .legend(legend())
    .span(12)
    .height(8);
}

/** Live error per task and version over the time range, next to the version's validation score of the served model. */
function liveVsValidation(): table.PanelBuilder {
  const regression = REGRESSION_TASKS.map(
    (task) => `SELECT task, model_version, 'MAE' AS metric, 'mae' AS metric_key, count(*) AS n, avg(abs(value - actual)) AS live
FROM (
  ${indent(scoredRegression(task, IN_RANGE), '  ')}
) ${task}
GROUP BY task, model_version`,
  );
  const fault = `SELECT task, model_version, 'accuracy' AS metric, 'accuracy' AS metric_key, count(*) AS n, avg(CASE WHEN label = actual THEN 1.0 ELSE 0.0 END)::float8 AS live
FROM (
  ${indent(scoredFault(IN_RANGE), '  ')}
) fault
GROUP BY task, model_version`;
  const servedBy = "mv.report #>> ARRAY['task_reports', x.task, 'served_by']";
  const sql = `SELECT x.task AS "Task", x.model_version AS "Model version", ${servedBy} AS "Served by", x.metric AS "Metric",
  x.n AS "Predictions scored", x.live AS "Live",
  (mv.report -> 'task_reports' -> x.task -> (${servedBy}) ->> x.metric_key)::float8 AS "Validation"
FROM (
  ${indent([...regression, fault].join('\nUNION ALL\n'), '  ')}
) x
LEFT JOIN model_versions mv ON mv.version = x.model_version
ORDER BY 1, 2`;
  return new table.PanelBuilder()
    .title('Live error against validation (time range)')
    .description('Live: the predictions scored against the readings they predicted. Validation: the same metric of the served model (shared or single-task) on the version’s validation split. MAE is in each task’s unit.')
    .withTarget(tableQuery(sql))
    .withTransformation(organize(['Task', 'Model version', 'Served by', 'Metric', 'Predictions scored', 'Live', 'Validation']))
    .overrideByName('Live', [{ id: 'decimals', value: 3 }])
    .overrideByName('Validation', [{ id: 'decimals', value: 3 }])
    .span(24)
    .height(7);
}

function versionsTable(): table.PanelBuilder {
  const sql = `SELECT version AS "Version", created_at AS "Created", status AS "Status", strategy AS "Strategy",
  (report ->> 'delta_m')::float8 AS "Δm %", (report ->> 'delta_m_served')::float8 AS "Δm % served",
  CASE WHEN decision IS NULL THEN NULL WHEN (decision ->> 'promote')::boolean THEN 'promote' ELSE 'hold' END AS "Guard",
  decision ->> 'compared_with' AS "Compared with",
  array_to_string(ARRAY(SELECT jsonb_array_elements_text(decision -> 'reasons')), '; ') AS "Guard reasons"
FROM model_versions
ORDER BY created_at DESC, version DESC
LIMIT 50`;
  return new table.PanelBuilder()
    .title('Model versions and guard decisions')
    .withTarget(tableQuery(sql))
    .withTransformation(organize(['Version', 'Created', 'Status', 'Strategy', 'Δm %', 'Δm % served', 'Guard', 'Compared with', 'Guard reasons']))
    .overrideByName('Δm %', [{ id: 'decimals', value: 1 }])
    .overrideByName('Δm % served', [{ id: 'decimals', value: 1 }])
    .span(24)
    .height(8);
}

/** Per task (and the mean, Δm) the shared model's change against the single-task model, by version. */
function taskChangeByVersion(): barchart.PanelBuilder {
  const columns = TASK_NAMES.map((t) => `(report #>> '{task_reports,${t},delta_pct}')::float8 AS ${t}`);
  const sql = `SELECT version, ${TASK_NAMES.join(', ')}, delta_m AS "Δm"
FROM (
  SELECT version, created_at, ${columns.join(', ')}, (report ->> 'delta_m')::float8 AS delta_m
  FROM model_versions
  WHERE report IS NOT NULL
  ORDER BY created_at DESC, version DESC
  LIMIT 20
) recent
ORDER BY created_at, version`;
  return new barchart.PanelBuilder()
    .title('Shared vs single-task error by version, % (negative: shared better)')
    .description('Δ% per task of the shared model against the single-task model on the validation split (report.task_reports[task].delta_pct), and their mean Δm; the latest 20 versions.')
    .withTarget(tableQuery(sql))
    .xField('version')
    .unit('percent')
    .decimals(1)
    .orientation(common.VizOrientation.Auto)
    .legend(legend())
    .span(12)
    .height(9);
}

function promotions(): table.PanelBuilder {
  const sql = `SELECT at AS "At", kind AS "Kind", version AS "Version", previous AS "Previous", actor AS "By", reason AS "Reason"
FROM model_promotions
ORDER BY id DESC
LIMIT 50`;
  return new table.PanelBuilder()
    .title('Promotions and rollbacks')
    .withTarget(tableQuery(sql))
    .withTransformation(organize(['At', 'Kind', 'Version', 'Previous', 'By', 'Reason']))
    .span(12)
    .height(9);
}

/** Task pairs of the shared model, in task order. */
function taskPairs(): [string, string][] {
  return TASK_NAMES.flatMap((a, i) => TASK_NAMES.slice(i + 1).map((b): [string, string] => [a, b]));
}

function trainingTrend(title: string, description: string, columns: string[]): trend.PanelBuilder {
  const sql = `SELECT step, ${columns.join(',\n  ')}
FROM training_metrics
WHERE model_version = ${VERSION} AND model = 'shared' AND kind = 'step'
GROUP BY step
ORDER BY step`;
  return new trend.PanelBuilder()
    .title(title)
    .description(description)
    .withTarget(tableQuery(sql))
    .xField('step')
    .lineWidth(1)
    .showPoints(common.VisibilityMode.Never)
    .spanNulls(true)
    .legend(legend())
    .tooltip(multiTooltip())
    .span(12)
    .height(9);
}

function gradientCosine(): trend.PanelBuilder {
  // cos(a, b) = cos(b, a): read it from a's row, else from b's.
  const cosine = (a: string, b: string) =>
    `COALESCE(avg((grad_cosine ->> ${literal(b)})::float8) FILTER (WHERE task = ${literal(a)}), avg((grad_cosine ->> ${literal(a)})::float8) FILTER (WHERE task = ${literal(b)})) AS "${a} × ${b}"`;
  return trainingTrend(
    'Gradient cosine between tasks ($version)',
    'Cosine of the tasks’ gradients on the shared encoder at the sampled training steps of the shared model: negative means the tasks pull the shared weights apart (conflict).',
    taskPairs().map(([a, b]) => cosine(a, b)),
  )
    .min(-1)
    .max(1);
}

function trainingLoss(): trend.PanelBuilder {
  return trainingTrend(
    'Training loss per task ($version)',
    'Loss of each task at the sampled training steps of the shared model.',
    TASK_NAMES.map((t) => `avg(loss) FILTER (WHERE task = ${literal(t)}) AS ${t}`),
  );
}

function ingestRate(): timeseries.PanelBuilder {
  const sql = `SELECT $__timeGroupAlias(r.time, $__interval), s.domain AS metric, (count(*) * 1000.0 / $__interval_ms)::float8 AS readings_per_second
FROM readings r
JOIN series s ON s.id = r.series_id
WHERE $__timeFilter(r.time)
GROUP BY 1, 2
ORDER BY 1`;
  return new timeseries.PanelBuilder()
    .title('Readings stored per second, by domain')
    .description('Readings per second of reading time (a live stream: the ingest rate; a replay shows the rate of the replayed period).')
    .withTarget(series(sql))
    .unit('reqps')
    .min(0)
    .lineWidth(1)
    .legend(legend())
    .tooltip(multiTooltip())
    .span(12)
    .height(8);
}

function deadLetterRate(): timeseries.PanelBuilder {
  // A message refused by ingest and the predictor alike is a dead letter of each app: one series per (app, reason).
  const sql = `SELECT $__timeGroupAlias(received_at, $__interval), app || ': ' || reason AS metric, count(*)::float8 AS dead_letters
FROM dead_letters
WHERE $__timeFilter(received_at)
GROUP BY 1, 2
ORDER BY 1`;
  return new timeseries.PanelBuilder()
    .title('Dead letters by app and reason')
    .withTarget(series(sql))
    .drawStyle(common.GraphDrawStyle.Bars)
    .fillOpacity(80)
    .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal).group('A'))
    .min(0)
    .legend(legend())
    .tooltip(multiTooltip())
    .span(12)
    .height(8);
}

function deadLetterTable(): table.PanelBuilder {
  const sql = `SELECT app AS "App", reason AS "Reason", source AS "Source", count(*) AS "Count", max(received_at) AS "Last",
  (array_agg(detail ORDER BY received_at DESC))[1] AS "Latest detail"
FROM dead_letters
WHERE $__timeFilter(received_at)
GROUP BY app, reason, source
ORDER BY 3 DESC, 1`;
  return new table.PanelBuilder()
    .title('Dead letters (time range)')
    .withTarget(tableQuery(sql))
    .withTransformation(organize(['App', 'Reason', 'Source', 'Count', 'Last', 'Latest detail']))
    .span(24)
    .height(6);
}

/** Model health: serving state, live error, versions and the guard, training dynamics, ingest and dead letters. */
export function modelHealthDashboard(): Dashboard {
  let builder = headstreamDashboard(
    MODEL_HEALTH_UID,
    'Headstream — Model health',
    'Is the served model still right? Live error per task against validation, versions and guard decisions, gradient conflict in training, ingest and dead letters.',
    { from: 'now-24h', to: 'now' },
  )
    .withVariable(queryVariable('version', 'Training of version', 'SELECT version FROM model_versions ORDER BY active DESC, created_at DESC, version DESC', { multi: false }))
    .withRow(new RowBuilder('Serving'));
  for (const panel of servingStats()) builder = builder.withPanel(panel);
  builder = builder.withRow(new RowBuilder('Live error (predictions against the readings they predicted)')).withPanel(liveVsValidation());
  for (const task of REGRESSION_TASKS) builder = builder.withPanel(regressionError(task));
  builder = builder
    .withPanel(faultError())
    .withRow(new RowBuilder('Model versions'))
    .withPanel(versionsTable())
    .withPanel(taskChangeByVersion())
    .withPanel(promotions())
    .withRow(new RowBuilder('Training of $version'))
    .withPanel(gradientCosine())
    .withPanel(trainingLoss())
    .withRow(new RowBuilder('Ingest'))
    .withPanel(ingestRate())
    .withPanel(deadLetterRate())
    .withPanel(deadLetterTable());
  return finish(builder);
}
