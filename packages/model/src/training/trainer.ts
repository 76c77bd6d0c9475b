import type { TaskDefinition } from '@headstream/core';
import type { ModelConfig } from '../architecture/config.js';
import { MultiTaskModel } from '../architecture/model.js';
import { Rng } from '../rng.js';
import { createStrategy, type StrategyName } from '../weighting/index.js';
import type { WeightingStrategy } from '../weighting/types.js';
import { batchRows, disposeBatch, stepsPerEpoch, toBatch, type BatchPer, type MultiTaskData, type WindowsPerEpoch } from './data.js';
import { Adam, writeWeights } from './optimizer.js';
import type { DataParallel } from './parallel.js';
import { meanAffinity } from './affinity.js';
import { layoutOf, trainStep, type StepResult } from './step.js';
import { conflictFromGram, meanConflict, type GradientConflict, type GradientSite, type TrainingEvent } from './telemetry.js';

export type Regime = 'joint' | 'sequential';

export interface TrainOptions {
  epochs: number;
  batchSize?: number;
  learningRate?: number;
  /**
   * constant: `learningRate` throughout. cosine: decays from `learningRate` to `minLearningRateFactor` of it
   * over each phase's steps (half a cosine), so the last epochs average out the mini-batch noise instead of
   * leaving the weights wherever the final full-size steps put them. Default cosine.
   */
  schedule?: 'constant' | 'cosine';
  /** Cap on the windows each epoch draws per input (a fresh random draw each epoch); default all. */
  windowsPerEpoch?: WindowsPerEpoch;
  /** What `batchSize` counts: windows per step (default) or per input per step (see BatchPer). */
  batchPer?: BatchPer;
  /** Floor of the cosine schedule as a fraction of `learningRate` (default 0.05). */
  minLearningRateFactor?: number;
  /**
   * End on a moving average of the weights (Adam's averageDecay) instead of the last iterate: the share of
   * each phase's steps the average spans (decay 1 − 1/(share × steps)), so a model trained on four tasks'
   * steps averages over the same share of its training as a single-task one. 0 / absent: the last iterate.
   */
  weightAverage?: number;
  /** A name (fresh strategy per phase) or an instance (caller keeps its state). Default equal. */
  strategy?: StrategyName | WeightingStrategy;
  /** joint: all tasks, one combined loss. sequential: one task after another on the same encoder. */
  regime?: Regime;
  /** Subset and order of tasks to train; default all of the model's tasks. */
  tasks?: readonly string[];
  gradientsOn?: GradientSite;
  /** Conflict telemetry on every k-th step (0 = never; strategies needing gradients still get them). */
  telemetryEvery?: number;
  /**
   * Inter-task affinity (TAG lookahead, lookaheadAffinity) on every k-th step of a phase of several tasks
   * (0 = never): per-task gradients on the shared parameters, then one lookahead step per task and a forward
   * pass of every task. Steps that are also telemetry steps reuse their per-task gradients. Single-threaded only.
   */
  affinityEvery?: number;
  /** Step size of the affinity lookahead (default: the step's learning rate, the paper's η). */
  affinityStepSize?: number;
  seed?: number;
  onEvent?: (event: TrainingEvent) => void;
  /**
   * Data-parallel workers (DataParallel.create): each step's batch is split over this thread and the
   * workers; the update is the same as single-threaded up to float rounding, for every strategy.
   */
  parallel?: DataParallel;
}

export interface EpochSummary {
  phase: string[];
  epoch: number;
  losses: Record<string, number>;
  jointLoss: number;
  conflict?: GradientConflict;
}

/** Mean lookahead affinity over the measured steps: matrix[i][j] = Z of tasks[i] onto tasks[j]. */
export interface AffinitySummary {
  tasks: string[];
  matrix: number[][];
  steps: number;
}

export interface TrainResult {
  strategy: string;
  regime: Regime;
  history: EpochSummary[];
  steps: number;
  seconds: number;
  /** The joint phase's mean inter-task affinity (TrainOptions.affinityEvery; absent when never measured). */
  affinity?: AffinitySummary;
}

const byName = (rec: readonly string[], values: readonly number[]) => Object.fromEntries(rec.map((t, i) => [t, values[i] ?? NaN]));

/** Half a cosine from `base` at step 0 to `floor` at the last of `total` steps. */
function cosineRate(step: number, total: number, base: number, floor: number): number {
  return total <= 1 ? base : floor + 0.5 * (base - floor) * (1 + Math.cos((Math.PI * step) / (total - 1)));
}

/** Trains the model in place (the training loop of the LibMTL split: no architecture, no weighting here). */
export function train(model: MultiTaskModel, data: MultiTaskData, options: TrainOptions): TrainResult {
  const regime = options.regime ?? 'joint';
  const names = options.tasks ? [...options.tasks] : model.tasks.map((t) => t.name);
  const defs = names.map((n) => model.task(n));
  const phases: TaskDefinition[][] = regime === 'joint' ? [defs] : defs.map((t) => [t]);
  const rng = new Rng(options.seed ?? model.config.seed);
  const baseRate = options.learningRate ?? 3e-3;
  const optimizer = new Adam({ learningRate: baseRate });
  const share = options.weightAverage ?? 0;
  if (!(share >= 0 && share <= 1)) throw new Error(`weightAverage ${share} is not a share of the steps in [0, 1]`);
  const floor = baseRate * (options.minLearningRateFactor ?? 0.05);
  const history: EpochSummary[] = [];
  const started = performance.now();
  let step = 0;
  const eventRegime = defs.length === 1 && model.tasks.length === 1 ? 'single' : regime;
  const affinityEvery = options.affinityEvery ?? 0;
  if (affinityEvery > 0 && options.parallel) throw new Error('affinityEvery: the affinity lookahead is measured single-threaded (no parallel option)');
  const affinities: number[][][] = [];
  let affinityTasks: string[] = [];
  for (const phase of phases) {
    const strategy = typeof options.strategy === 'object' ? options.strategy : createStrategy(options.strategy ?? 'equal', phase.length, options.seed ?? 1);
    const taskNames = phase.map((t) => t.name);
    const epochSteps = stepsPerEpoch(data, options.batchSize ?? 256, taskNames, options.windowsPerEpoch, options.batchPer);
    optimizer.resetAverage(share > 0 ? 1 - 1 / Math.max(1, share * epochSteps * options.epochs) : 0);
    for (let epoch = 0; epoch < options.epochs; epoch++) {
      const t0 = performance.now();
      const sums = new Array<number>(phase.length).fill(0);
      let joint = 0;
      let steps = 0;
      let samples = 0;
      const conflicts: GradientConflict[] = [];
      const epochAffinities: number[][][] = [];
      for (const rows of batchRows(data, options.batchSize ?? 256, rng, taskNames, options.windowsPerEpoch, options.batchPer)) {
        optimizer.learningRate = options.schedule === 'constant' ? baseRate : cosineRate(epoch * epochSteps + steps, options.epochs * epochSteps, baseRate, floor);
        const every = options.telemetryEvery ?? 0;
        const sampled = every > 0 && step % every === 0;
        const lookahead = affinityEvery > 0 && phase.length > 1 && step % affinityEvery === 0;
        // Per-task gradients on the parameters cost one backward pass per task: take them only on sampled
        // steps or for a strategy that combines gradients; every other step is one pass of the summed loss
        // (representation mode without a Gram matrix), the same update for a loss-weighting strategy.
        const site = options.gradientsOn ?? 'representation';
        const stepOptions = {
          gradientsOn: lookahead ? 'parameters' : sampled || strategy.needsGradients ? site : 'representation',
          wantGram: sampled,
          ...(lookahead ? { affinity: options.affinityStepSize ?? optimizer.learningRate } : {}),
        } as const;
        let r: StepResult;
        if (options.parallel) r = options.parallel.step(model, data, rows, phase, strategy, optimizer, stepOptions);
        else {
          const batch = toBatch(data, rows, taskNames);
          try {
            r = trainStep(model, batch, phase, strategy, optimizer, stepOptions);
          } finally {
            disposeBatch(batch);
          }
        }
        samples += Object.values(rows).reduce((a, x) => a + x.length, 0);
        r.losses.forEach((l, i) => (sums[i] = (sums[i] ?? 0) + l));
        joint += r.jointLoss;
        const conflict = r.gram ? conflictFromGram(r.gram) : undefined;
        if (sampled && conflict) conflicts.push(conflict);
        if (r.affinity) epochAffinities.push(r.affinity);
        if (sampled || r.affinity) {
          options.onEvent?.({
            type: 'step',
            regime: eventRegime,
            tasks: taskNames,
            epoch,
            step,
            learningRate: optimizer.learningRate,
            strategy: strategy.name,
            losses: byName(taskNames, r.losses),
            weights: byName(taskNames, r.weights),
            jointLoss: r.jointLoss,
            ...(conflict ? { conflict: { ...conflict, site: stepOptions.gradientsOn } } : {}),
            ...(r.affinity ? { affinity: r.affinity } : {}),
          });
        }
        steps++;
        step++;
      }
      const mean = sums.map((s) => s / Math.max(steps, 1));
      strategy.endEpoch?.(mean);
      const conflict = meanConflict(conflicts);
      const epochAffinity = epochAffinities.length ? { matrix: meanAffinity(epochAffinities), steps: epochAffinities.length } : undefined;
      if (epochAffinity) {
        affinities.push(...epochAffinities);
        affinityTasks = taskNames;
      }
      history.push({ phase: taskNames, epoch, losses: byName(taskNames, mean), jointLoss: joint / Math.max(steps, 1), ...(conflict ? { conflict } : {}) });
      options.onEvent?.({
        type: 'epoch',
        regime: eventRegime,
        tasks: taskNames,
        epoch,
        strategy: strategy.name,
        steps,
        samplesPerSecond: samples / ((performance.now() - t0) / 1000),
        losses: byName(taskNames, mean),
        jointLoss: joint / Math.max(steps, 1),
        ...(conflict ? { conflict: { ...conflict, site: options.gradientsOn ?? 'representation', sampledSteps: conflicts.length } } : {}),
        ...(epochAffinity ? { affinity: epochAffinity } : {}),
        strategyState: strategy.state(),
      });
    }
    const average = optimizer.averageWeights();
    if (average) writeWeights(model, layoutOf(model), average);
  }
  const strategyName = typeof options.strategy === 'object' ? options.strategy.name : (options.strategy ?? 'equal');
  const affinity = affinities.length ? { tasks: affinityTasks, matrix: meanAffinity(affinities), steps: affinities.length } : undefined;
  return { strategy: strategyName, regime, history, steps: step, seconds: (performance.now() - started) / 1000, ...(affinity ? { affinity } : {}) };
}

/** Same architecture with a single head: the baseline every retrain compares against (DESIGN.md). */
export function singleTaskConfig(config: ModelConfig, task: string): ModelConfig {
  const def = config.tasks.find((t) => t.name === task);
  if (!def) throw new Error(`config has no task ${task}`);
  const input = config.taskInput?.[task] ?? def.domain;
  const features = config.inputs[input];
  if (!features) throw new Error(`config has no input ${input}`);
  return {
    ...structuredClone(config),
    tasks: [structuredClone(def)],
    inputs: { [input]: { ...features } },
    ...(config.taskInput ? { taskInput: { [task]: input } } : {}),
  };
}

/** Trains one single-task model per task (same architecture, same options, one head each). */
export function trainSingleTaskModels(config: ModelConfig, data: MultiTaskData, options: Omit<TrainOptions, 'tasks' | 'regime'>): Record<string, MultiTaskModel> {
  const out: Record<string, MultiTaskModel> = {};
  for (const t of config.tasks) {
    const model = MultiTaskModel.create(singleTaskConfig(config, t.name));
    train(model, data, { ...options, strategy: 'equal', regime: 'joint' });
    out[t.name] = model;
  }
  return out;
}
