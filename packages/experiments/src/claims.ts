import { latentConfig, latentData, latentTask, LATENT_TASKS, MultiTaskModel, train, type StrategyName, type TrainingEvent } from '@headstream/model';
import { headlineMetric, type TaskName } from '@headstream/tasks';
import { headline, type MetricsJSON } from './scoring.js';
import type { FoldStudy } from './fold-study.js';
import { TASK_ORDER } from './protocols.js';

/**
 * Quality claims ("X beats Y", "method M helps") checked over several runs, never asserted by the test
 * suite: each claim is a margin per run (fold × seed, or seed), positive in the claim's direction, and it
 * holds only when there are at least MIN_RUNS runs and the mean margin exceeds their spread (one standard
 * deviation). Otherwise the results say "not shown" — the margin is within run-to-run noise.
 */
export const MIN_RUNS = 3;

export interface Claim {
  claim: string;
  /** What the margin measures, in words (its unit). */
  margin: string;
  /** One margin per run, positive when the run agrees with the claim. */
  margins: number[];
  mean: number;
  sd: number;
  holds: boolean;
}

export function claimOf(claim: string, margin: string, margins: readonly number[]): Claim {
  const n = margins.length;
  const mean = n ? margins.reduce((a, b) => a + b, 0) / n : NaN;
  const sd = n > 1 ? Math.sqrt(margins.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : NaN;
  return { claim, margin, margins: [...margins], mean, sd, holds: n >= MIN_RUNS && mean > 0 && mean > sd };
}

/** How much better `a` is than `b` on the headline metric: relative for MAE, absolute for macro-F1 (positive = a better). */
function better(task: TaskName, a: MetricsJSON, b: MetricsJSON): number {
  const x = headline(task, a);
  const y = headline(task, b).value;
  return x.higherIsBetter ? x.value - y : (y - x.value) / Math.max(Math.abs(y), 1e-12);
}

const unit = (task: TaskName) => (headlineMetric(task).higherIsBetter ? `${headlineMetric(task).label} difference` : `relative ${headlineMetric(task).label} difference`);

/** The fold study's claims: per task, the served model beats persistence, the shared model is no worse than the single-task one, and the blend beats each. */
export function foldClaims(study: FoldStudy): Claim[] {
  const claims: Claim[] = [];
  for (const t of TASK_ORDER) {
    const runs = study.runs.map((r) => r.tasks[t]);
    const first = runs[0];
    if (!first) continue;
    claims.push(claimOf(`${t}: the served model beats persistence`, `${unit(t)}, folds × seeds`, runs.map((s) => better(t, s.served, s.persistence))));
    claims.push(claimOf(`${t}: the shared model beats its single-task model`, `${unit(t)}, folds × seeds`, runs.map((s) => better(t, s.shared, s.single))));
    // The blend of the two (the guard's third choice), against each of them: runs saved before it have none.
    if (runs.every((s) => s.blend)) {
      claims.push(claimOf(`${t}: the blend beats the shared model`, `${unit(t)}, folds × seeds`, runs.map((s) => better(t, s.blend as MetricsJSON, s.shared))));
      claims.push(claimOf(`${t}: the blend beats the single-task model`, `${unit(t)}, folds × seeds`, runs.map((s) => better(t, s.blend as MetricsJSON, s.single))));
    }
  }
  // The strategy sweep: a weighting method helps only when its Δm% margin over equal weights exceeds the spread.
  for (const s of study.strategies ?? []) {
    if (s === 'equal') continue;
    const margins = study.runs.flatMap((r) => (r.strategies?.[s] && r.strategies.equal ? [r.strategies.equal.deltaM - r.strategies[s].deltaM] : []));
    claims.push(claimOf(`${s} beats equal weights (all-task model)`, 'Δm% equal − Δm% strategy, folds × seeds', margins));
  }
  if (study.runs.every((r) => r.deltaM.grouped !== undefined)) {
    claims.push(claimOf('the grouped configuration (task affinity) beats the all-task model', 'Δm% shared − Δm% grouped, folds × seeds', study.runs.map((r) => r.deltaM.shared - r.deltaM.grouped)));
    claims.push(claimOf('the grouped configuration (task affinity) beats the single-task models', '−Δm% grouped, folds × seeds', study.runs.map((r) => -r.deltaM.grouped)));
  }
  return claims;
}

/**
 * Two tasks with opposite signs through identical heads (latentData): at the start their gradients on
 * the shared representation point opposite ways. Per seed, equal weighting against PCGrad: the mean
 * gradient cosine over the epochs and the final joint training loss.
 */
export function pcgradClaims(seeds: readonly number[], epochs = 6): Claim[] {
  const cosine: number[] = [];
  const loss: number[] = [];
  for (const seed of seeds) {
    const data = latentData(128, [1, -1], 'all', 30 + seed, 6);
    const run = (strategy: StrategyName) => {
      const [first, second] = LATENT_TASKS;
      const model = MultiTaskModel.create({ ...latentConfig(LATENT_TASKS.map(latentTask)), seed });
      // Identical heads: the second task's head starts as a copy of the first's.
      for (const n of model.params.names(`head/${first}/`)) model.params.get(n.replace(first, second)).assign(model.params.get(n));
      const events: TrainingEvent[] = [];
      try {
        const r = train(model, data, { epochs, batchSize: 64, strategy, telemetryEvery: 1, learningRate: 5e-3, schedule: 'constant', seed, onEvent: (e) => events.push(e) });
        const cos = events.flatMap((e) => (e.type === 'epoch' ? [e.conflict?.cosine[0]?.[1] ?? NaN] : []));
        return { meanCos: cos.reduce((a, b) => a + b, 0) / cos.length, loss: r.history.at(-1)?.jointLoss ?? NaN };
      } finally {
        model.dispose();
      }
    };
    const eq = run('equal');
    const pc = run('pcgrad');
    cosine.push(pc.meanCos - eq.meanCos);
    loss.push((eq.loss - pc.loss) / Math.max(Math.abs(eq.loss), 1e-12));
  }
  return [
    claimOf('PCGrad raises the gradient cosine of conflicting tasks (synthetic, opposite signs)', 'mean cosine, PCGrad − equal, per seed', cosine),
    claimOf('PCGrad lowers the joint training loss of conflicting tasks (synthetic, opposite signs)', 'relative joint loss, equal − PCGrad, per seed', loss),
  ];
}
