#!/usr/bin/env node
/**
 * The demo's live verdict over seeds and clocks (npm run bench:demo-live): the embedded demo (simulator, no
 * --serve) once per (seed, clock), with the simulator's clock pinned, and for each task the live view's score
 * of the served model next to persistence's over the live part — what the demo's summary reports as
 * `live_scores` — plus how many runs were at or below persistence. One default run is one draw: the seed
 * fixes the simulator's random path and the clock only moves the calendar under it, so the demo's live claim
 * is measured over several of each. Prints human lines, or with --json one JSON object as the last line.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { consoleToStderr, createLogger } from '@headstream/core';
import type { TaskName } from '@headstream/tasks';
import { servedScore } from '@headstream/training';
import { loadDemoConfig } from '../config.js';
import { seedArgument } from '../options.js';
import type { Progress } from '../progress.js';
import { runDemo } from '../run.js';
import type { DemoSummary, LiveScore } from '../summary.js';
import { liveTally, type LiveRun } from './tally.js';

/** A Sunday morning (the live part Saturday 20:00 to Sunday 08:00 UTC), a Wednesday late morning, a Monday morning's rush. */
const DEFAULT_CLOCKS = ['2026-11-29T08:00:00Z', '2026-12-02T11:30:00Z', '2026-11-30T09:00:00Z'];

const list =
  <T>(parse: (text: string) => T) =>
  (text: string): T[] =>
    text.split(',').map((part) => parse(part.trim()));
const clockOf = (text: string): string => {
  // An ISO 8601 instant with its zone, so a clock means the same instant on every machine.
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text) || Number.isNaN(Date.parse(text))) {
    throw new InvalidArgumentError(`expected clocks as ISO 8601 instants with a zone (2026-11-29T08:00:00Z), got ${JSON.stringify(text)}`);
  }
  return text;
};

const quiet: Progress = { phase: () => undefined, line: () => undefined, bar: () => ({ update: () => undefined, total: () => undefined, stop: () => undefined }) };

function runOf(seed: number, clock: string, summary: DemoSummary): LiveRun {
  const tasks: LiveRun['tasks'] = {};
  for (const [task, score] of Object.entries(summary.live_scores) as [TaskName, LiveScore][]) {
    const trained = summary.training.per_task[task];
    tasks[task] = {
      metric: score.metric,
      n: score.n,
      model: score.model,
      persistence: score.persistence,
      ...(score.verdict ? { verdict: score.verdict } : {}),
      ...(score.oracle ? { oracle: score.oracle } : {}),
      ...(trained ? { served_by: trained.served_by, validation: { served: servedScore(trained, trained.served_by), persistence: trained.persistence, metric: trained.metric } } : {}),
    };
  }
  return { seed, clock, wall_seconds: summary.wall_seconds, version: summary.training.version, backend: summary.training.backend, tasks };
}

const fmt = (x: number | null) => (x === null || !Number.isFinite(x) ? '–' : x.toFixed(3));

async function main(): Promise<void> {
  const command = new Command('bench:demo-live')
    .description("the demo's live scores (served model vs persistence) over seeds × pinned simulator clocks")
    .option('--seeds <list>', 'simulator and training seeds, comma-separated', list(seedArgument), [1, 2, 3])
    .option('--clocks <list>', "the simulator's clocks (its virtual time ends there), ISO 8601 instants, comma-separated", list(clockOf), DEFAULT_CLOCKS)
    .option('--json', 'print one JSON object as the last line')
    .allowExcessArguments(false)
    .configureOutput({ outputError: (text, write) => write(`${text.trimEnd().split('\n')[0]}\n`) });
  command.parse();
  const o = command.opts<{ seeds: number[]; clocks: string[]; json?: boolean }>();
  consoleToStderr();
  const config = loadDemoConfig(process.env, { stack: false });
  const log = createLogger('demo-live-bench', { level: 'warn', destination: 2 });
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());

  const runs: LiveRun[] = [];
  for (const clock of o.clocks) {
    for (const seed of o.seeds) {
      const dir = mkdtempSync(join(tmpdir(), 'hs-demo-live-'));
      try {
        const run = await runDemo(
          { serve: false, stack: false, replay: false, dir, timescale: false, port: 0, viewPort: 0, seed, now: Date.parse(clock), factory: 'frame', json: true },
          config,
          quiet,
          log,
          stop.signal,
        );
        await run.close();
        const r = runOf(seed, clock, run.summary);
        runs.push(r);
        const line = Object.entries(r.tasks)
          .map(([task, t]) => `${task} ${fmt(t.model)} vs ${fmt(t.persistence)}${t.verdict ? ` (${t.verdict})` : ''}${t.oracle ? ` [simulator's own forecast ${fmt(t.oracle.oracle)} vs ${fmt(t.oracle.persistence)}]` : ''}`)
          .join(' | ');
        process.stderr.write(`seed ${seed}, clock ${clock}, ${r.wall_seconds.toFixed(0)} s, ${r.backend}: ${line}\n`);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
  }

  const tally = liveTally(runs);
  if (o.json) {
    process.stdout.write(`${JSON.stringify({ seeds: o.seeds, clocks: o.clocks, runs, tally })}\n`);
    return;
  }
  console.log(`${runs.length} demo runs (seeds ${o.seeds.join(', ')} × clocks ${o.clocks.join(', ')})`);
  for (const [task, t] of Object.entries(tally)) {
    console.log(
      `  ${task.padEnd(12)} ${t.metric.padEnd(11)} at or below persistence in ${t.at_or_below} of ${t.runs}; beyond noise: better ${t.better}, worse ${t.worse}; model / persistence median ${fmt(t.ratio_median)} (${fmt(t.ratio_min)}–${fmt(t.ratio_max)})`,
    );
    if (t.oracle) {
      console.log(
        `  ${''.padEnd(24)} the simulator's own forecast at or below persistence in ${t.oracle.at_or_below} of ${t.oracle.runs} (median ratio ${fmt(t.oracle.ratio_median)}); the model in ${t.oracle.model_at_or_below} of those ${t.oracle.at_or_below}`,
      );
    }
  }
}

try {
  await main();
  process.exit(0);
} catch (error) {
  process.stderr.write(`bench:demo-live: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
