import { readFileSync } from 'node:fs';
import { insertDeadLetters, migrate, ReadingWriter, type ReadingBatchItem } from '@headstream/store';
import { databaseTargets, describeEachTarget, type TestDatabase } from '@headstream/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALERTING_FILE, renderAlerts } from '../src/index.js';
import { CLASSIFICATION_TASK, faultClasses, literal, predictionActuals, REGRESSION_TASKS, scoredFault, scoredRegression, taskTarget } from '../src/sql.js';

/**
 * Two things the database defines once and every reader shares, on one seeded database per engine:
 *
 * - The actual of a prediction (issue #24). A bucket is labelled by its end, so the actual of a
 *   prediction for target time T is the mean of its series' readings in [T - step, T), as training,
 *   serving and the live view build it. Each step of site s1 holds one reading whose value is the
 *   step's index: the prediction for the end of step k must be scored against k, never against k + 1.
 * - The alert rules as committed (infra/grafana/provisioning/alerting), each query run as Grafana
 *   runs it (A), its condition (B: `$A > threshold`) applied to every row: each rule fires for what
 *   it watches and stays quiet for the rest (times relative to now; the actuals' data is from January
 *   2026, outside every rule's window).
 */

interface RuleJson {
  uid: string;
  title: string;
  condition: string;
  data: { refId: string; model: { rawSql?: string; expression?: string; format?: string } }[];
}

const committed = JSON.parse(readFileSync(ALERTING_FILE, 'utf8')) as { groups: { rules: RuleJson[] }[] };
const rules = committed.groups.flatMap((g) => g.rules);
const rule = (uid: string): RuleJson => {
  const found = rules.find((r) => r.uid === uid);
  if (!found) throw new Error(`no rule ${uid} in ${ALERTING_FILE}`);
  return found;
};

describe('alert rules as code', () => {
  it('infra/grafana/provisioning/alerting/headstream.json is what the builders generate', () => {
    expect(readFileSync(ALERTING_FILE, 'utf8') === renderAlerts(), 'stale: run `npm run dashboards` and commit it').toBe(true);
    expect(rules.map((r) => r.uid)).toEqual(['headstream-fault-probability', 'headstream-site-silent', 'headstream-model-vs-persistence', 'headstream-dead-letter-rate']);
    for (const r of rules) {
      expect(r.condition, r.uid).toBe('B');
      expect(r.data.map((d) => d.refId), r.uid).toEqual(['A', 'B']);
      expect(r.data[0]?.model.format, r.uid).toBe('table');
      expect(r.data[1]?.model.expression, r.uid).toMatch(/^\$A > [\d.]+$/);
    }
  });
});

const T0 = Date.parse('2026-01-05T00:00:00Z');
const regression = taskTarget(REGRESSION_TASKS[0] as (typeof REGRESSION_TASKS)[number]);
const classification = taskTarget(CLASSIFICATION_TASK);
const stepMs = (t: { stepSeconds: number }) => t.stepSeconds * 1000;
/** The end of step k (its label). */
const endOf = (t: { stepSeconds: number }, k: number) => T0 + (k + 1) * stepMs(t);

const MINUTE = 60_000;
const traffic = taskTarget(REGRESSION_TASKS[0] as (typeof REGRESSION_TASKS)[number]);
const fault = taskTarget(CLASSIFICATION_TASK);
const step = traffic.stepSeconds * 1000;
const base = Math.floor(Date.now() / step) * step;
/** Alternating readings: persistence (the last step) is always 10 off. */
const level = (t: number) => ((t / step) % 2 === 0 ? 10 : 20);
const iso = (t: number) => new Date(t).toISOString();

describeEachTarget(databaseTargets({ timescale: true }), 'actuals and alert rules on $name', ({ open }) => {
  let db: TestDatabase;

  /** The labels (text columns joined by /) of the rows for which the rule's condition holds. */
  async function firing(uid: string): Promise<string[]> {
    const r = rule(uid);
    const threshold = Number(/^\$A > ([\d.]+)$/.exec(r.data[1]?.model.expression ?? '')?.[1]);
    const { rows } = await db.query<Record<string, unknown>>(r.data[0]?.model.rawSql ?? '');
    return rows
      .filter((row) => typeof row.value === 'number' && row.value > threshold)
      .map((row) => Object.entries(row).filter(([k, v]) => k !== 'value' && typeof v === 'string').map(([, v]) => v).join('/'))
      .sort();
  }

  beforeAll(async () => {
    db = await open(import.meta.filename);
    await migrate(db);
    await seedActuals();
    await seedAlerts();
  });

  async function seedActuals(): Promise<void> {
    const items: ReadingBatchItem[] = [];
    for (let k = 0; k < 10; k++) {
      // Mid-step readings: value k in step k ([T0 + k step, T0 + (k + 1) step)).
      items.push({ domain: regression.domain, site: 's1', time: T0 + k * stepMs(regression) + stepMs(regression) / 2, values: { [regression.source]: k } });
      // Classes alternate per step: the class of step k is k mod 2.
      items.push({ domain: classification.domain, site: 'm1', time: T0 + k * stepMs(classification), values: { [classification.source]: k % 2 } });
    }
    await new ReadingWriter(db).write(items);
    // Issued at the end of step 4 (the model saw steps 0-4), one step ahead: the target is the end of step 5.
    await db.query(
      `INSERT INTO predictions (issued_at, task, site, target_time, horizon, value, lower, upper, model_version)
       VALUES ($1, $2, 's1', $3, 1, 5, 4.5, 5.5, 'v1')`,
      [iso(endOf(regression, 4)), regression.task, iso(endOf(regression, 5))],
    );
    // A label for the end of step 3 (class 1) and for the end of step 6 (class 0).
    const classes = faultClasses();
    await db.query(
      `INSERT INTO predictions (issued_at, task, site, target_time, horizon, label, model_version)
       VALUES ($1, $2, 'm1', $1, 0, $3, 'v1'), ($4, $2, 'm1', $4, 0, $5, 'v1')`,
      [iso(endOf(classification, 3)), classification.task, classes[1], iso(endOf(classification, 6)), classes[0]],
    );
  }

  async function seedAlerts(): Promise<void> {
    const items: ReadingBatchItem[] = [];
    // c-live reports every step up to now; c-dead stopped three hours ago.
    for (let t = base - 36 * step; t <= base - step; t += step) items.push({ domain: traffic.domain, site: 'c-live', time: t, values: { [traffic.source]: level(t) } });
    for (let t = base - 8 * 60 * MINUTE; t <= base - 3 * 60 * MINUTE; t += step) items.push({ domain: traffic.domain, site: 'c-dead', time: t, values: { [traffic.source]: 1 } });
    await new ReadingWriter(db).write(items);
    // One step ahead from the end of each of the last 30 steps, exactly right: the model beats persistence.
    const values: unknown[] = [];
    const tuples: string[] = [];
    for (let k = 2; k <= 31; k++) {
      const issued = base - k * step;
      const b = values.length;
      values.push(iso(issued), iso(issued + step), level(issued));
      tuples.push(`($${b + 1}, '${traffic.task}', 'c-live', $${b + 2}, 1, $${b + 3}, 'v1')`);
    }
    await db.query(`INSERT INTO predictions (issued_at, task, site, target_time, horizon, value, model_version) VALUES ${tuples.join(', ')}`, values);
    // Fault probabilities: m-hot predicts a fault now, m-ok normal now, m-old predicted one half an hour ago.
    const [normal, other] = faultClasses() as [string, string];
    const probs = (p: number) => JSON.stringify({ [normal]: 1 - p, [other]: p });
    await db.query(
      `INSERT INTO predictions (issued_at, task, site, target_time, horizon, label, probabilities, anomaly_score, model_version) VALUES
         ($1, $2, 'm-hot', $1, 0, $3, $4::jsonb, 0.2, 'v1'), ($1, $2, 'm-ok', $1, 0, $5, $6::jsonb, 0.1, 'v1'), ($7, $2, 'm-old', $7, 0, $3, $4::jsonb, 0.9, 'v1')`,
      [iso(Date.now() - MINUTE), fault.task, other, probs(0.9), normal, probs(0.05), iso(Date.now() - 30 * MINUTE)],
    );
    // Dead letters: ingest refused 200 in the last minutes (13/min), the predictor 5.
    const letter = (app: 'ingest' | 'predictor', i: number) => ({ app, source: 'mqtt', topic: `t/${i}`, reason: 'not_json', detail: 'x', payload: Buffer.from('{') });
    await insertDeadLetters(db, [...Array.from({ length: 200 }, (_, i) => letter('ingest', i)), ...Array.from({ length: 5 }, (_, i) => letter('predictor', i))]);
  }

  afterAll(async () => {
    await db?.dispose();
  });

  it('prediction_actuals pairs a forecast with the step it names and persistence with the step it was issued after', async () => {
    const { rows } = await db.query<{ actual: number; persistence: number }>(`SELECT actual, persistence FROM ${predictionActuals(regression)} WHERE p.site = 's1'`);
    expect(rows).toEqual([{ actual: 5, persistence: 4 }]);
  });

  it('the dashboards score a regression forecast against the step ending at its target time (error 0 here)', async () => {
    const { rows } = await db.query<{ value: number; actual: number }>(scoredRegression(regression.task, "p.site = 's1'"));
    expect(rows.map((r) => ({ value: r.value, actual: r.actual }))).toEqual([{ value: 5, actual: 5 }]);
  });

  it('the dashboards score a predicted class against the class of the step ending at its target time', async () => {
    const { rows } = await db.query<{ label: string; actual: string }>(`${scoredFault("p.site = 'm1'")} ORDER BY target_time`);
    expect(rows.map((r) => r.label === r.actual)).toEqual([true, true]);
    expect(rows.map((r) => r.actual)).toEqual([faultClasses()[1], faultClasses()[0]]);
  });

  it('the panels’ filter on p.target_time selects the predictions scored', async () => {
    const none = await db.query(`${scoredRegression(regression.task, `p.site = 's1' AND p.target_time < ${literal(new Date(T0).toISOString())}`)}`);
    expect(none.rows).toEqual([]);
  });

  it('predicted fault or anomaly probability: fires for the site predicting a fault now, not for a normal one or an old prediction', async () => {
    expect(await firing('headstream-fault-probability')).toEqual(['m-hot']);
  });

  it('a site stopped reporting: fires for the site silent for three hours, not for the one reporting', async () => {
    expect(await firing('headstream-site-silent')).toEqual([`${traffic.domain}/c-dead`]);
  });

  it('the served model losing to persistence: quiet while it is better, fires once it is worse', async () => {
    expect(await firing('headstream-model-vs-persistence')).toEqual([]);
    await db.query("UPDATE predictions SET value = value + 100 WHERE task = $1 AND site = 'c-live'", [traffic.task]);
    expect(await firing('headstream-model-vs-persistence')).toEqual([traffic.task]);
  });

  it('dead-letter rate: fires for the app refusing 13 a minute, not for the one refusing a few', async () => {
    expect(await firing('headstream-dead-letter-rate')).toEqual(['ingest']);
  });
});
