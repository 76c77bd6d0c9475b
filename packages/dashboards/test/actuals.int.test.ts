import { migrate, ReadingWriter, type ReadingBatchItem } from '@headstream/store';
import { databaseTargets, describeEachTarget, type TestDatabase } from '@headstream/testkit';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { faultClasses, literal, predictionActuals, REGRESSION_TASKS, scoredFault, scoredRegression, taskTarget, CLASSIFICATION_TASK } from '../src/sql.js';

/**
 * One definition of "actual" (issue #24): a bucket is labelled by its end, so the actual of a
 * prediction for target time T is the mean of its series' readings in [T - step, T), as training,
 * serving and the live view build it. Each step here holds one reading whose value is the step's
 * index: the prediction for the end of step k must be scored against k, never against k + 1.
 */

const T0 = Date.parse('2026-01-05T00:00:00Z');
const regression = taskTarget(REGRESSION_TASKS[0] as (typeof REGRESSION_TASKS)[number]);
const classification = taskTarget(CLASSIFICATION_TASK);
const stepMs = (t: { stepSeconds: number }) => t.stepSeconds * 1000;
/** The end of step k (its label). */
const endOf = (t: { stepSeconds: number }, k: number) => T0 + (k + 1) * stepMs(t);

describeEachTarget(databaseTargets({ timescale: true }), 'the actual of a prediction on $name', ({ open }) => {
  let db: TestDatabase;

  beforeAll(async () => {
    db = await open(import.meta.filename);
    await migrate(db);
    const items: ReadingBatchItem[] = [];
    for (let k = 0; k < 10; k++) {
      // Mid-step readings: value k in step k ([T0 + k step, T0 + (k + 1) step)).
      items.push({ domain: regression.domain, site: 's1', time: T0 + k * stepMs(regression) + stepMs(regression) / 2, values: { [regression.source]: k } });
      // Classes alternate per step: the class of step k is k mod 2.
      items.push({ domain: classification.domain, site: 'm1', time: T0 + k * stepMs(classification), values: { [classification.source]: k % 2 } });
    }
    await new ReadingWriter(db).write(items);
    const iso = (ms: number) => new Date(ms).toISOString();
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
  });

  afterAll(async () => {
    await db?.dispose();
  });

  it('prediction_actuals pairs a forecast with the step it names and persistence with the step it was issued after', async () => {
    const { rows } = await db.query<{ actual: number; persistence: number }>(`SELECT actual, persistence FROM ${predictionActuals(regression)}`);
    expect(rows).toEqual([{ actual: 5, persistence: 4 }]);
  });

  it('the dashboards score a regression forecast against the step ending at its target time (error 0 here)', async () => {
    const { rows } = await db.query<{ value: number; actual: number }>(scoredRegression(regression.task as (typeof REGRESSION_TASKS)[number], 'true'));
    expect(rows.map((r) => ({ value: r.value, actual: r.actual }))).toEqual([{ value: 5, actual: 5 }]);
  });

  it('the dashboards score a predicted class against the class of the step ending at its target time', async () => {
    const { rows } = await db.query<{ label: string; actual: string }>(`${scoredFault('true')} ORDER BY target_time`);
    expect(rows.map((r) => r.label === r.actual)).toEqual([true, true]);
    expect(rows.map((r) => r.actual)).toEqual([faultClasses()[1], faultClasses()[0]]);
  });

  it('the panels’ filter on p.target_time selects the predictions scored', async () => {
    const none = await db.query(`${scoredRegression(regression.task as (typeof REGRESSION_TASKS)[number], `p.target_time < ${literal(new Date(T0).toISOString())}`)}`);
    expect(none.rows).toEqual([]);
  });
});
