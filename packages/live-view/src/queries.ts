import { TASK_NAMES, type TaskName } from '@headstream/tasks';
import type { SqlExecutor } from '@headstream/store';
import { classificationScores, regressionScores, type ClassificationScores, type ClassPair, type RegressionPair, type RegressionScores } from './scores.js';
import { actualsOf, type TaskView } from './tasks.js';

/**
 * The reads behind the JSON API. Times travel as epoch milliseconds (float8), never as timestamptz
 * values, which pg and PGlite parse differently. An actual at time T is the mean of the readings in
 * the bucket [T - interval, T): the buckets training and serving build (features' SiteWindowBuffer),
 * labelled by their end, which is what a prediction's target_time names (target = issue + h × interval).
 */

/** The end of the bucket holding r.time, for an interval of $n ms. */
const bucketEnd = (n: number) =>
  `date_bin(make_interval(secs => $${n}::float8 / 1000), r.time, timestamptz '1970-01-01 00:00:00+00') + make_interval(secs => $${n}::float8 / 1000)`;
const at = (n: number) => `to_timestamp($${n}::float8 / 1000)`;

/** The end of the bucket holding `ms`. */
const bucketEndOf = (ms: number, interval: number) => Math.floor(ms / interval) * interval + interval;

const finiteOrNull = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

interface TimedRow {
  t: number;
}

/** Aligns rows of several queries on their times: one entry per distinct time, ascending. */
function alignTimes(...lists: readonly (readonly TimedRow[])[]): { time: number[]; index: Map<number, number> } {
  const time = [...new Set(lists.flatMap((rows) => rows.map((r) => r.t)))].sort((a, b) => a - b);
  return { time, index: new Map(time.map((t, i) => [t, i])) };
}

function column<R extends TimedRow>(rows: readonly R[], index: Map<number, number>, length: number, pick: (row: R) => number | null): (number | null)[] {
  const out = new Array<number | null>(length).fill(null);
  for (const row of rows) {
    const i = index.get(row.t);
    if (i !== undefined) out[i] = pick(row);
  }
  return out;
}

/** The latest reading time of one site's series of `metric`, and the series' id (undefined: no such series). */
async function siteSeries(db: SqlExecutor, view: TaskView, site: string): Promise<{ id: number; latest: number | null } | undefined> {
  const { rows } = await db.query<{ id: number; latest: number | null }>(
    `SELECT s.id, (SELECT (extract(epoch FROM max(r.time)) * 1000)::float8 FROM readings r WHERE r.series_id = s.id) AS latest
     FROM series s WHERE s.domain = $1 AND s.site = $2 AND s.metric = $3`,
    [view.domain, site, view.metric],
  );
  return rows[0];
}

/** Bucket means of one series with bucket ends in [from, to]. */
async function bucketMeans(db: SqlExecutor, seriesId: number, interval: number, from: number, to: number): Promise<{ t: number; v: number }[]> {
  const { rows } = await db.query<{ t: number; v: number }>(
    `SELECT (extract(epoch FROM ${bucketEnd(2)}) * 1000)::float8 AS t, avg(r.value)::float8 AS v
     FROM readings r WHERE r.series_id = $1 AND r.time >= ${at(3)} AND r.time < ${at(4)}
     GROUP BY 1 ORDER BY 1`,
    [seriesId, interval, from - interval, to],
  );
  return rows;
}

/** The range the site's chart shows: `steps` intervals up to the newer of its last actual and its last forecast. */
async function siteRange(db: SqlExecutor, view: TaskView, site: string, horizon: number, steps: number) {
  const series = await siteSeries(db, view, site);
  const { rows } = await db.query<{ ms: number | null }>(
    'SELECT (extract(epoch FROM max(target_time)) * 1000)::float8 AS ms FROM predictions WHERE task = $1 AND site = $2 AND horizon = $3',
    [view.task, site, horizon],
  );
  const ends = [series?.latest == null ? null : bucketEndOf(series.latest, view.interval_ms), rows[0]?.ms ?? null].filter((v): v is number => v !== null);
  if (ends.length === 0) return { series, range: undefined };
  const to = Math.max(...ends);
  return { series, range: { from: to - steps * view.interval_ms, to } };
}

export interface RegressionSeries {
  task: TaskName;
  site: string;
  kind: 'regression';
  metric: string;
  unit: string | null;
  horizon: number;
  interval_ms: number;
  /** One entry per time (ms, ascending) in every array; null where there is none. */
  points: { time: number[]; actual: (number | null)[]; value: (number | null)[]; lower: (number | null)[]; upper: (number | null)[] };
}

export async function regressionSeries(db: SqlExecutor, view: TaskView, site: string, horizon: number, steps: number): Promise<RegressionSeries> {
  const head = { task: view.task, site, kind: 'regression' as const, metric: view.metric, unit: view.unit, horizon, interval_ms: view.interval_ms };
  const { series, range } = await siteRange(db, view, site, horizon, steps);
  if (!range) return { ...head, points: { time: [], actual: [], value: [], lower: [], upper: [] } };
  const actuals = series ? await bucketMeans(db, series.id, view.interval_ms, range.from, range.to) : [];
  // One forecast per target: the newest issued (a re-issue or a newer version replaces an older one).
  const { rows: forecasts } = await db.query<{ t: number; value: number | null; lower: number | null; upper: number | null }>(
    `SELECT DISTINCT ON (target_time) (extract(epoch FROM target_time) * 1000)::float8 AS t, value, lower, upper
     FROM predictions WHERE task = $1 AND site = $2 AND horizon = $3 AND target_time >= ${at(4)} AND target_time <= ${at(5)}
     ORDER BY target_time, issued_at DESC, model_version DESC`,
    [view.task, site, horizon, range.from, range.to],
  );
  const { time, index } = alignTimes(actuals, forecasts);
  return {
    ...head,
    points: {
      time,
      actual: column(actuals, index, time.length, (r) => finiteOrNull(r.v)),
      value: column(forecasts, index, time.length, (r) => finiteOrNull(r.value)),
      lower: column(forecasts, index, time.length, (r) => finiteOrNull(r.lower)),
      upper: column(forecasts, index, time.length, (r) => finiteOrNull(r.upper)),
    },
  };
}

export interface ClassificationSeries {
  task: TaskName;
  site: string;
  kind: 'classification';
  /** Metric of the labels (class index). */
  metric: string;
  classes: string[];
  interval_ms: number;
  /** One entry per time (ms, ascending) in every array; class indices index `classes`. */
  points: {
    time: number[];
    actual: (number | null)[];
    predicted: (number | null)[];
    /** Class → probability per time. */
    probabilities: Record<string, (number | null)[]>;
    anomaly: (number | null)[];
  };
}

function parseJson(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value);
  } catch {
    return null;
  }
}

/** A bucket's label: the class index its readings hold (rounded mean, as training reads it), or null outside the classes. */
function classIndex(v: number | null, classes: number): number | null {
  if (v === null || !Number.isFinite(v)) return null;
  const k = Math.round(v);
  return k >= 0 && k < classes ? k : null;
}

export async function classificationSeries(db: SqlExecutor, view: TaskView, site: string, steps: number): Promise<ClassificationSeries> {
  const classes = view.classes ?? [];
  const empty = { time: [], actual: [], predicted: [], probabilities: Object.fromEntries(classes.map((c) => [c, []])), anomaly: [] };
  const head = { task: view.task, site, kind: 'classification' as const, metric: view.metric, classes, interval_ms: view.interval_ms };
  const { series, range } = await siteRange(db, view, site, 0, steps);
  if (!range) return { ...head, points: empty };
  const labels = series ? await bucketMeans(db, series.id, view.interval_ms, range.from, range.to) : [];
  const { rows: forecasts } = await db.query<{ t: number; label: string | null; probabilities: unknown; anomaly_score: number | null }>(
    `SELECT DISTINCT ON (target_time) (extract(epoch FROM target_time) * 1000)::float8 AS t, label, probabilities, anomaly_score
     FROM predictions WHERE task = $1 AND site = $2 AND horizon = 0 AND target_time >= ${at(3)} AND target_time <= ${at(4)}
     ORDER BY target_time, issued_at DESC, model_version DESC`,
    [view.task, site, range.from, range.to],
  );
  const { time, index } = alignTimes(labels, forecasts);
  const parsed = forecasts.map((r) => ({ ...r, probabilities: parseJson(r.probabilities) as Record<string, unknown> | null }));
  return {
    ...head,
    points: {
      time,
      actual: column(labels, index, time.length, (r) => classIndex(r.v, classes.length)),
      predicted: column(parsed, index, time.length, (r) => (r.label === null || !classes.includes(r.label) ? null : classes.indexOf(r.label))),
      probabilities: Object.fromEntries(classes.map((c) => [c, column(parsed, index, time.length, (r) => finiteOrNull(r.probabilities?.[c]))])),
      anomaly: column(parsed, index, time.length, (r) => finiteOrNull(r.anomaly_score)),
    },
  };
}

/** The newest bucket end with an actual over all of the task's series (null: no readings). */
async function latestActual(db: SqlExecutor, view: TaskView): Promise<number | null> {
  const { rows } = await db.query<{ ms: number | null }>(
    `SELECT (extract(epoch FROM max((SELECT max(r.time) FROM readings r WHERE r.series_id = s.id))) * 1000)::float8 AS ms
     FROM series s WHERE s.domain = $1 AND s.metric = $2`,
    [view.domain, view.metric],
  );
  const ms = rows[0]?.ms ?? null;
  return ms === null ? null : bucketEndOf(ms, view.interval_ms);
}

/**
 * The newest forecast of each (site, target, horizon) with its target in (from, to], with its actual and
 * persistence as the database defines them (prediction_actuals, migration 8: the step ending at the
 * target, and the step ending at the issue time) under the binding of the version that made it.
 * $1 task, $2/$3 the catalogue's domain and source metric, $4 the step in ms.
 *
 * A target has an actual once its step is over (migration 10: its series holds a reading at or after the
 * target time, as the predictor completes a step), so the newest step, which may still be filling, is not
 * scored: the same rule for the live view, the dashboards and the alert rules.
 */
const SCORED = `FROM prediction_actuals($1, $2, $3, make_interval(secs => $4::float8 / 1000)) p`;

const REGRESSION_FORECASTS_SQL = `SELECT DISTINCT ON (site, target_time, horizon) site, (extract(epoch FROM target_time) * 1000)::float8 AS target,
    value::float8 AS value, actual::float8 AS actual, persistence::float8 AS persistence
  ${SCORED}
  WHERE horizon > 0 AND value IS NOT NULL AND ($7::int IS NULL OR horizon = $7::int)
    AND target_time > ${at(5)} AND target_time <= ${at(6)}
  ORDER BY site, target_time, horizon, issued_at DESC, model_version DESC`;

const CLASS_FORECASTS_SQL = `SELECT DISTINCT ON (site, target_time) site, (extract(epoch FROM target_time) * 1000)::float8 AS target, label, actual::float8 AS actual
  ${SCORED}
  WHERE horizon = 0 AND label IS NOT NULL AND target_time > ${at(5)} AND target_time <= ${at(6)}
  ORDER BY site, target_time, issued_at DESC, model_version DESC`;

/** prediction_actuals' first four arguments for a task: the catalogue's names (a version's binding overrides them per prediction). */
function scoredArgs(view: TaskView): unknown[] {
  const catalogue = actualsOf(view.task, undefined);
  return [view.task, catalogue.domain, catalogue.metric, view.interval_ms];
}

const byTime = (a: { time: number }, b: { time: number }) => a.time - b.time;

export type TaskErrors = { task: TaskName; window_steps: number; interval_ms: number; horizon: number | null } & (RegressionScores | ClassificationScores);

/**
 * Rolling scores of the task's served predictions (every site; every horizon unless one is given) with
 * targets in the last `steps` intervals up to the newest actual whose step is over, each over the preceding
 * `window` steps.
 */
export async function taskErrors(db: SqlExecutor, view: TaskView, steps: number, window: number, horizon: number | null): Promise<TaskErrors> {
  const interval = view.interval_ms;
  const head = { task: view.task, window_steps: window, interval_ms: interval, horizon };
  const to = await latestActual(db, view);
  const from = to === null ? 0 : to - steps * interval;
  if (view.kind === 'regression') {
    if (to === null) return { ...head, ...regressionScores([], window * interval) };
    const { rows } = await db.query<{ site: string; target: number; value: number; actual: number | null; persistence: number | null }>(REGRESSION_FORECASTS_SQL, [
      ...scoredArgs(view),
      from,
      to,
      horizon,
    ]);
    const pairs: RegressionPair[] = [];
    for (const r of rows) {
      if (r.actual !== null && r.persistence !== null) pairs.push({ time: r.target, value: r.value, actual: r.actual, persistence: r.persistence });
    }
    return { ...head, ...regressionScores(pairs.sort(byTime), window * interval, { intervalMs: interval, maxHorizon: horizon ?? Math.max(1, ...view.horizons) }) };
  }
  const classes = view.classes ?? [];
  if (to === null) return { ...head, ...classificationScores([], classes.length, window * interval) };
  const { rows } = await db.query<{ site: string; target: number; label: string; actual: number | null }>(CLASS_FORECASTS_SQL, [...scoredArgs(view), from, to]);
  const pairs: ClassPair[] = [];
  for (const r of rows) {
    const actual = classIndex(r.actual, classes.length);
    const predicted = classes.indexOf(r.label);
    if (actual !== null && predicted >= 0) pairs.push({ time: r.target, actual, predicted });
  }
  return { ...head, ...classificationScores(pairs.sort(byTime), classes.length, window * interval) };
}

export interface GradCosine {
  version: string | null;
  model: 'shared';
  /** What `points.x` counts: global training steps (sampled), or epochs when only epoch means exist. */
  kind: 'step' | 'epoch' | null;
  points: {
    x: number[];
    /** One per pair of tasks (in the shared model's task order): cosine of their gradients on the shared encoder. */
    pairs: { tasks: [TaskName, TaskName]; cosine: (number | null)[] }[];
  };
}

/** At most this many x values per answer (evenly thinned, the newest kept): a long training logs many steps. */
const MAX_COSINE_POINTS = 1000;

const COSINE_SQL = `WITH xs AS (
    SELECT DISTINCT CASE WHEN $3 = 'step' THEN step ELSE epoch END AS x FROM training_metrics
    WHERE model_version = $1 AND model = $2 AND kind = $3 AND grad_cosine IS NOT NULL
  ),
  kept AS (
    SELECT x FROM (SELECT x, row_number() OVER (ORDER BY x DESC) - 1 AS k, count(*) OVER () AS n FROM xs) q
    WHERE k % GREATEST(1, ceil(n / ${MAX_COSINE_POINTS}.0))::int = 0
  )
  SELECT CASE WHEN $3 = 'step' THEN m.step ELSE m.epoch END AS x, m.task, m.grad_cosine
  FROM training_metrics m JOIN kept ON kept.x = CASE WHEN $3 = 'step' THEN m.step ELSE m.epoch END
  WHERE m.model_version = $1 AND m.model = $2 AND m.kind = $3 AND m.grad_cosine IS NOT NULL
  ORDER BY 1, 2`;

const taskRank = (t: string) => (TASK_NAMES as readonly string[]).indexOf(t);

/** The shared model's gradient cosines between tasks over training, from training_metrics of `version`. */
export async function gradCosine(db: SqlExecutor, version: string | null): Promise<GradCosine> {
  const empty: GradCosine = { version, model: 'shared', kind: null, points: { x: [], pairs: [] } };
  if (version === null) return empty;
  for (const kind of ['step', 'epoch'] as const) {
    const { rows } = await db.query<{ x: number; task: string; grad_cosine: unknown }>(COSINE_SQL, [version, 'shared', kind]);
    if (rows.length === 0) continue;
    const x = [...new Set(rows.map((r) => r.x))].sort((a, b) => a - b);
    const at = new Map(x.map((v, i) => [v, i]));
    const pairs = new Map<string, { tasks: [TaskName, TaskName]; cosine: (number | null)[] }>();
    for (const row of rows) {
      const cosines = parseJson(row.grad_cosine) as Record<string, unknown> | null;
      for (const [other, value] of Object.entries(cosines ?? {})) {
        // Each task's row holds its cosine with every other task: keep each unordered pair once.
        if (taskRank(row.task) < 0 || taskRank(other) < 0 || taskRank(row.task) === taskRank(other)) continue;
        const tasks = (taskRank(row.task) < taskRank(other) ? [row.task, other] : [other, row.task]) as [TaskName, TaskName];
        const key = tasks.join('~');
        let pair = pairs.get(key);
        if (!pair) pairs.set(key, (pair = { tasks, cosine: new Array<number | null>(x.length).fill(null) }));
        const i = at.get(row.x) as number;
        pair.cosine[i] ??= finiteOrNull(value);
      }
    }
    const ordered = [...pairs.values()].sort((a, b) => taskRank(a.tasks[0]) - taskRank(b.tasks[0]) || taskRank(a.tasks[1]) - taskRank(b.tasks[1]));
    return { version, model: 'shared', kind, points: { x, pairs: ordered } };
  }
  return empty;
}
