import { TASKS, taskModule, type TaskName } from '@headstream/tasks';
import * as common from '@grafana/grafana-foundation-sdk/common';
import { MappingType, RowBuilder, type Dashboard, type ValueMapping } from '@grafana/grafana-foundation-sdk/dashboard';
import * as stateTimeline from '@grafana/grafana-foundation-sdk/statetimeline';
import * as table from '@grafana/grafana-foundation-sdk/table';
import * as timeseries from '@grafana/grafana-foundation-sdk/timeseries';
import { series, table as tableQuery } from '../datasource.js';
import { forecastErrorTable, forecastPanel, forecastReachHours } from '../forecast.js';
import { finish, headstreamDashboard, legend, multiTooltip, organize, queryVariable } from '../panels.js';
import { activeSeries, CLASSIFICATION_TASK, classArray, faultClasses, literal, REGRESSION_TASKS, taskTarget } from '../sql.js';

export const FACTORY_UID = 'headstream-factory';

/** The dashboard variable of the machines: the classification task's (its module's dashboard hints). */
const MACHINE = taskModule(CLASSIFICATION_TASK).dashboard.sites;
const sitesIn = (variable: string) => `\${${variable}:sqlstring}`;
const MACHINES = sitesIn(MACHINE.variable);
// Class 0 is normal; faults get warm colours in class order.
const FAULT_COLOURS = ['orange', 'red', 'purple', 'yellow', 'dark-red', 'dark-orange'];

/** Colour per fault class, so both timelines and the probabilities agree. */
function classColour(index: number): string {
  return index === 0 ? 'green' : (FAULT_COLOURS[(index - 1) % FAULT_COLOURS.length] as string);
}

function stateMappings(): ValueMapping[] {
  const options = Object.fromEntries(faultClasses().map((c, i) => [c, { color: classColour(i), index: i }]));
  return [{ type: MappingType.ValueToText, options }];
}

/** Sites carrying the active version's metric for `task`, UNION sites with its predictions in the time range. */
function sitesOf(task: TaskName): string {
  const s = activeSeries(taskTarget(task));
  return `SELECT site FROM series WHERE domain = ${s.domain} AND metric = ${s.metric}
UNION
SELECT DISTINCT site FROM predictions WHERE task = ${literal(task)} AND $__timeFilter(issued_at)
ORDER BY 1`;
}

/**
 * A state timeline of one text state per machine: the SQL returns (time, site, state) rows, split
 * into one row of the timeline per site.
 */
function machineTimeline(title: string, description: string, sql: string): stateTimeline.PanelBuilder {
  return new stateTimeline.PanelBuilder()
    .title(title)
    .description(description)
    .withTarget(tableQuery(sql))
    .withTransformation({ id: 'partitionByValues', options: { fields: ['site'], keepFields: false, naming: { asLabels: true } } })
    .displayName('${__field.labels.site}')
    .mappings(stateMappings())
    .showValue(common.VisibilityMode.Auto)
    .mergeValues(true)
    .rowHeight(0.8)
    .fillOpacity(80)
    .lineWidth(0)
    .legend(legend())
    .span(24)
    .height(8);
}

/** The class most often predicted per machine and interval. */
function predictedStates(): string {
  return `SELECT $__timeGroupAlias(target_time, $__interval), site, mode() WITHIN GROUP (ORDER BY label) AS state
FROM predictions
WHERE task = ${literal(CLASSIFICATION_TASK)} AND site IN (${MACHINES}) AND $__timeFilter(target_time)
GROUP BY 1, 2
ORDER BY 1`;
}

/** The recorded class (label readings) most often seen per machine and interval. */
function recordedStates(): string {
  const s = activeSeries(taskTarget(CLASSIFICATION_TASK));
  return `SELECT $__timeGroupAlias(r.time, $__interval), s.site, ${classArray()}[(mode() WITHIN GROUP (ORDER BY r.value))::int + 1] AS state
FROM readings r
JOIN series s ON s.id = r.series_id
WHERE s.domain = ${s.domain} AND s.metric = ${s.metric} AND s.site IN (${MACHINES}) AND $__timeFilter(r.time)
GROUP BY 1, 2
ORDER BY 1`;
}

function machinesNow(): table.PanelBuilder {
  const sql = `SELECT DISTINCT ON (site) site AS "Machine", label AS "State", (probabilities ->> label)::float8 AS "Probability",
  anomaly_score AS "Anomaly score", target_time AS "At", model_version AS "Model version"
FROM predictions
WHERE task = ${literal(CLASSIFICATION_TASK)} AND site IN (${MACHINES}) AND $__timeFilter(target_time)
ORDER BY site, target_time DESC, issued_at DESC`;
  return new table.PanelBuilder()
    .title('Machines now (latest prediction in the time range)')
    .withTarget(tableQuery(sql))
    .withTransformation(organize(['Machine', 'State', 'Probability', 'Anomaly score', 'At', 'Model version']))
    .overrideByName('State', [
      { id: 'mappings', value: stateMappings() },
      { id: 'custom.cellOptions', value: { type: 'color-background' } },
    ])
    .overrideByName('Probability', [{ id: 'unit', value: 'percentunit' }])
    .overrideByName('Anomaly score', [{ id: 'decimals', value: 2 }])
    .span(12)
    .height(8);
}

function anomalyScores(): timeseries.PanelBuilder {
  const sql = `SELECT $__timeGroupAlias(target_time, $__interval), site AS metric, avg(anomaly_score) AS anomaly_score
FROM predictions
WHERE task = ${literal(CLASSIFICATION_TASK)} AND site IN (${MACHINES}) AND anomaly_score IS NOT NULL AND $__timeFilter(target_time)
GROUP BY 1, 2
ORDER BY 1`;
  return new timeseries.PanelBuilder()
    .title('Anomaly score by machine')
    .description('Mean anomaly score of the fault model per interval (0 = like the machine’s normal runs, 1 = unlike them).')
    .withTarget(series(sql))
    .min(0)
    .max(1)
    .lineWidth(1)
    .legend(legend())
    .tooltip(multiTooltip())
    .span(12)
    .height(8);
}

/** Predicted class probabilities of one machine, stacked (they sum to 1). */
function faultProbabilities(): timeseries.PanelBuilder {
  const columns = faultClasses().map((c) => `avg((probabilities ->> ${literal(c)})::float8) AS ${JSON.stringify(c)}`);
  const sql = `SELECT $__timeGroupAlias(target_time, $__interval), ${columns.join(', ')}
FROM predictions
WHERE task = ${literal(CLASSIFICATION_TASK)} AND site IN (${MACHINES}) AND $__timeFilter(target_time)
GROUP BY 1
ORDER BY 1`;
  let panel = new timeseries.PanelBuilder()
    .title(`Fault probabilities — $${MACHINE.variable}`)
    .description('Mean predicted probability of each class per interval.')
    .withTarget(series(sql))
    .repeat(MACHINE.variable)
    .repeatDirection('h')
    .maxPerRow(3)
    .unit('percentunit')
    .min(0)
    .max(1)
    .fillOpacity(35)
    .lineWidth(1)
    .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal).group('A'))
    .legend(legend())
    .tooltip(multiTooltip())
    .span(8)
    .height(8);
  faultClasses().forEach((c, i) => {
    panel = panel.overrideByName(c, [{ id: 'color', value: { mode: 'fixed', fixedColor: classColour(i) } }]);
  });
  return panel;
}

/** A factory regression task's row: its forecast error by site and one forecast panel per selected site (from its dashboard hints). */
function regressionRow(builder: ReturnType<typeof headstreamDashboard>, task: TaskName): ReturnType<typeof headstreamDashboard> {
  const definition = TASKS[task];
  const horizon = definition.kind === 'regression' ? (definition.horizons[0] ?? 1) : 1;
  const hints = taskModule(task).dashboard;
  const sites = sitesIn(hints.sites.variable);
  return builder
    .withRow(new RowBuilder(hints.title))
    .withPanel(forecastErrorTable([task], `${hints.title} forecast error by ${hints.sites.label.toLowerCase()} (time range)`, () => `p.site IN (${sites}) AND p.horizon = ${horizon} AND $__timeFilter(p.target_time)`))
    .withPanel(forecastPanel(task, { title: `${hints.title} — $${hints.sites.variable}`, siteVariable: hints.sites.variable, repeat: true, horizon: { steps: horizon }, color: hints.color }));
}

/** Factory: machine states (predicted and recorded), fault probabilities and anomaly, and each factory regression task's forecasts. */
export function factoryDashboard(): Dashboard {
  const regression = REGRESSION_TASKS.filter((t) => TASKS[t].domain === 'factory');
  let builder = headstreamDashboard(
    FACTORY_UID,
    'Headstream — Factory',
    'Machine states and faults as the fault model sees them, and line throughput against its forecast.',
    // Past now by the farthest factory forecast: the latest forecast is drawn ahead of the readings.
    { from: 'now-6h', to: `now+${forecastReachHours(regression)}h` },
  ).withVariable(queryVariable(MACHINE.variable, MACHINE.label, sitesOf(CLASSIFICATION_TASK), { all: true }));
  // One variable per name: tasks whose hints name the same variable share it (its sites: the first task's).
  const variables = new Set([MACHINE.variable]);
  for (const t of regression) {
    const v = taskModule(t).dashboard.sites;
    if (variables.has(v.variable)) continue;
    variables.add(v.variable);
    builder = builder.withVariable(queryVariable(v.variable, v.label, sitesOf(t), { all: true }));
  }
  builder = builder
    .withRow(new RowBuilder('Machines'))
    .withPanel(machineTimeline('Predicted machine state', 'The class the fault model predicted most often per machine and interval.', predictedStates()))
    .withPanel(
      machineTimeline(
        'Recorded machine state',
        'The recorded class (the fault label readings, where a machine reports them: simulators and replays) most often seen per interval.',
        recordedStates(),
      ).height(6),
    )
    .withPanel(machinesNow())
    .withPanel(anomalyScores())
    // Collapsed: one panel per selected machine, drawn only when opened.
    .withRow(new RowBuilder('Fault probabilities per machine').collapsed(true).withPanel(faultProbabilities()));
  for (const t of regression) builder = regressionRow(builder, t);
  return finish(builder);
}
