#!/usr/bin/env node
/**
 * The tree reference on the rolling-origin folds (npm run bench:tree): LightGBM (infra/tree) on the very windows
 * the fold study trains and scores the network on, as a table of lags and covariates (treeTable), over seeds;
 * scored with the project's metrics, next to the network's fold scores from a saved `npm run results` run
 * (docs/results/results.json). The windows are checked to be the same: persistence on them must equal the saved
 * run's to the last digit. Prints human lines, or with --json one JSON object as the last line.
 *
 * Flags: --tasks a,b (default every task), --folds 1,2,3 (default all), --seeds 1,2,3, --results FILE,
 * --datasets-dir DIR, --python PATH (default $HS_TREE_PYTHON, else infra/tree/setup.sh's virtual environment),
 * --keep DIR (write the tables there and keep them), --json.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { headlineMetric, TASK_NAMES, type TaskName } from '@headstream/tasks';
import { settingsFor } from '@headstream/training';
import type { FoldStudy } from '../fold-study.js';
import { taskFolds } from '../folds.js';
import { PROTOCOL_TASKS, TASK_ORDER } from '../protocols.js';
import { headline, type MetricsJSON } from '../scoring.js';
import { loadAllFrames, prepareByInput } from '../splits.js';
import { fitTrees, readOutput, treePython, writeTable, type TreeJob } from '../tree-fit.js';
import { mean, sd } from '../stats.js';
import { noChange, scoreTree, treeLabels, treeTable } from '../tree.js';
import { benchFlags } from './flags.js';

export interface TreeRun {
  task: TaskName;
  fold: number;
  seed: number;
  tree: MetricsJSON;
  persistence: MetricsJSON;
  seconds: number;
  /** Boosting rounds per model (per horizon; fault: one), as early stopping left them. */
  rounds: number[];
  /** The columns with the largest share of the trees' total gain. */
  topGain: { column: string; gain: number }[];
}

export interface Row {
  task: TaskName;
  fold: number;
  tree: number;
  served: number;
  single: number;
  linear: number;
  persistence: number;
  treeSd: number;
  servedSd: number;
  /** Persistence on the bench's windows equals the saved run's (the same windows). */
  sameWindows: boolean;
}

const { fail, ints } = benchFlags('bench:tree');

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        tasks: { type: 'string' },
        folds: { type: 'string' },
        seeds: { type: 'string', default: '1,2,3' },
        results: { type: 'string', default: 'docs/results/results.json' },
        'datasets-dir': { type: 'string' },
        python: { type: 'string' },
        keep: { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
  const tasks = (values.tasks?.split(',').map((t) => t.trim()) ?? [...TASK_ORDER]) as TaskName[];
  const unknown = tasks.filter((t) => !(TASK_NAMES as readonly string[]).includes(t));
  if (unknown.length) fail(`--tasks: unknown task ${unknown.join(', ')} (known: ${TASK_NAMES.join(', ')})`);
  const seeds = ints('seeds', values.seeds) ?? [1];
  const saved = JSON.parse(readFileSync(resolve(values.results), 'utf8')) as { folds: FoldStudy; meta: { generated?: string; mode?: string } };
  const python = treePython(values.python);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const t0 = performance.now();
  // Flags are checked before the folder for the tables exists: fail() exits without the cleanup below.
  const frames = await loadAllFrames(values['datasets-dir'], tasks);
  const plans = Object.fromEntries(tasks.map((t) => [t, taskFolds(t, frames[t])]));
  const k = Math.min(...tasks.map((t) => plans[t]?.length ?? 0));
  const folds = ints('folds', values.folds) ?? Array.from({ length: k }, (_, i) => i + 1);
  if (folds.some((f) => f > k)) fail(`--folds: the tasks have ${k} folds`);
  const root = values.keep ? resolve(values.keep) : mkdtempSync(join(tmpdir(), 'hs-tree-'));
  mkdirSync(root, { recursive: true });
  try {
    const sizes = settingsFor('full').sizes;
    const runs: TreeRun[] = [];
    for (const fold of folds) {
      const splits = prepareByInput(frames, tasks, (t) => {
        const plan = plans[t]?.[fold - 1]?.plan;
        if (!plan) throw new Error(`no fold ${fold} of ${t}`);
        return plan;
      }, sizes);
      const jobs: TreeJob[] = [];
      const tables = new Set<string>();
      for (const t of tasks) {
        const s = splits[t];
        const prefix = `f${fold}-${s.spec.input}`;
        const train = treeTable(s.train, s.spec);
        if (!tables.has(prefix)) {
          tables.add(prefix);
          writeTable(root, `${prefix}-train.x`, train.x);
          writeTable(root, `${prefix}-train.order`, s.train.issueTimes);
          writeTable(root, `${prefix}-validation.x`, treeTable(s.validation, s.spec).x);
        }
        writeTable(root, `f${fold}-${t}-train.y`, treeLabels(s.train, t));
        // Not read by lgbm.py: for studies on the kept tables (--keep).
        writeTable(root, `f${fold}-${t}-validation.y`, treeLabels(s.validation, t));
        const def = PROTOCOL_TASKS[t];
        jobs.push({
          name: `${t} fold ${fold}`,
          kind: def.kind,
          ...(def.kind === 'regression' ? { horizons: def.horizons.length } : { classes: def.classes.length }),
          columns: train.columns.length,
          names: train.columns,
          train: { n: s.train.n, x: `${prefix}-train.x`, order: `${prefix}-train.order`, labels: `f${fold}-${t}-train.y` },
          validation: { n: s.validation.n, x: `${prefix}-validation.x` },
          out: `f${fold}-${t}.out`,
        });
      }
      for (const seed of seeds) {
        const report = fitTrees(python, root, jobs, seed);
        for (const t of tasks) {
          const s = splits[t];
          const tree = scoreTree(s.validation, s.spec, t, readOutput(root, `f${fold}-${t}.out`));
          const persistence = scoreTree(s.validation, s.spec, t, noChange(s.validation, t));
          const job = report.jobs.find((j) => j.name === `${t} fold ${fold}`);
          runs.push({ task: t, fold, seed, tree, persistence, seconds: job?.seconds ?? NaN, rounds: job?.rounds ?? [], topGain: job?.top_gain ?? [] });
          log(`[tree] fold ${fold} seed ${seed} ${t}: tree ${headline(t, tree).value.toFixed(4)} (persistence ${headline(t, persistence).value.toFixed(4)})`);
        }
      }
    }
    const out = summarise(runs, saved.folds, tasks, folds);
    const result = { results: values.results, generated: saved.meta.generated, seeds, folds, runs, rows: out.rows, tasks: out.tasks, seconds: (performance.now() - t0) / 1000 };
    if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else printHuman(out.rows, out.tasks);
  } finally {
    if (!values.keep) rmSync(root, { recursive: true, force: true });
  }
}

export interface TaskSummary {
  task: TaskName;
  higherIsBetter: boolean;
  /** Headline over the selection folds (all but the last) and the forward fold, means over folds × seeds. */
  selection: { tree: number; served: number; gap: number };
  forward: { tree: number; served: number; gap: number };
  /** Folds × seeds pairs (same fold, same seed) where the served network is at least as good as the tree. */
  servedAtLeastTree: { k: number; n: number };
  /** Persistence on these windows equals the saved run's on every fold (the same windows). */
  sameWindows: boolean;
}

/** The served network's gap to the tree, in % of the tree's score: positive when the network is worse. */
const gapOf = (higherIsBetter: boolean, tree: number, served: number) => (higherIsBetter ? (tree - served) / Math.abs(tree) : (served - tree) / Math.abs(tree)) * 100;

function summarise(runs: readonly TreeRun[], study: FoldStudy, tasks: readonly TaskName[], folds: readonly number[]): { rows: Row[]; tasks: TaskSummary[] } {
  const rows: Row[] = [];
  const summaries: TaskSummary[] = [];
  const last = Math.max(...study.runs.map((r) => r.fold)) + 1;
  for (const t of tasks) {
    const hib = headlineMetric(t).higherIsBetter;
    const value = (m: MetricsJSON) => headline(t, m).value;
    let k = 0;
    let n = 0;
    let same = true;
    for (const fold of folds) {
      const mine = runs.filter((r) => r.task === t && r.fold === fold);
      const theirs = study.runs.filter((r) => r.fold === fold - 1 && r.tasks[t]);
      const p = mean(mine.map((r) => value(r.persistence)));
      const saved = mean(theirs.map((r) => value(r.tasks[t].persistence)));
      const sameWindows = Math.abs(p - saved) <= 1e-9 * Math.max(1, Math.abs(saved));
      same &&= sameWindows;
      for (const r of mine) {
        const s = theirs.find((x) => x.seed === r.seed);
        if (!s) continue;
        n++;
        const served = value(s.tasks[t].served);
        if (hib ? served >= value(r.tree) : served <= value(r.tree)) k++;
      }
      rows.push({
        task: t,
        fold,
        tree: mean(mine.map((r) => value(r.tree))),
        treeSd: sd(mine.map((r) => value(r.tree))),
        served: mean(theirs.map((r) => value(r.tasks[t].served))),
        servedSd: sd(theirs.map((r) => value(r.tasks[t].served))),
        single: mean(theirs.map((r) => value(r.tasks[t].single))),
        linear: mean(theirs.map((r) => value(r.tasks[t].linear))),
        persistence: p,
        sameWindows,
      });
    }
    const part = (pick: (fold: number) => boolean) => {
      const rs = rows.filter((r) => r.task === t && pick(r.fold));
      const tree = mean(rs.map((r) => r.tree));
      const served = mean(rs.map((r) => r.served));
      return { tree, served, gap: gapOf(hib, tree, served) };
    };
    summaries.push({ task: t, higherIsBetter: hib, selection: part((f) => f < last), forward: part((f) => f === last), servedAtLeastTree: { k, n }, sameWindows: same });
  }
  return { rows, tasks: summaries };
}

function printHuman(rows: readonly Row[], tasks: readonly TaskSummary[]): void {
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '–');
  const lines = ['task          fold  tree (± sd over seeds)  served (± sd)      single   linear   persistence  same windows'];
  for (const r of rows) lines.push(`${r.task.padEnd(13)} ${String(r.fold).padEnd(5)} ${`${f(r.tree)} ± ${f(r.treeSd)}`.padEnd(23)} ${`${f(r.served)} ± ${f(r.servedSd)}`.padEnd(18)} ${f(r.single).padEnd(8)} ${f(r.linear).padEnd(8)} ${f(r.persistence).padEnd(12)} ${r.sameWindows ? 'yes' : 'NO'}`);
  lines.push('');
  for (const s of tasks) {
    const g = (v: number) => (Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${v.toFixed(1)} %` : '–');
    lines.push(`${s.task}: the served network's gap to the tree (positive: worse) ${g(s.selection.gap)} on the selection folds, ${g(s.forward.gap)} on the forward fold; at least as good as the tree in ${s.servedAtLeastTree.k} of ${s.servedAtLeastTree.n} fold × seed pairs${s.sameWindows ? '' : ' (WINDOWS DIFFER from the saved run: not comparable)'}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench:tree: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
