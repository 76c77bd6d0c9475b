#!/usr/bin/env node
/**
 * Ensembles on the rolling-origin folds (npm run bench:ensemble): on each fold, the one training loop's models
 * (trainModels: the all-task model, equal weights, and each task's single-task model) with every seed, scored
 * alone and averaged (averageModels): each seed's all-task + single-task pair (what every version already
 * trains), the seeds' all-task models, their single-task models, and all of them. The members are checked to be
 * the fold study's: their scores must equal a saved `npm run results` run's (docs/results/results.json) to the
 * last digit. Prints human lines, or with --json one JSON object as the last line.
 *
 * Flags: --folds 1,2,3 (default all), --seeds 1,2,3, --results FILE, --datasets-dir DIR, --json.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { ensembleFold, ensembleRows, type EnsembleRow } from '../ensemble.js';
import type { FoldStudy } from '../fold-study.js';
import { taskFolds } from '../folds.js';
import { chooseBackend } from '../pipeline.js';
import { TASK_ORDER } from '../protocols.js';
import { loadAllFrames } from '../splits.js';
import { benchFlags } from './flags.js';

const { fail, ints } = benchFlags('bench:ensemble');

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        folds: { type: 'string' },
        seeds: { type: 'string', default: '1,2,3' },
        results: { type: 'string', default: 'docs/results/results.json' },
        'datasets-dir': { type: 'string' },
        json: { type: 'boolean', default: false },
      },
    }));
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
  const seeds = ints('seeds', values.seeds) ?? [1, 2, 3];
  let saved: FoldStudy | undefined;
  try {
    saved = (JSON.parse(readFileSync(resolve(values.results), 'utf8')) as { folds: FoldStudy }).folds;
  } catch (error) {
    fail(`--results: cannot read ${values.results}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const log = (line: string) => process.stderr.write(`${line}\n`);
  // The backend that trains fastest here (HS_TF_BACKEND overrides), as every training command picks it.
  const backend = await chooseBackend(log);
  const t0 = performance.now();
  const frames = await loadAllFrames(values['datasets-dir']);
  const k = Math.min(...TASK_ORDER.map((t) => taskFolds(t, frames[t]).length));
  const folds = ints('folds', values.folds) ?? Array.from({ length: k }, (_, i) => i + 1);
  if (folds.some((f) => f > k)) fail(`--folds: the tasks have ${k} folds`);
  const runs = folds.map((fold) => ensembleFold(frames, fold, seeds, undefined, log));
  const rows = ensembleRows(runs, saved);
  const result = { results: values.results, backend, seeds, folds, runs, rows, seconds: (performance.now() - t0) / 1000 };
  if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else printHuman(rows, seeds);
}

function printHuman(rows: readonly EnsembleRow[], seeds: readonly number[]): void {
  const f = (v: number) => (Number.isFinite(v) ? v.toFixed(3) : '–');
  const g = (v: number) => (Number.isFinite(v) ? `${v >= 0 ? '+' : ''}${v.toFixed(1)}%` : '–');
  const cell = (v: number, gain: number) => `${f(v)} (${g(gain)})`.padEnd(17);
  const lines = [
    `Headline per task and fold (MAE; fault macro-F1): means over seeds ${seeds.join(', ')}; in brackets the gain over the all-task models' mean (positive: better)`,
    'task          fold  all-task  single-task        pair (seeds better)        all-task × seeds  single × seeds    all              same models',
  ];
  for (const r of rows) {
    lines.push(`${r.task.padEnd(13)} ${String(r.fold).padEnd(5)} ${f(r.shared).padEnd(9)} ${cell(r.single, r.gain.single)}  ${`${cell(r.pair, r.gain.pair)} ${r.pairBetter} of ${seeds.length}`.padEnd(26)} ${cell(r.sharedSeeds, r.gain.sharedSeeds)} ${cell(r.singleSeeds, r.gain.singleSeeds)} ${cell(r.all, r.gain.all)} ${r.sameModels === null ? 'not in the saved run' : r.sameModels ? 'yes' : 'NO'}`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  main().catch((error: unknown) => {
    process.stderr.write(`bench:ensemble: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
