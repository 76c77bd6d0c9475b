#!/usr/bin/env node
// `npm run results`: runs the protocols and the efficiency-paradox experiment, writes docs/RESULTS.md,
// docs/results/*.svg and docs/results/results.json. Flags: --quick, --json, --datasets-dir DIR, --out FILE,
// --seed N, --fold-seeds 1,2,3 (the fold study's seeds; default the seed and the next two), --strategies a,b,
// --fold-strategies a,b (the fold study's strategy sweep; default equal, uncertainty, famo, si among --strategies).
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { runPipeline, STRATEGIES, type Results } from './pipeline.js';
import { writeReport } from './report.js';
import { foldClaims } from './claims.js';
import type { StrategyName } from '@headstream/model';

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'datasets-dir': { type: 'string' },
      out: { type: 'string', default: 'docs/RESULTS.md' },
      strategies: { type: 'string' },
      seed: { type: 'string', default: '1' },
      'fold-seeds': { type: 'string' },
      'fold-strategies': { type: 'string' },
      render: { type: 'string' },
    },
  });
  if (values.render) {
    // Re-renders RESULTS.md and the plots from a saved run (results.json): no training, same numbers.
    const saved = JSON.parse(await readFile(values.render, 'utf8')) as Results;
    // The fold study's claims are a function of its saved scores: derived again, so a claim added since reads them too.
    const fold = foldClaims(saved.folds);
    saved.claims = [...fold, ...(saved.claims ?? []).filter((c) => !fold.some((f) => f.claim === c.claim))];
    const files = await writeReport(saved, resolve(values.out), `npm run results${saved.meta.mode === 'quick' ? ' -- --quick' : ''}`);
    process.stderr.write(`[results] re-rendered ${files.join(', ')} from ${values.render}\n`);
    return;
  }
  const strategies = values.strategies ? (values.strategies.split(',') as StrategyName[]) : STRATEGIES;
  const foldStrategies = values['fold-strategies'] ? (values['fold-strategies'].split(',') as StrategyName[]) : undefined;
  const bad = [...strategies, ...(foldStrategies ?? [])].filter((s) => !STRATEGIES.includes(s));
  if (bad.length) throw new Error(`unknown strategy ${bad.join(', ')} (valid: ${STRATEGIES.join(', ')})`);
  const seed = Number(values.seed);
  if (!Number.isInteger(seed)) throw new Error('--seed must be an integer');
  const foldSeeds = values['fold-seeds']?.split(',').map(Number);
  if (foldSeeds && !foldSeeds.every(Number.isInteger)) throw new Error('--fold-seeds must be integers, e.g. 1,2,3');
  const results = await runPipeline({
    mode: values.quick ? 'quick' : 'full',
    seed,
    ...(foldSeeds ? { foldSeeds } : {}),
    ...(foldStrategies ? { foldStrategies } : {}),
    strategies,
    ...(values['datasets-dir'] ? { datasetsDir: values['datasets-dir'] } : {}),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  const command = `npm run results${values.quick ? ' -- --quick' : ''}`;
  const files = await writeReport(results, resolve(values.out), command);
  if (values.json) process.stdout.write(`${JSON.stringify(results)}\n`);
  process.stderr.write(`[results] wrote ${files.join(', ')} in ${results.meta.seconds.total.toFixed(0)} s\n`);
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  main().catch((error: unknown) => {
    process.stderr.write(`results: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  });
}
