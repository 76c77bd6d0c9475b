import { NAME_MAX_LENGTH, NAME_PATTERN } from '@headstream/core';
import { isTaskName, TASK_NAMES, type TaskName } from '@headstream/tasks';
import { readEdgeNodes, type EdgeNodeRow, type EdgeNodesAnswer, type SqlExecutor } from '@headstream/store';
import { classificationSeries, gradCosine, regressionSeries, taskErrors, type ClassificationSeries, type GradCosine, type RegressionSeries, type TaskErrors } from './queries.js';
import { taskView, withSites, type TaskView, type TaskWithSites } from './tasks.js';
import { shownVersion, type ShownVersion } from './version.js';

/**
 * The JSON API the page polls (all GET, all read-only):
 *   /api/overview                                    → Overview
 *   /api/series?task=&site=[&horizon=][&steps=]      → RegressionSeries | ClassificationSeries
 *   /api/errors?task=[&horizon=][&steps=][&window=]  → TaskErrors
 *   /api/grad-cosine[?version=]                      → GradCosine
 *   /api/edge-nodes[?limit=]                         → EdgeNodes (Sparkplug B nodes and devices online/offline)
 * A bad parameter answers 400 with {"error": "<name>: <what was expected>"}.
 */

export interface Overview {
  /** The active version, else the newest; null when no version exists yet. */
  version: ShownVersion | null;
  tasks: TaskWithSites[];
  /** Server clock at the answer, ms. */
  now_ms: number;
}

export type SeriesAnswer = RegressionSeries | ClassificationSeries;

/** Edge nodes and devices as ingest recorded their BIRTHs and DEATHs (edge_nodes), with the server clock. */
export interface EdgeNodes extends EdgeNodesAnswer {
  /** Server clock at the answer, ms ("offline for 5 min"). */
  now_ms: number;
}
export type { EdgeNodeRow };

/** Rows of /api/edge-nodes (the offline ones first when there are more). */
export const DEFAULT_EDGE_NODES = 500;
export const MAX_EDGE_NODES = 5000;
export type { ClassificationSeries, GradCosine, RegressionSeries, TaskErrors, ShownVersion, TaskWithSites, TaskView };

/** A request parameter that cannot be used; the message names it. */
export class BadParameter extends Error {
  override name = 'BadParameter';
}

/** Chart range in task intervals: 240 steps is 20 h of traffic, 10 days hourly, 4 min of the fault task. */
export const DEFAULT_STEPS = 240;
export const MAX_STEPS = 5000;
/** Rolling error window in task intervals. */
export const DEFAULT_WINDOW = 24;
export const MAX_WINDOW = 1000;

const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:+-]{0,127}$/;

function integer(params: URLSearchParams, name: string, fallback: number, min: number, max: number): number {
  const raw = params.get(name);
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) throw new BadParameter(`${name}: expected an integer from ${min} to ${max}, got ${JSON.stringify(raw.slice(0, 40))}`);
  return value;
}

function taskParam(params: URLSearchParams): TaskName {
  const raw = params.get('task');
  if (!isTaskName(raw)) throw new BadParameter(`task: expected one of ${TASK_NAMES.join(', ')}${raw === null ? '' : `, got ${JSON.stringify(raw.slice(0, 40))}`}`);
  return raw;
}

function siteParam(params: URLSearchParams): string {
  const raw = params.get('site');
  if (raw === null || raw.length > NAME_MAX_LENGTH || !NAME_PATTERN.test(raw)) {
    throw new BadParameter(`site: expected a site name of [A-Za-z0-9_.-], at most ${NAME_MAX_LENGTH} characters`);
  }
  return raw;
}

/** The horizon to show: one of the task's (default its first); the fault task's is 0. */
function horizonParam(params: URLSearchParams, view: TaskView, fallback: number | null): number | null {
  const raw = params.get('horizon');
  if (raw === null || raw === '') return fallback;
  const value = Number(raw);
  if (!view.horizons.includes(value)) throw new BadParameter(`horizon: expected one of ${view.horizons.join(', ')} for ${view.task}, got ${JSON.stringify(raw.slice(0, 40))}`);
  return value;
}

/** The task as the shown version binds it. */
async function viewOf(db: SqlExecutor, task: TaskName): Promise<TaskView> {
  const shown = await shownVersion(db);
  return taskView(task, shown?.bindings[task]);
}

export async function overview(db: SqlExecutor): Promise<Overview> {
  const shown = await shownVersion(db);
  const tasks: TaskWithSites[] = [];
  for (const task of TASK_NAMES) tasks.push(await withSites(db, taskView(task, shown?.bindings[task])));
  return { version: shown?.version ?? null, tasks, now_ms: Date.now() };
}

/** Answers an /api/ path, or undefined when there is no such endpoint. Throws BadParameter on bad input. */
export async function answerApi(db: SqlExecutor, path: string, params: URLSearchParams): Promise<unknown> {
  switch (path) {
    case '/api/overview':
      return overview(db);
    case '/api/series': {
      const task = taskParam(params);
      const site = siteParam(params);
      const steps = integer(params, 'steps', DEFAULT_STEPS, 1, MAX_STEPS);
      const view = await viewOf(db, task);
      if (view.kind === 'classification') {
        horizonParam(params, view, 0);
        return classificationSeries(db, view, site, steps);
      }
      return regressionSeries(db, view, site, horizonParam(params, view, view.horizons[0] ?? 1) ?? 1, steps);
    }
    case '/api/errors': {
      const task = taskParam(params);
      const steps = integer(params, 'steps', DEFAULT_STEPS, 1, MAX_STEPS);
      const window = integer(params, 'window', DEFAULT_WINDOW, 1, MAX_WINDOW);
      const view = await viewOf(db, task);
      return taskErrors(db, view, steps, window, horizonParam(params, view, null));
    }
    case '/api/grad-cosine': {
      const raw = params.get('version');
      if (raw !== null && !VERSION_PATTERN.test(raw)) throw new BadParameter('version: expected a model version of 1-128 letters, digits and . _ : + -');
      return gradCosine(db, raw ?? (await shownVersion(db))?.version.version ?? null);
    }
    case '/api/edge-nodes': {
      const limit = integer(params, 'limit', DEFAULT_EDGE_NODES, 1, MAX_EDGE_NODES);
      const answer: EdgeNodes = { ...(await readEdgeNodes(db, limit)), now_ms: Date.now() };
      return answer;
    }
    default:
      return undefined;
  }
}
