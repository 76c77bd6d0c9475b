import type { TaskName } from '@headstream/tasks';
import { bestGrouping, deltaM, MultiTaskModel, train, type AffinitySummary, type StrategyName } from '@headstream/model';
import { affinityEvery, DEFAULT_GUARD_TOLERANCE, disposeModels, pairOf, servedScore, trainOptions, trainVersion, weighServing, weighSharing, type PairedScore, type ServedBy, type Settings, type SharingEvidence } from '@headstream/training';
import { taskFolds, type TaskFold } from './folds.js';
import { TASK_ORDER } from './protocols.js';
import { fitTask, headline, modelConfig, modelData, type MetricsJSON } from './scoring.js';
import { prepareByInput, type AllFrames, type TaskSplit } from './splits.js';

/** What each fold's models scored on one task. */
export interface FoldTaskScores {
  shared: MetricsJSON;
  single: MetricsJSON;
  /** The linear autoregressive reference: same windows, same loss and decoding (ModelConfig.linear 'only'). */
  linear: MetricsJSON;
  persistence: MetricsJSON;
  seasonal_naive: MetricsJSON;
  /** The blend of the two (their outputs averaged, its own combination weights); absent in runs saved before it. */
  blend?: MetricsJSON;
  /**
   * The guard's per-task choice from this fold alone (weighServing on one pair: shared unless worse than
   * single-task by more than the tolerance; the blend of the two when it beats that choice).
   */
  served_by: ServedBy;
  served: MetricsJSON;
  /** The task's model in the grouped configuration: its group's model, or its single-task model when alone. */
  grouped: MetricsJSON;
}

/** A shared model of every task trained with one weighting strategy, against this run's single-task models. */
export interface StrategyRun {
  delta: Record<string, number>;
  deltaM: number;
  seconds: number;
}

export interface FoldRun {
  fold: number;
  seed: number;
  tasks: Record<TaskName, FoldTaskScores>;
  /** Δ% per task vs the single-task model, and Δm% (their mean): the plain shared model, the served configuration and the grouped one. */
  delta: { shared: Record<string, number>; served: Record<string, number>; grouped: Record<string, number> };
  deltaM: { shared: number; served: number; grouped: number };
  /** Training wall time, s: the all-task model, the single-task models together, the linear references together, the grouped configuration's multi-task models together. */
  seconds: { shared: number; single: number; linear: number; grouped: number };
  steps: { shared: number; single: number };
  /** The strategy sweep on this fold and seed: the all-task model per weighting strategy (equal is `shared` above). */
  strategies: Partial<Record<StrategyName, StrategyRun>>;
  /** Inter-task affinity measured during the all-task model's training (equal weights; TAG lookahead on the telemetry steps). */
  affinity: AffinitySummary | null;
  /** The partition of the tasks with the highest total affinity (bestGrouping), trained as the grouped configuration. */
  grouping: { groups: TaskName[][]; score: number };
}

/** The guard's served-by choice from several folds, checked on the fold after them. */
export interface GuardCheck {
  /** Per task, from every fold × seed: the evidence and the choice (none without runs). */
  decision: Partial<Record<TaskName, SharingEvidence & { k: number }>>;
  /**
   * Per task and seed: the choice from the selection folds (all but the last) — by the rule on all of them, and
   * by one split alone (the latest selection fold, as a single training would decide) — against the forward
   * fold's own verdict (did sharing stay within the tolerance there).
   */
  forward: { task: TaskName; seed: number; folds: SharingEvidence; oneSplit: SharingEvidence; verdict: SharingEvidence }[];
  /** Share of `forward` where the choice matched the forward verdict, and how many shared choices the forward fold showed hurting. */
  hitRate: { folds: number; oneSplit: number; n: number; harmful: { folds: number; oneSplit: number } };
}

export interface FoldStudy {
  /** Per task, its folds in order (the last is the forward check). */
  folds: Record<TaskName, { name: string; describe: string; train: number; validation: number }[]>;
  seeds: number[];
  tolerance: number;
  /** The weighting strategies of the sweep over folds and seeds (equal first). */
  strategies: StrategyName[];
  runs: FoldRun[];
  guard: GuardCheck;
  seconds: number;
}

/**
 * Every fold × seed: the all-task model (equal weights, telemetry and the affinity lookahead on), the grouped
 * configuration its affinities choose, the all-task model under each other strategy, each task's single-task
 * network and its linear reference, the naive baselines, and the guard's served choice; then the guard's
 * choice from the folds and its check on the forward fold.
 */
export function runFoldStudy(frames: AllFrames, settings: Settings, seeds: readonly number[], log: (line: string) => void, strategies: readonly StrategyName[] = ['equal']): FoldStudy {
  const sweep: StrategyName[] = ['equal', ...strategies.filter((s) => s !== 'equal')];
  const t0 = performance.now();
  const plans = Object.fromEntries(TASK_ORDER.map((t) => [t, taskFolds(t, frames[t])])) as Record<TaskName, TaskFold[]>;
  const k = Math.min(...TASK_ORDER.map((t) => plans[t].length));
  const folds = {} as FoldStudy['folds'];
  for (const t of TASK_ORDER) folds[t] = [];
  const runs: FoldRun[] = [];
  for (let fold = 0; fold < k; fold++) {
    // Per input, as training prepares them: co-located tasks share their fold's windows.
    const splits = prepareByInput(frames, TASK_ORDER, (t) => (plans[t][fold] as TaskFold).plan, settings.sizes);
    for (const t of TASK_ORDER) folds[t].push({ name: (plans[t][fold] as TaskFold).name, describe: splits[t].describe, train: splits[t].train.n, validation: splits[t].validation.n });
    for (const seed of seeds) runs.push(runFold(splits, fold, seed, settings, sweep, log));
  }
  return { folds, seeds: [...seeds], tolerance: DEFAULT_GUARD_TOLERANCE, strategies: sweep, runs, guard: checkGuard(runs, seeds, DEFAULT_GUARD_TOLERANCE), seconds: (performance.now() - t0) / 1000 };
}


/** The guard's rule (weighSharing) on the fold runs: its choice from all of them, and from the earlier folds against the last. */
function checkGuard(runs: readonly FoldRun[], seeds: readonly number[], tolerance: number): GuardCheck {
  const pair = (r: FoldRun, t: TaskName): PairedScore => ({ shared: r.tasks[t].shared, single: r.tasks[t].single });
  const last = Math.max(...runs.map((r) => r.fold));
  const decision: GuardCheck['decision'] = {};
  const forward: GuardCheck['forward'] = [];
  for (const t of TASK_ORDER) {
    if (runs.length) decision[t] = { ...weighSharing(t, runs.map((r) => pair(r, t)), tolerance), k: runs.length };
    for (const seed of seeds) {
      const mine = runs.filter((r) => r.seed === seed).sort((a, b) => a.fold - b.fold);
      const selection = mine.filter((r) => r.fold < last);
      const ahead = mine.find((r) => r.fold === last);
      const latest = selection.at(-1);
      if (!ahead || !latest) continue;
      forward.push({ task: t, seed, folds: weighSharing(t, selection.map((r) => pair(r, t)), tolerance), oneSplit: weighSharing(t, [pair(latest, t)], tolerance), verdict: weighSharing(t, [pair(ahead, t)], tolerance) });
    }
  }
  const n = forward.length;
  const rate = (key: 'folds' | 'oneSplit') => (n ? forward.filter((x) => x[key].servedBy === x.verdict.servedBy).length / n : NaN);
  const harmful = (key: 'folds' | 'oneSplit') => forward.filter((x) => x[key].servedBy === 'shared' && x.verdict.servedBy === 'single').length;
  return { decision, forward, hitRate: { folds: rate('folds'), oneSplit: rate('oneSplit'), n, harmful: { folds: harmful('folds'), oneSplit: harmful('oneSplit') } } };
}

function runFold(splits: Record<TaskName, TaskSplit>, fold: number, seed: number, settings: Settings, sweep: readonly StrategyName[], log: (line: string) => void): FoldRun {
  const base = trainOptions(settings, seed);
  const features = Object.fromEntries(TASK_ORDER.map((t) => [t, splits[t].train.features]));
  const score = (model: MultiTaskModel, t: TaskName) => fitTask(model, t, splits[t].validation, splits[t].spec, splits[t].scalers);
  const seconds = { shared: 0, single: 0, linear: 0, grouped: 0 };
  const steps = { shared: 0, single: 0 };
  /** A model of several tasks at the multi-task learning rate (the grouped configuration, the strategy sweep): one backward pass a step for a loss-weighting strategy, no telemetry; its scores. */
  const trainJoint = (group: readonly TaskName[], strategy: StrategyName) => {
    const model = MultiTaskModel.create(modelConfig(group, features, seed));
    try {
      const r = train(model, modelData(group.map((t) => splits[t].train)), { ...base, learningRate: settings.sharedLearningRate, strategy, gradientsOn: 'parameters' });
      return { result: r, scores: Object.fromEntries(group.map((t) => [t, score(model, t)])) as Record<TaskName, ReturnType<typeof score>> };
    } finally {
      model.dispose();
    }
  };

  // The all-task model (equal weights, production's telemetry and the affinity lookahead), every task's
  // single-task network and linear reference: the one train-and-score loop, trainVersion.
  const version = trainVersion(TASK_ORDER.map((t) => splits[t]), { settings, seed, strategy: 'equal', regime: 'joint', affinityEvery: affinityEvery(settings), measureCost: false });
  disposeModels(version);
  seconds.shared = version.seconds.shared;
  seconds.single = version.seconds.single;
  seconds.linear = version.seconds.linear;
  steps.shared = version.steps.shared;
  steps.single = version.steps.single;
  const affinity = version.sharedRun.affinity ?? null;
  // TAG's network selection on the affinities of this one joint run (training data only): every partition of the tasks.
  const grouping = affinity ? bestGrouping(affinity.tasks, affinity.matrix) : { groups: [[...TASK_ORDER]], score: 0 };
  const groups = grouping.groups as TaskName[][];
  const groupedScores = {} as Partial<Record<TaskName, MetricsJSON>>;
  for (const g of groups) {
    if (g.length < 2) continue;
    if (g.length === TASK_ORDER.length) {
      for (const t of g) groupedScores[t] = version.reports[t]?.shared;
      continue;
    }
    const run = trainJoint(g, 'equal');
    seconds.grouped += run.result.seconds;
    for (const t of g) groupedScores[t] = run.scores[t].metrics;
  }
  const others = sweep.filter((s) => s !== 'equal').map((strategy) => ({ strategy, run: trainJoint(TASK_ORDER, strategy) }));
  const tasks = {} as Record<TaskName, FoldTaskScores>;
  for (const t of TASK_ORDER) {
    const r = version.reports[t];
    if (!r?.linear) throw new Error(`fold ${fold + 1}: no ${t} report`);
    const servedBy = weighServing(t, [pairOf(r)], DEFAULT_GUARD_TOLERANCE).servedBy;
    const served = servedScore(r, servedBy);
    tasks[t] = { shared: r.shared, single: r.single, ...(r.blend ? { blend: r.blend } : {}), linear: r.linear, persistence: r.persistence, seasonal_naive: r.seasonal_naive, served_by: servedBy, served, grouped: groupedScores[t] ?? r.single };
  }
  const stl = Object.fromEntries(TASK_ORDER.map((t) => [t, headline(t, tasks[t].single)]));
  const dShared = deltaM(Object.fromEntries(TASK_ORDER.map((t) => [t, headline(t, tasks[t].shared)])), stl);
  const dServed = deltaM(Object.fromEntries(TASK_ORDER.map((t) => [t, headline(t, tasks[t].served)])), stl);
  const dGrouped = deltaM(Object.fromEntries(TASK_ORDER.map((t) => [t, headline(t, tasks[t].grouped)])), stl);
  const strategies: FoldRun['strategies'] = { equal: { delta: dShared.perTask, deltaM: dShared.deltaM, seconds: seconds.shared } };
  for (const { strategy, run } of others) {
    const d = deltaM(Object.fromEntries(TASK_ORDER.map((t) => [t, headline(t, run.scores[t].metrics)])), stl);
    strategies[strategy] = { delta: d.perTask, deltaM: d.deltaM, seconds: run.result.seconds };
  }
  const h = (t: TaskName, m: MetricsJSON) => headline(t, m).value.toFixed(3);
  log(`[results] fold ${fold + 1} seed ${seed}: ${TASK_ORDER.map((t) => `${t} shared ${h(t, tasks[t].shared)} single ${h(t, tasks[t].single)} linear ${h(t, tasks[t].linear)} persistence ${h(t, tasks[t].persistence)}`).join('; ')}; Δm shared ${dShared.deltaM.toFixed(2)}% served ${dServed.deltaM.toFixed(2)}% grouped ${dGrouped.deltaM.toFixed(2)}% (${groups.map((g) => g.join('+')).join(' | ')}); ${Object.entries(strategies).map(([k, v]) => `${k} ${v.deltaM.toFixed(2)}%`).join(', ')}; ${seconds.shared.toFixed(0)} s shared vs ${seconds.single.toFixed(0)} s single`);
  return {
    fold,
    seed,
    tasks,
    delta: { shared: dShared.perTask, served: dServed.perTask, grouped: dGrouped.perTask },
    deltaM: { shared: dShared.deltaM, served: dServed.deltaM, grouped: dGrouped.deltaM },
    seconds,
    steps,
    strategies,
    affinity,
    grouping: { groups, score: grouping.score },
  };
}

/** The shared and single-task models' paired scores of each task on its selection folds. */
export interface SelectionEvidence {
  /** Per task, the names of the selection folds it was scored on, oldest first. */
  folds: Partial<Record<TaskName, string[]>>;
  /** Per task, one pair per selection fold, in the same order. */
  pairs: Partial<Record<TaskName, PairedScore[]>>;
}

export interface SelectionEvidenceOptions {
  settings: Settings;
  seed: number;
  strategy: StrategyName;
  log?: (line: string) => void;
}

/**
 * The guard's evidence from the selection folds: every rolling fold of the tasks but the last (the forward check,
 * which for most tasks is the protocol's own split), each trained and scored by the one train-and-score loop
 * (trainVersion) with the version's tasks, budget, seed and strategy. `train --from-datasets` weighs these pairs
 * beside its own split's (weighSharing: mean + sd of the loss of sharing within the tolerance), the rule the fold
 * study checks forward, instead of the one split a single training has.
 */
export function selectionFoldEvidence(frames: Partial<AllFrames>, tasks: readonly TaskName[], options: SelectionEvidenceOptions): SelectionEvidence {
  const log = options.log ?? (() => undefined);
  const plans = Object.fromEntries(
    tasks.map((t) => {
      const own = frames[t];
      if (!own) throw new Error(`no frames of ${t}`);
      return [t, taskFolds(t, own)];
    }),
  ) as Record<TaskName, TaskFold[]>;
  const k = Math.min(...tasks.map((t) => plans[t].length));
  const evidence: SelectionEvidence = { folds: {}, pairs: {} };
  for (const t of tasks) {
    evidence.folds[t] = [];
    evidence.pairs[t] = [];
  }
  for (let fold = 0; fold < k - 1; fold++) {
    const splits = prepareByInput(frames, tasks, (t) => (plans[t][fold] as TaskFold).plan, options.settings.sizes);
    const version = trainVersion(
      tasks.map((t) => splits[t]),
      { settings: options.settings, seed: options.seed, strategy: options.strategy, regime: 'joint', measureCost: false },
    );
    disposeModels(version);
    const h = (t: TaskName, m: MetricsJSON) => headline(t, m).value.toFixed(3);
    const scored: string[] = [];
    for (const t of tasks) {
      const r = version.reports[t];
      if (!r) throw new Error(`selection fold ${fold + 1}: no ${t} report`);
      evidence.folds[t]?.push((plans[t][fold] as TaskFold).name);
      evidence.pairs[t]?.push(pairOf(r));
      scored.push(`${t} shared ${h(t, r.shared)} single ${h(t, r.single)}${r.blend ? ` blend ${h(t, r.blend)}` : ''}`);
    }
    log(`[train] guard evidence, selection fold ${fold + 1} of ${k - 1}: ${scored.join(', ')} (${(version.seconds.shared + version.seconds.single + version.seconds.linear).toFixed(0)} s)`);
  }
  return evidence;
}
