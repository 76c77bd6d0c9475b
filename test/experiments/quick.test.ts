import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runPipeline, TASK_ORDER, writeReport, type Results } from '@headstream/experiments';
import { INPUT_NAMES, TASK_NAMES } from '@headstream/tasks';

const dir = mkdtempSync(join(tmpdir(), 'hs-quick-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * A one-epoch smoke run of `npm run results`: the same code path (protocols, single-task models, the
 * strategy sweep's shared and pair models, the rolling-origin fold study, the claims, the report) on few
 * windows. It checks what the run produces, not how good it is: every quality claim ("beats
 * persistence", "PCGrad helps") is checked over folds and seeds by `npm run results -- --quick`.
 */
describe('results pipeline, one-epoch smoke run on the shared data sets', () => {
  let results: Results;

  it('runs the protocols, the single-task models, a shared model and the pairs in-process', async () => {
    results = await runPipeline({ mode: 'quick', strategies: ['equal'], settings: { epochs: 1, sizes: { maxTrain: 600, maxValidation: 600, pool: 1200 } }, foldSeeds: [1], claimSeeds: [1] });
    expect(results.meta.settings.epochs).toBe(1);
    expect(Object.keys(results.single).sort()).toEqual([...TASK_ORDER].sort());
    expect(results.runs.shared.equal?.tasks).toEqual([...TASK_ORDER]);
    // The sweep's models come from the registry: every task, each domain's tasks, and the tasks reading one input.
    expect(results.groups?.map((g) => g.name)).toEqual(['shared', 'city', 'factory', 'input:turbine']);
    expect(results.runs.city?.equal?.tasks).toEqual(['traffic', 'air_quality']);
    expect(results.runs.factory?.equal?.tasks).toEqual(['fault', 'throughput', 'emissions']);
    expect(results.runs['input:turbine']?.equal?.tasks).toEqual(['throughput', 'emissions']);
    // The co-located pair runs one stem and encoder pass for both heads: about half of two single-task models' FLOPs.
    expect(results.runs['input:turbine']?.equal?.inferenceCost.flops).toBeLessThan(0.6);
    for (const t of TASK_ORDER) expect(results.protocol[t].validation).toBe(600);
    expect(Number.isFinite(results.runs.shared.equal?.deltaM)).toBe(true);
    expect(results.runs.shared.equal?.cosine.length).toBeGreaterThan(0);
    // Per window of an input the shared model runs its stem and the encoder once for every head reading it:
    // throughput and emissions read one input (the gas turbine), so five tasks cost four passes, not five
    // single-task models' five (FLOPs ratio about 0.8; 1 if each task ran its own pass).
    const flops = results.runs.shared.equal?.inferenceCost.flops ?? NaN;
    expect(INPUT_NAMES.length).toBeLessThan(TASK_NAMES.length);
    expect(flops).toBeLessThan((INPUT_NAMES.length + 0.5) / TASK_NAMES.length);
    expect(flops).toBeGreaterThan(0.5);
    expect(results.runs.shared.equal?.inferenceCost.parameters).toBeLessThan(0.75);
  }, 300_000); // 1 epoch on ≤ 600 windows a task: mostly data loading and fold preparation

  it('scores every task on three rolling-origin folds: shared, guard-served, single-task, linear reference and baselines', () => {
    const study = results.folds;
    expect(study.seeds).toEqual([1]);
    expect(study.runs.map((r) => r.fold)).toEqual([0, 1, 2]);
    for (const t of TASK_ORDER) expect(study.folds[t]).toHaveLength(3);
    // Rolling origin: each fold validates a later period and trains on what came before it. Air quality and
    // throughput keep all their training windows; the pool (1,200 here) caps how many are windowed.
    for (const t of ['air_quality', 'throughput'] as const) {
      const starts = study.folds[t].map((f) => {
        const [, year, month] = /(\d{4})(?:-(\d{2}))?/.exec(f.name) ?? [];
        return Number(year) * 12 + Number(month ?? 0);
      });
      expect(starts[1]).toBeGreaterThan(starts[0] ?? Infinity);
      expect(starts[2]).toBeGreaterThan(starts[1] ?? Infinity);
      for (const f of study.folds[t]) expect(f.train).toBeGreaterThan(0);
      for (const f of study.folds[t]) expect(f.train).toBeLessThanOrEqual(1200);
    }
    for (const run of study.runs) {
      expect(run.seconds.shared).toBeGreaterThan(0);
      expect(run.seconds.single).toBeGreaterThan(0);
      expect(run.seconds.linear).toBeGreaterThan(0);
      for (const t of TASK_ORDER) {
        const s = run.tasks[t];
        expect(s.served).toEqual(s.served_by === 'shared' ? s.shared : s.served_by === 'single' ? s.single : s.blend);
        // The blend of the two is scored on every fold (the guard's third choice).
        expect(s.blend).toBeDefined();
        for (const m of [s.shared, s.single, s.linear, s.persistence, s.grouped, s.blend ?? s.shared]) expect(Number.isFinite('macro_f1' in m ? m.macro_f1 : m.mae)).toBe(true);
      }
      // The joint run measured task affinities and they chose a partition of the tasks, trained as the grouped configuration.
      expect(run.affinity?.tasks).toEqual([...TASK_ORDER]);
      expect(run.affinity?.matrix).toHaveLength(TASK_ORDER.length);
      expect(run.grouping.groups.flat().sort()).toEqual([...TASK_ORDER].sort());
      expect(Number.isFinite(run.deltaM.grouped)).toBe(true);
      expect(Object.keys(run.strategies)).toEqual(['equal']);
    }
    // The guard's choice from the folds, and per task the selection folds' choice checked on the forward fold.
    for (const t of TASK_ORDER) expect(study.guard.decision[t]?.k).toBe(3);
    expect(study.guard.hitRate.n).toBe(TASK_ORDER.length);
  });

  it('states each quality claim with its margin per run; a claim from one seed shows nothing', () => {
    const claims = results.claims ?? [];
    // Per task: served vs persistence, shared vs single-task, and the blend vs each, over the fold runs; grouped
    // vs shared and vs single-task over the fold runs; the two synthetic PCGrad claims per seed.
    expect(claims).toHaveLength(4 * TASK_ORDER.length + 2 + 2);
    expect(claims.filter((c) => c.claim.endsWith(': the blend beats the shared model')).map((c) => c.claim.split(':')[0])).toEqual([...TASK_ORDER]);
    for (const c of claims.slice(0, -2)) expect(c.margins).toHaveLength(results.folds.runs.length);
    for (const c of claims.slice(-2)) expect(c.margins).toHaveLength(1);
    for (const c of claims.slice(-2)) expect(c.holds, `${c.claim}: one run is no evidence`).toBe(false);
  });

  it('writes RESULTS.md with the folds and the claims, its SVG plots and the run JSON', async () => {
    const out = join(dir, 'RESULTS.md');
    const files = await writeReport(results, out, 'npm run results -- --quick');
    expect(files.length).toBeGreaterThanOrEqual(8);
    for (const f of files) expect(existsSync(f)).toBe(true);
    const md = readFileSync(out, 'utf8');
    expect(md).toContain('QUICK run');
    expect(md).toContain('Δm%');
    expect(md).toContain('## Rolling-origin folds');
    expect(md).toContain('| traffic | linear autoregressive (same inputs and loss) |');
    expect(md).toContain(`### Training cost: one shared model vs ${TASK_ORDER.length} single-task models`);
    // The co-located model's Δm% in the sweep table, and MAE per horizon of every task with several horizons.
    expect(md).toMatch(/\| strategy \| Δm% shared \(5 tasks\) \| Δm% city tasks \| Δm% factory tasks \| Δm% co-located \(one turbine input\) \|/);
    expect(md).toContain('### air_quality: MAE per horizon');
    expect(md).toContain('## Claims checked over runs');
    expect(md).toContain('### The guard across folds');
    // The blend's choice on the selection folds (one seed here: the single-split rule), checked on the forward fold.
    expect(md).toMatch(/\*\*Then the blend\*\* \(`weighBlend`\): .* Chosen on the 2 selection folds in \d+ of 5 task × seed cases/);
    expect(md).toMatch(/\| air_quality: the blend beats the shared model \| .* \| 3 \| /);
    expect(md).toContain('### Task affinity and the grouped configuration');
    expect(md).toMatch(/\| traffic: the served model beats persistence \| .* \| 3 \| .* \| (\*\*holds\*\*|not shown) \|/);
    expect(md).toMatch(/\| PCGrad lowers the joint training loss .* \| 1 \| .* \| not shown \|/);
    const json = JSON.parse(readFileSync(join(dir, 'results', 'results.json'), 'utf8')) as Results;
    expect(json.single.traffic.score.metrics).toEqual(results.single.traffic.score.metrics);
    expect(readFileSync(join(dir, 'results', 'delta-m.svg'), 'utf8')).toMatch(/^<svg /);
  });
});
