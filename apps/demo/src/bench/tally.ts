import type { TaskName } from '@headstream/tasks';
import { median } from '../oracle.js';
import type { LiveScore, TaskSummary } from '../summary.js';

/** One demo run of bench:demo-live: each task's live score, and what the training chose to serve and its validation score. */
export interface LiveRun {
  seed: number;
  clock: string;
  wall_seconds: number;
  version: string;
  /** The TensorFlow.js backend training measured fastest and used (wasm, tensorflow…): a different one trains a different model. */
  backend: string;
  tasks: Partial<
    Record<
      TaskName,
      Pick<LiveScore, 'metric' | 'n' | 'model' | 'persistence' | 'verdict' | 'oracle'> & {
        served_by?: TaskSummary['served_by'];
        validation?: { metric: TaskSummary['metric']; served: number; persistence: number };
      }
    >
  >;
}

/** Per task over the runs: how often the served model's live score was at or below persistence's (lower is better for both metrics), and the verdicts beyond noise. */
export interface LiveTaskTally {
  metric: LiveScore['metric'];
  /** Runs with both scores. */
  runs: number;
  at_or_below: number;
  /** Verdicts of the live view's paired difference (MAE only): better or worse than persistence beyond noise. */
  better: number;
  worse: number;
  /** model / persistence over the runs (null where persistence scored 0). */
  ratio_median: number | null;
  ratio_min: number | null;
  ratio_max: number | null;
  /**
   * Tasks the simulator can forecast itself (cityOracle): in how many runs its own forecast was at or below
   * persistence (the live part was forecastable), its ratio's median, and in how many of those runs the
   * served model was at or below persistence too.
   */
  oracle?: { runs: number; at_or_below: number; ratio_median: number | null; model_at_or_below: number };
}

export function liveTally(runs: readonly LiveRun[]): Partial<Record<TaskName, LiveTaskTally>> {
  const out: Partial<Record<TaskName, LiveTaskTally>> = {};
  const ratios = new Map<TaskName, number[]>();
  for (const run of runs) {
    for (const [task, score] of Object.entries(run.tasks) as [TaskName, NonNullable<LiveRun['tasks'][TaskName]>][]) {
      if (score.model === null || score.persistence === null) continue;
      const t = (out[task] ??= { metric: score.metric, runs: 0, at_or_below: 0, better: 0, worse: 0, ratio_median: null, ratio_min: null, ratio_max: null });
      t.runs++;
      if (score.model <= score.persistence) t.at_or_below++;
      if (score.verdict === 'better') t.better++;
      if (score.verdict === 'worse') t.worse++;
      if (score.persistence > 0) ratios.set(task, [...(ratios.get(task) ?? []), score.model / score.persistence]);
    }
  }
  for (const [task, t] of Object.entries(out) as [TaskName, LiveTaskTally][]) {
    const scored = runs.flatMap((run) => {
      const score = run.tasks[task];
      return score?.oracle && Number.isFinite(score.oracle.oracle) && score.model !== null && score.persistence !== null ? [{ oracle: score.oracle, modelAtOrBelow: score.model <= score.persistence }] : [];
    });
    if (scored.length) {
      const forecastable = scored.filter((s) => s.oracle.oracle <= s.oracle.persistence);
      t.oracle = {
        runs: scored.length,
        at_or_below: forecastable.length,
        ratio_median: median(scored.flatMap((s) => (s.oracle.persistence > 0 ? [s.oracle.oracle / s.oracle.persistence] : []))),
        model_at_or_below: forecastable.filter((s) => s.modelAtOrBelow).length,
      };
    }
    const r = ratios.get(task) ?? [];
    t.ratio_median = median(r);
    t.ratio_min = r.length ? Math.min(...r) : null;
    t.ratio_max = r.length ? Math.max(...r) : null;
  }
  return out;
}
