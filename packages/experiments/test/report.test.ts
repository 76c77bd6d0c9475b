import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Results } from '../src/pipeline.js';
import { changeNote, lookbackLine, renderMarkdown, windowsNote } from '../src/report.js';
import { SHARED_LOOKBACK, TASK_ORDER } from '../src/protocols.js';
import { TASKS } from '@headstream/tasks';

// The committed results of `npm run results` (docs/results/results.json), trimmed below to the empty
// and one-fold cases: a mean over nothing is not 0, its cell shows '—'.
const committed = (): Results => JSON.parse(readFileSync(new URL('../../../docs/results/results.json', import.meta.url), 'utf8')) as Results;
const lineOf = (md: string, start: string) => md.split('\n').find((l) => l.startsWith(start));

describe('renderMarkdown on empty sets', () => {
  it('a fold study without runs shows — in every per-fold, mean ± sd and gap cell, not 0.00', () => {
    const r = committed();
    r.folds.runs = [];
    const md = renderMarkdown(r, 'test');
    expect(lineOf(md, '| traffic | **served (guard)** |')).toBe('| traffic | **served (guard)** | — | — | — | — ± — | — (— %) |');
    expect(lineOf(md, '| fault (macro-F1) | single-task |')).toBe('| fault (macro-F1) | single-task | — | — | — | — ± — | — (— %) |');
    expect(lineOf(md, '| traffic | — | — | — |')).toBe('| traffic | — | — | — | — % | — % | shared 0, single-task 0 |');
    // Δm% and the training cost over no runs.
    // Three Δm% columns (plain shared, served, grouped), then one Δ% column per task.
    const tasks = Object.keys(r.protocol).length;
    expect(lineOf(md, '| **mean** | | — ± — | — ± — |')).toBe(`| **mean** | | — ± — | — ± — | — ± — | ${Array.from({ length: tasks }, () => '—').join(' | ')} |`);
    expect(md).toContain('| **mean** | | — | | — | | — | — |');
  });

  it('with one fold there are no selection folds: the forward-check gap is —, not the fold\'s own score', () => {
    const r = committed();
    for (const t of Object.keys(r.folds.folds) as (keyof Results['folds']['folds'])[]) r.folds.folds[t] = r.folds.folds[t].slice(0, 1);
    r.folds.runs = r.folds.runs.filter((x) => x.fold === 0);
    expect(r.folds.runs.length).toBeGreaterThan(0);
    const line = lineOf(renderMarkdown(r, 'test'), '| traffic | **served (guard)** |') ?? '';
    // | traffic | **served (guard)** | <fold 1> | <mean ± sd> | <gap> |
    expect(line).toMatch(/^\| traffic \| \*\*served \(guard\)\*\* \| \d+\.\d\d \| \d+\.\d\d ± \d+\.\d\d \| — \(— %\) \|$/);
  });

  it('a strategy run without gradient telemetry shows — as its mean cosine, not 0.000', () => {
    const r = committed();
    for (const run of Object.values(r.runs.shared)) run.meanCosine = {};
    const md = renderMarkdown(r, 'test');
    const strategy = Object.keys(r.runs.shared)[0] ?? '';
    // The efficiency-paradox table: | strategy | Δm% per sweep model… | shared: train s | mean gradient cosine (shared) | guard |
    const lines = md.split('\n');
    const header = lines.findIndex((l) => l.startsWith('| strategy |') && l.includes('mean gradient cosine (shared)'));
    const column = (lines[header] ?? '').split(' | ').findIndex((c) => c.startsWith('mean gradient cosine'));
    const row = lines.slice(header + 2).find((l) => l.startsWith(`| ${strategy} | `)) ?? '';
    expect(header).toBeGreaterThan(0);
    expect(row.split(' | ')[column]).toBe('—');
  });
});

describe("RESULTS.md's lookback line, from the task registry", () => {
  it("names each task's step and every history shorter than the shared lookback", () => {
    const line = lookbackLine(TASK_ORDER);
    expect(line).toMatch(new RegExp(`^Shared lookback: ${SHARED_LOOKBACK} steps at each task's own interval \\(traffic 5 min, air_quality 1 h, fault 1 s, throughput 1 h, emissions 1 h\\)\\.`));
    expect(line).toContain(`traffic ${TASKS.traffic.lookback} × 5 min, throughput ${TASKS.throughput.lookback} × 1 h, emissions ${TASKS.emissions.lookback} × 1 h`);
    expect(line).not.toMatch(/air_quality \d+ ×|fault \d+ ×/);
  });

  it('says nothing of shorter histories when every task sees the whole lookback', () => {
    expect(lookbackLine(['air_quality', 'fault'])).toBe("Shared lookback: 24 steps at each task's own interval (air_quality 1 h, fault 1 s).");
  });
});

describe("RESULTS.md's note on training windows, from the recipes", () => {
  it('names the tasks whose windows are thinned and those that keep them all', () => {
    expect(windowsNote(TASK_ORDER)).toBe('traffic, fault: an evenly spaced subsample; air_quality, throughput, emissions keep all of their windows and each epoch draws that many of them afresh');
    expect(windowsNote(['traffic'])).toBe('traffic: an evenly spaced subsample');
  });
});

describe("RESULTS.md's note on the change targets, from the recipes' transforms", () => {
  it('names every task that learns the change, the regression tasks that do not, and each one\'s bounds', () => {
    const note = changeNote(TASK_ORDER);
    expect(note).toMatch(/^air_quality, throughput, emissions \(and not traffic\) learn the change from the last observed value;/);
    expect(note).toContain('air_quality ×0.7, throughput ×0.7 with its change label scaled up ×4, emissions ×0.7 (');
    expect(changeNote(['traffic', 'fault'])).toBe('No task learns the change from the last observed value.');
  });

  it('names the tasks whose definition weighs their horizons, and only those with several', () => {
    expect(changeNote(TASK_ORDER)).toMatch(/ air_quality's loss weighs horizon h by 1\/h \(mean 1 over its horizons;/);
    expect(changeNote(['throughput', 'emissions'])).not.toContain('weighs horizon');
  });
});
