import { TASKS } from '@headstream/tasks';
import * as alerting from '@grafana/grafana-foundation-sdk/alerting';
import * as expr from '@grafana/grafana-foundation-sdk/expr';
import { DATASOURCE_UID, table } from './datasource.js';
import { CLASSIFICATION_TASK, faultClasses, indent, literal, predictionActuals, REGRESSION_TASKS, taskTarget } from './sql.js';

/**
 * Grafana alert rules as code (foundation SDK alerting builders), provisioned with the dashboards
 * (infra/grafana/provisioning/alerting). Each rule's query is plain SQL over the store's schema
 * that returns one row per thing watched: text columns become the alert's labels, `value` is
 * compared with the threshold (expression B: `$A > threshold`). The queries use now(), not
 * Grafana macros, so they run as they are in the tests.
 */

const ALERT_FOLDER_UID = 'headstream-alerts';
export const ALERT_GROUP = 'headstream';

export interface AlertDefinition {
  uid: string;
  title: string;
  /** Fires for a row whose `value` is above this. */
  threshold: number;
  sql: string;
  /** How long the condition must hold before the alert fires. */
  for: string;
  summary: string;
}

const normalClass = () => faultClasses()[0] as string;

/** The classification task's newest predictions per site in the last 10 minutes: the highest probability of anything but normal (or anomaly score). */
function faultProbability(): AlertDefinition {
  return {
    uid: 'headstream-fault-probability',
    title: `Predicted ${CLASSIFICATION_TASK} or anomaly probability high`,
    threshold: 0.8,
    for: '2m',
    summary: `A site's predicted probability of a class other than ${normalClass()}, or its anomaly score, is above 0.8 (last 10 minutes).`,
    sql: `SELECT site, max(GREATEST(1 - (probabilities ->> ${literal(normalClass())})::float8, anomaly_score))::float8 AS value
FROM predictions
WHERE task = ${literal(CLASSIFICATION_TASK)} AND horizon = 0 AND target_time > now() - interval '10 minutes'
GROUP BY site`,
  };
}

/** Minutes since each series' last reading, for the sites that reported in the last day. */
function siteSilent(): AlertDefinition {
  return {
    uid: 'headstream-site-silent',
    title: 'A site stopped reporting',
    threshold: 120,
    for: '5m',
    summary: 'A site that reported in the last day has sent no reading for more than 2 hours (hourly metrics included).',
    sql: `SELECT s.domain, s.site, (extract(epoch FROM now() - max(last.time)) / 60)::float8 AS value
FROM series s
CROSS JOIN LATERAL (SELECT max(r.time) AS time FROM readings r WHERE r.series_id = s.id AND r.time > now() - interval '1 day') last
WHERE last.time IS NOT NULL
GROUP BY s.domain, s.site`,
  };
}

/** Per regression task over the last 6 hours: the served model's MAE over persistence's, on the same targets (prediction_actuals). */
function losingToPersistence(): AlertDefinition {
  const perTask = REGRESSION_TASKS.map(
    (task) => `SELECT p.task, p.value, p.actual, p.persistence
FROM ${predictionActuals(taskTarget(task))}
WHERE p.horizon >= 1 AND p.actual IS NOT NULL AND p.persistence IS NOT NULL AND p.target_time > now() - interval '6 hours'`,
  );
  return {
    uid: 'headstream-model-vs-persistence',
    title: 'Served model loses to persistence',
    threshold: 1,
    for: '30m',
    summary: 'Over the last 6 hours (at least 12 scored forecasts), the served model\'s MAE is above persistence\'s on the same targets (ratio > 1).',
    sql: `SELECT task, (avg(abs(value - actual)) / NULLIF(avg(abs(persistence - actual)), 0))::float8 AS value
FROM (
  ${indent(perTask.join('\nUNION ALL\n'), '  ')}
) scored
GROUP BY task
HAVING count(*) >= 12`,
  };
}

/** Dead letters per minute over the last 15 minutes, per app that refused them. */
function deadLetterRate(): AlertDefinition {
  return {
    uid: 'headstream-dead-letter-rate',
    title: 'Dead-letter rate high',
    threshold: 10,
    for: '5m',
    summary: 'More than 10 messages a minute are refused (dead-lettered) by an app, over the last 15 minutes.',
    sql: `SELECT app, (count(*) / 15.0)::float8 AS value
FROM dead_letters
WHERE received_at > now() - interval '15 minutes'
GROUP BY app`,
  };
}

export function alertDefinitions(): AlertDefinition[] {
  // The tasks the rules watch come from the catalogue by kind; none is named here.
  if (TASKS[CLASSIFICATION_TASK].kind !== 'classification') throw new Error('no classification task');
  return [faultProbability(), siteSilent(), losingToPersistence(), deadLetterRate()];
}

/** One rule: A the SQL (table format), B `$A > threshold`, the condition. */
export function alertRule(definition: AlertDefinition): alerting.RuleBuilder {
  return new alerting.RuleBuilder(definition.title)
    .uid(definition.uid)
    .folderUID(ALERT_FOLDER_UID)
    .ruleGroup(ALERT_GROUP)
    .orgID(1)
    .withQuery(new alerting.QueryBuilder('A').datasourceUid(DATASOURCE_UID).relativeTimeRange({ from: 600, to: 0 }).model(table(definition.sql, 'A')))
    .withQuery(
      new alerting.QueryBuilder('B')
        .datasourceUid('__expr__')
        .model(new expr.TypeMathBuilder().refId('B').expression(`$A > ${definition.threshold}`).datasource({ type: '__expr__', uid: '__expr__' })),
    )
    .condition('B')
    .forDuration(definition.for)
    .noDataState('OK')
    .execErrState('Error')
    .labels({ team: 'headstream' })
    .annotations({ summary: definition.summary });
}

/** The provisioning file Grafana reads (infra/grafana/provisioning/alerting/headstream.json). */
export function alertProvisioning(): Record<string, unknown> {
  const rules = alertDefinitions().map((d) => {
    const rule = alertRule(d).build();
    return {
      uid: rule.uid,
      title: rule.title,
      condition: rule.condition,
      data: rule.data,
      for: rule.for,
      noDataState: rule.noDataState,
      execErrState: rule.execErrState,
      labels: rule.labels,
      annotations: rule.annotations,
    };
  });
  return { apiVersion: 1, groups: [{ orgId: 1, name: ALERT_GROUP, folder: 'Headstream', interval: '1m', rules }] };
}
