import { type Logger } from '@headstream/core';
import { TASKS, TASK_NAMES, type TaskName } from '@headstream/tasks';
import { answerApi, MAX_STEPS, startLiveView, type LiveView, type TaskErrors } from '@headstream/live-view';
import type { SqlClient } from '@headstream/store';
import type { LiveScore } from './summary.js';

export type { LiveView };

/** The live view of --serve: a page on 127.0.0.1 with actuals, predictions and training telemetry, read from the run's database. */
export function openLiveView(options: { db: SqlClient; port: number; log: Logger }): Promise<LiveView> {
  return startLiveView({ db: options.db, host: '127.0.0.1', port: options.port, log: options.log });
}

/**
 * The live view's own scores (GET /api/errors, every site and horizon) of the predictions whose targets lie in
 * the last `spanMs` up to each task's newest actual: what the page shows, on data the model did not train on.
 */
export async function liveScores(db: SqlClient, spanMs: number): Promise<Partial<Record<TaskName, LiveScore>>> {
  const out: Partial<Record<TaskName, LiveScore>> = {};
  for (const task of TASK_NAMES) {
    // A replay's data sets lie years apart: the span is then capped at the API's limit (a fresh database holds only this run's predictions).
    const steps = Math.min(MAX_STEPS, Math.max(1, Math.ceil(spanMs / TASKS[task].intervalMs)));
    const errors = (await answerApi(db, '/api/errors', new URLSearchParams({ task, steps: String(steps) }))) as TaskErrors;
    if (errors.summary.n === 0) continue;
    out[task] =
      errors.metric === 'mae'
        ? { metric: 'MAE', ...errors.summary }
        : { metric: 'error rate', n: errors.summary.n, model: errors.summary.model.error_rate, persistence: errors.summary.baseline.error_rate };
  }
  return out;
}
