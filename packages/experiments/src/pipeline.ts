import { cpus, totalmem } from 'node:os';
import { DOMAINS } from '@headstream/core';
import { INPUT_NAMES, tasksOfDomain, tasksOfInput, type TaskName } from '@headstream/tasks';
import { compareInferenceCost, deltaM, MultiTaskModel, train, type StrategyName, type TaskScore, type TrainingEvent, type TrainOptions } from '@headstream/model';
import { chooseBackend, DEFAULT_GUARD_TOLERANCE, SHARED_ARTIFACT, settingsFor, singleArtifact, STRATEGIES, trainOptions, trainVersion, weighSharing, type Settings } from '@headstream/training';
import { PROTOCOL_TASKS, TASK_ORDER } from './protocols.js';
import { fitTask, headline, modelConfig, modelData, runTypes, scoreTask, type MetricsJSON, type TaskScoreJSON } from './scoring.js';
import { runFoldStudy, type FoldStudy } from './fold-study.js';
import { foldClaims, pcgradClaims, type Claim } from './claims.js';
import { loadAllFrames, splitAll, splitTask, type AllFrames, type TaskSplit } from './splits.js';

export { chooseBackend, settingsFor, STRATEGIES, trainOptions, type Settings } from '@headstream/training';

/**
 * The strategies the fold study sweeps over folds × seeds by default: the one-backward-pass methods (equal
 * weights, uncertainty weighting, FAMO, SI). The k-pass methods (PCGrad, CAGrad: one backward pass per task per
 * step) run there only when asked for (`foldStrategies`, `--fold-strategies`).
 */
const FOLD_STRATEGIES: readonly StrategyName[] = ['equal', 'uncertainty', 'famo', 'si'];

/** A model of the strategy sweep: every task, the tasks of one domain, or the tasks that read one input (co-located). */
export interface SweepGroup {
  /** Key in `Results.runs`: `shared`, a domain, or `input:<input>`. */
  name: string;
  label: string;
  tasks: TaskName[];
}

/**
 * The sweep's models, from the registry: the all-task model, one per domain, and one per input that several
 * tasks read (their co-located model: one encoder pass serves them all). A group of one task, or one equal to
 * an earlier group, is left out.
 */
export function sweepGroups(tasks: readonly TaskName[] = TASK_ORDER): SweepGroup[] {
  const out: SweepGroup[] = [{ name: 'shared', label: `every task (${tasks.length})`, tasks: [...tasks] }];
  const add = (name: string, label: string, members: readonly TaskName[]) => {
    const g = TASK_ORDER.filter((t) => members.includes(t) && tasks.includes(t));
    if (g.length < 2 || out.some((o) => o.tasks.length === g.length && o.tasks.every((t) => g.includes(t)))) return;
    out.push({ name, label, tasks: g });
  };
  for (const d of DOMAINS) add(d, `${d} tasks`, tasksOfDomain(d));
  for (const input of INPUT_NAMES) add(`input:${input}`, `co-located (one ${input} input)`, tasksOfInput(input));
  return out;
}

/** The strategy sweep's fold (recorded in results.json): the Beijing station and the SKAB runs the protocols hold out. */
export interface Fold {
  airStation: string;
  faultRuns: string[];
}

/** The fold the protocol splits held out, as results.json records it. */
function foldOf(splits: Record<TaskName, TaskSplit>): Fold {
  return { airStation: splits.air_quality.plan.validationSites[0] ?? '', faultRuns: [...splits.fault.plan.validationSites] };
}

/** Published numbers the protocols compare with (see each data set's SOURCE.md). */
const PUBLISHED = {
  traffic: [
    { model: 'LSTM', mae: 7.21, rmse: 9.9, mape: 16.56 },
    { model: 'GRU', mae: 7.2, rmse: 9.97, mape: 16.78 },
    { model: 'SAEs', mae: 7.06, rmse: 9.6, mape: 17.8 },
  ],
  fault: [
    { model: 'Conv-AE', f1: 0.78 },
    { model: 'MSET', f1: 0.78 },
    { model: 'T²+Q (PCA)', f1: 0.76 },
    { model: 'LSTM-AE', f1: 0.74 },
    { model: 'Isolation forest', f1: 0.29 },
  ],
} as const;

export interface PipelineOptions {
  mode: 'quick' | 'full';
  datasetsDir?: string;
  seed?: number;
  /** Seeds of the fold study (default: the seed and the next two). */
  foldSeeds?: readonly number[];
  /** Strategies of the fold study's sweep (default: those of `strategies` among FOLD_STRATEGIES). */
  foldStrategies?: readonly StrategyName[];
  /** Seeds of the synthetic strategy claims (default: the seed and the next two). */
  claimSeeds?: readonly number[];
  /** Overrides of the mode's settings (the test suite's smoke run: one epoch, few windows). */
  settings?: Partial<Settings>;
  strategies?: readonly StrategyName[];
  log?: (line: string) => void;
}

type Scores = Record<string, Omit<TaskScoreJSON, 'predictions' | 'anomaly'>>;

export interface ModelRun {
  tasks: TaskName[];
  strategy: StrategyName;
  trainSeconds: number;
  steps: number;
  parameters: number;
  flopsPerWindow: number;
  scores: Scores;
  /** Per-task Δ% vs the single-task models (negative = better), Δm% = their mean. */
  delta: Record<string, number>;
  deltaM: number;
  grouping: { shared: string[]; own: string[]; tolerance: number };
  /** Shared ÷ one model per task (time measured, FLOPs and parameters counted). */
  inferenceCost: { time: number; flops: number; parameters: number };
  /** Sampled steps: mean pairwise cosine of per-task gradients on the shared parameters, and every pair. */
  cosine: { step: number; epoch: number; mean: number; pairs: Record<string, number> }[];
  meanCosine: Record<string, number>;
}

export interface CvResult {
  air_quality: { station: string; n: number; mae_by_horizon: number[]; persistence_by_horizon: number[]; seasonal_by_horizon: number[] }[];
  fault: { run: string; n: number; accuracy: number; macro_f1: number; anomaly_f1: number; truth: string; predicted: string; points: number; anomalies: { tp: number; fp: number; fn: number } }[];
  seconds: number;
}

export interface Results {
  meta: {
    mode: 'quick' | 'full';
    seed: number;
    date: string;
    machine: string;
    node: string;
    backend: string;
    settings: Settings;
    seconds: { total: number; load: number; sweep: number; cv: number; folds: number };
  };
  /** Rolling-origin folds of every task: shared, served, single-task, linear reference and baselines, per seed. */
  folds: FoldStudy;
  /** Quality claims checked over folds × seeds (or seeds): each holds only when its mean margin exceeds the spread. */
  claims?: Claim[];
  protocol: Record<TaskName, { describe: string; train: number; validation: number; features: number; intervalMs: number; horizons?: number[] }>;
  fold: Fold;
  single: Record<TaskName, { trainSeconds: number; parameters: number; flopsPerWindow: number; score: Omit<TaskScoreJSON, 'predictions' | 'anomaly'> }>;
  /** The sweep's models (absent in results written before them: shared, city_pair, factory_pair). */
  groups?: SweepGroup[];
  /** Per group (its name), per strategy. */
  runs: { shared: Record<string, ModelRun> } & Record<string, Record<string, ModelRun>>;
  faultRuns: { shared: { run: string; truth: number; predicted: number }[]; single: { run: string; truth: number; predicted: number }[]; sharedAccuracy: number; singleAccuracy: number };
  cv: CvResult | null;
  /** Predicted vs actual on the first validation windows (shared model, equal weights, and single-task). */
  plots: Record<TaskName, { actual: number[]; shared: number[]; single: number[]; label: string }>;
  published: typeof PUBLISHED;
}

const clean = (s: TaskScoreJSON): Omit<TaskScoreJSON, 'predictions' | 'anomaly'> => ({ task: s.task, n: s.n, metrics: s.metrics, baselines: s.baselines });

function trainModel(tasks: readonly TaskName[], splits: Record<TaskName, TaskSplit>, seed: number, options: Omit<TrainOptions, 'onEvent'>, onStep?: Parameters<typeof train>[2]['onEvent']) {
  const features = Object.fromEntries(tasks.map((t) => [t, splits[t].train.features]));
  const model = MultiTaskModel.create(modelConfig(tasks, features, seed));
  const result = train(
    model,
    modelData(tasks.map((t) => splits[t].train)),
    { ...options, ...(onStep ? { onEvent: onStep } : {}) },
  );
  return { model, result };
}

/** The whole experiment: protocols, single-task baselines, the strategy sweep over shared and pair models, CV. */
export async function runPipeline(options: PipelineOptions): Promise<Results> {
  const t0 = performance.now();
  const log = options.log ?? (() => {});
  const seed = options.seed ?? 1;
  const settings: Settings = { ...settingsFor(options.mode), ...options.settings };
  const strategies = options.strategies ?? STRATEGIES;
  const backend = await chooseBackend(log);
  const frames = await loadAllFrames(options.datasetsDir);
  const tLoad = performance.now();
  // Each task's protocol split as its module defines it (no holdout named: its own).
  const splits = splitAll(frames, {}, settings.sizes);
  const fold = foldOf(splits);
  log(`[results] data ready in ${((tLoad - t0) / 1000).toFixed(1)} s; train windows ${TASK_ORDER.map((t) => `${t} ${splits[t].train.n}`).join(', ')}`);
  const base = trainOptions(settings, seed);

  // The all-task model with equal weights and the single-task baselines (same architecture, one head, own
  // data only): the one train-and-score loop, trainVersion. Its shared model's gradient cosines are recorded.
  const equalCosine: ModelRun['cosine'] = [];
  const modelSeconds: Record<string, number> = {};
  const version = trainVersion(TASK_ORDER.map((t) => splits[t]), {
    settings,
    seed,
    strategy: 'equal',
    regime: 'joint',
    onEvent: (model, event) => {
      if (model === SHARED_ARTIFACT) recordCosine(equalCosine, TASK_ORDER, event);
    },
    onModel: (model, seconds) => {
      modelSeconds[model] = seconds;
    },
  });
  const groups = sweepGroups();
  const runs: Results['runs'] = { shared: {}, ...Object.fromEntries(groups.map((g) => [g.name, {}])) };
  let sharedEqual: Record<string, TaskScoreJSON> | undefined;
  const single = {} as Results['single'];
  const singleModels = {} as Record<TaskName, MultiTaskModel>;
  const singlePreds = {} as Record<TaskName, TaskScoreJSON>;
  try {
    for (const t of TASK_ORDER) {
      const model = version.singles[t] as MultiTaskModel;
      const s = version.scores.single[t] as TaskScoreJSON;
      singleModels[t] = model;
      singlePreds[t] = s;
      single[t] = { trainSeconds: modelSeconds[singleArtifact(t)] ?? NaN, parameters: model.parameterCounts().total, flopsPerWindow: model.flopsPerWindow(), score: clean(s) };
      log(`[results] single ${t}: ${summary(s.metrics)} (${(modelSeconds[singleArtifact(t)] ?? NaN).toFixed(1)} s)`);
    }
    for (const strategy of strategies) {
      for (const { name: group, tasks } of groups) {
        const into = runs[group] as Record<string, ModelRun>;
        const reuse = group === 'shared' && strategy === 'equal';
        const cosine: ModelRun['cosine'] = reuse ? equalCosine : [];
        const { model, result } = reuse
          ? { model: version.shared, result: version.sharedRun }
          : trainModel(tasks, splits, seed, { ...base, learningRate: settings.sharedLearningRate, strategy, gradientsOn: 'parameters', telemetryEvery: settings.telemetryEvery }, (event) => recordCosine(cosine, tasks, event));
        try {
          const scored = reuse ? (version.scores.shared as Record<string, TaskScoreJSON>) : Object.fromEntries(tasks.map((t) => [t, fitTask(model, t, splits[t].validation, splits[t].spec, splits[t].scalers)]));
          if (reuse) sharedEqual = scored;
          const mtl: Record<string, TaskScore> = {};
          const stl: Record<string, TaskScore> = {};
          for (const t of tasks) {
            mtl[t] = headline(t, (scored[t] as TaskScoreJSON).metrics);
            stl[t] = headline(t, single[t].score.metrics);
          }
          const d = deltaM(mtl, stl);
          const cost = compareInferenceCost(model, tasks.map((t) => singleModels[t]), 256);
          const meanCos: Record<string, number> = {};
          for (const key of Object.keys(cosine[0]?.pairs ?? {})) {
            const vals = cosine.map((c) => c.pairs[key] ?? NaN).filter(Number.isFinite);
            meanCos[key] = vals.reduce((a, b) => a + b, 0) / Math.max(vals.length, 1);
          }
          into[strategy] = {
            tasks: [...tasks],
            strategy,
            trainSeconds: result.seconds,
            steps: result.steps,
            parameters: model.parameterCounts().total,
            flopsPerWindow: model.flopsPerWindow(),
            scores: Object.fromEntries(Object.entries(scored).map(([k, v]) => [k, clean(v)])),
            delta: d.perTask,
            deltaM: d.deltaM,
            grouping: { ...ownEncoder(tasks, scored, single), tolerance: DEFAULT_GUARD_TOLERANCE * 100 },
            inferenceCost: cost,
            cosine,
            meanCosine: meanCos,
          };
          log(`[results] ${group} ${strategy}: Δm ${d.deltaM.toFixed(2)}% (${tasks.map((t) => `${t} ${(d.perTask[t] ?? NaN).toFixed(1)}`).join(', ')}) ${result.seconds.toFixed(1)} s`);
        } finally {
          if (!reuse) model.dispose();
        }
      }
    }
  } finally {
    version.shared.dispose();
  }
  const tSweep = performance.now();

  // Fault type per held-out run, shared (equal) vs single-task.
  const faultDef = PROTOCOL_TASKS.fault;
  const k = faultDef.kind === 'classification' ? faultDef.classes.length : 4;
  const fv = splits.fault.validation;
  const sharedRuns = sharedEqual?.fault ? runTypes(sharedEqual.fault.predictions, fv.site, fv.sites, frames.fault.runType, k) : { runs: [], accuracy: NaN };
  const singleRuns = runTypes(singlePreds.fault.predictions, fv.site, fv.sites, frames.fault.runType, k);

  const plots = {} as Results['plots'];
  for (const t of TASK_ORDER) {
    const v = splits[t].validation;
    const target = v.targets[t];
    const len = t === 'traffic' ? 288 : t === 'fault' ? 600 : 168;
    const h = target?.kind === 'regression' ? target.horizons : 1;
    const pick = (a: ArrayLike<number> | undefined) => Array.from({ length: Math.min(len, v.n) }, (_, i) => Number(a?.[i * h] ?? NaN));
    if (target?.kind === 'regression') plots[t] = { actual: pick(target.raw), shared: pick(sharedEqual?.[t]?.predictions), single: pick(singlePreds[t].predictions), label: `${PROTOCOL_TASKS[t].description} — first ${Math.min(len, v.n)} validation windows, horizon 1` };
    else if (target) plots[t] = { actual: Array.from(target.y.subarray(0, Math.min(len, v.n)), (y) => (y > 0 ? 1 : 0)), shared: Array.from(sharedEqual?.[t]?.anomaly?.subarray(0, len) ?? []), single: Array.from(singlePreds[t].anomaly?.subarray(0, len) ?? []), label: `SKAB held-out run ${v.sites[0] ?? ''}: anomaly (truth 0/1) vs anomaly score` };
  }
  for (const m of Object.values(singleModels)) m.dispose();

  const cv = settings.cv ? crossValidate(frames, settings, seed, log) : null;
  const folds = runFoldStudy(frames, settings, options.foldSeeds ?? [seed, seed + 1, seed + 2], log, options.foldStrategies ?? strategies.filter((s) => FOLD_STRATEGIES.includes(s)));
  log(`[results] guard: the choice from the selection folds matched the forward fold in ${(folds.guard.hitRate.folds * 100).toFixed(0)} % of ${folds.guard.hitRate.n} task × seed cases (one split alone: ${(folds.guard.hitRate.oneSplit * 100).toFixed(0)} %); shared where the forward fold showed sharing hurt: ${folds.guard.hitRate.harmful.folds} (one split: ${folds.guard.hitRate.harmful.oneSplit})`);
  const claims = [...foldClaims(folds), ...pcgradClaims(options.claimSeeds ?? [seed, seed + 1, seed + 2])];
  for (const c of claims) log(`[results] claim ${c.holds ? 'HOLDS' : 'not shown'}: ${c.claim} (${c.margin}: ${c.mean.toFixed(4)} ± ${c.sd.toFixed(4)}, n ${c.margins.length})`);
  const tEnd = performance.now();
  const cpu = cpus();
  return {
    meta: {
      mode: options.mode,
      seed,
      date: new Date().toISOString(),
      machine: `${cpu.length} × ${cpu[0]?.model ?? 'CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${process.platform}`,
      node: process.version,
      backend,
      settings,
      seconds: { total: (tEnd - t0) / 1000, load: (tLoad - t0) / 1000, sweep: (tSweep - tLoad) / 1000, cv: cv?.seconds ?? 0, folds: folds.seconds },
    },
    folds,
    claims,
    protocol: Object.fromEntries(
      TASK_ORDER.map((t) => {
        const def = PROTOCOL_TASKS[t];
        return [t, { describe: splits[t].describe, train: splits[t].train.n, validation: splits[t].validation.n, features: splits[t].train.features, intervalMs: def.intervalMs, ...(def.kind === 'regression' ? { horizons: def.horizons } : {}) }];
      }),
    ) as Results['protocol'],
    fold,
    single,
    groups,
    runs,
    faultRuns: { shared: sharedRuns.runs, single: singleRuns.runs, sharedAccuracy: sharedRuns.accuracy, singleAccuracy: singleRuns.accuracy },
    cv,
    plots,
    published: PUBLISHED,
  };
}

/** The guard's per-task choice on the sweep's one split (weighSharing, one pair): which tasks keep the shared encoder. */
function ownEncoder(tasks: readonly TaskName[], scored: Record<string, TaskScoreJSON>, single: Results['single']): { shared: string[]; own: string[] } {
  const by = tasks.map((t) => [t, weighSharing(t, [{ shared: (scored[t] as TaskScoreJSON).metrics, single: single[t].score.metrics }], DEFAULT_GUARD_TOLERANCE).servedBy] as const);
  return { shared: by.filter(([, b]) => b === 'shared').map(([t]) => t), own: by.filter(([, b]) => b === 'single').map(([t]) => t) };
}

/** Appends the mean pairwise gradient cosine of a telemetry step (per-task gradients on the shared parameters). */
function recordCosine(into: ModelRun['cosine'], names: readonly TaskName[], event: TrainingEvent): void {
  if (event.type !== 'step' || !event.conflict) return;
  const pairs: Record<string, number> = {};
  const c = event.conflict.cosine;
  for (let i = 0; i < names.length; i++) for (let j = i + 1; j < names.length; j++) pairs[`${names[i]}~${names[j]}`] = c[i]?.[j] ?? NaN;
  const vals = Object.values(pairs).filter(Number.isFinite);
  into.push({ step: event.step, epoch: event.epoch, mean: vals.reduce((a, b) => a + b, 0) / Math.max(vals.length, 1), pairs });
}

export function summary(m: MetricsJSON): string {
  return 'macro_f1' in m ? `macro-F1 ${m.macro_f1.toFixed(3)}, anomaly-F1 ${m.anomaly_f1.toFixed(3)}, acc ${m.accuracy.toFixed(3)}` : `MAE ${m.mae.toFixed(3)}, RMSE ${m.rmse.toFixed(3)}, MAPE ${m.mape.toFixed(1)}%`;
}

/** Leave-one-station-out (Beijing, 11 folds) and leave-one-run-out (SKAB, 34 folds) of the single-task models. */
function crossValidate(frames: AllFrames, settings: Settings, seed: number, log: (line: string) => void): CvResult {
  const t0 = performance.now();
  const cv = settings.cv ?? { epochs: 4, maxTrain: 2000 };
  const sizes = { maxTrain: cv.maxTrain, maxValidation: Infinity };
  const opts = { ...trainOptions(settings, seed, cv), strategy: 'equal' as const };
  const out: CvResult = { air_quality: [], fault: [], seconds: 0 };
  for (const station of Object.keys(frames.air_quality.frames)) {
    const split = splitTask('air_quality', frames.air_quality, [station], sizes);
    const { model } = trainModel(['air_quality'], { air_quality: split } as Record<TaskName, TaskSplit>, seed, opts);
    try {
      const s = fitTask(model, 'air_quality', split.validation, split.spec, split.scalers);
      const by = (m: MetricsJSON) => ('by_horizon' in m ? m.by_horizon.map((h) => h.mae) : []);
      out.air_quality.push({ station, n: s.n, mae_by_horizon: by(s.metrics), persistence_by_horizon: by(s.baselines.persistence), seasonal_by_horizon: by(s.baselines.seasonal_naive) });
      log(`[results] LOSO ${station}: MAE@1 ${by(s.metrics)[0]?.toFixed(2)} vs persistence ${by(s.baselines.persistence)[0]?.toFixed(2)}`);
    } finally {
      model.dispose();
    }
  }
  const classes = PROTOCOL_TASKS.fault.kind === 'classification' ? PROTOCOL_TASKS.fault.classes : [];
  for (const run of Object.keys(frames.fault.frames)) {
    const split = splitTask('fault', frames.fault, [run], sizes);
    const { model } = trainModel(['fault'], { fault: split } as Record<TaskName, TaskSplit>, seed, opts);
    try {
      const s = scoreTask(model, 'fault', split.validation, split.spec, split.scalers);
      const m = s.metrics as Extract<MetricsJSON, { macro_f1: number }>;
      const rt = runTypes(s.predictions, split.validation.site, split.validation.sites, frames.fault.runType, classes.length);
      const target = split.validation.targets.fault;
      const anomalies = { tp: 0, fp: 0, fn: 0 };
      if (target?.kind === 'classification') {
        target.y.forEach((y, i) => {
          if (y < 0) return;
          const flagged = (s.anomaly?.[i] ?? 0) >= 0.5;
          if (y > 0 && flagged) anomalies.tp++;
          else if (flagged) anomalies.fp++;
          else if (y > 0) anomalies.fn++;
        });
      }
      out.fault.push({ run, n: s.n, accuracy: m.accuracy, macro_f1: m.macro_f1, anomaly_f1: m.anomaly_f1, truth: classes[rt.runs[0]?.truth ?? 0] ?? '?', predicted: classes[rt.runs[0]?.predicted ?? 0] ?? '?', points: s.n, anomalies });
      log(`[results] LORO ${run}: anomaly-F1 ${m.anomaly_f1.toFixed(3)}, type ${classes[rt.runs[0]?.truth ?? 0]} → ${classes[rt.runs[0]?.predicted ?? 0]}`);
    } finally {
      model.dispose();
    }
  }
  out.seconds = (performance.now() - t0) / 1000;
  return out;
}
