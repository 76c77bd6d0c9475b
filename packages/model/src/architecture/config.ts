import type { TaskDefinition } from '@headstream/core';

export type EncoderKind = 'conv' | 'mixer' | 'transformer';

export interface EncoderConfig {
  kind: EncoderKind;
  /** Width of the shared representation. */
  dModel: number;
  layers: number;
  /** Time steps per token; the stem turns each patch of steps × channels into one d_model token. */
  patch: number;
  /** Hidden width of MLP blocks (mixer channel MLP, transformer FFN). */
  hidden: number;
  /** Attention heads (transformer only). */
  heads: number;
}

/**
 * Everything needed to rebuild the model; stored in the saved metadata.
 * `inputs` are the stems: one per input group (by default a domain) with its channel count.
 */
export interface ModelConfig {
  tasks: TaskDefinition[];
  inputs: Record<string, { features: number }>;
  /** Which input feeds each task; default: the task's domain. */
  taskInput?: Record<string, string>;
  lookback: number;
  encoder: EncoderConfig;
  headHidden: number;
  /**
   * The linear autoregressive path of each head: W · (the task's whole input window) added to its output.
   * none (default, and every model saved before it): network only. highway: network + linear path, so the
   * network learns what a linear model on the same lags cannot (LSTNet's highway, DLinear's linear
   * layer); the linear path is what carries to new periods and sites. only: the linear model alone
   * (no stems, encoder or MLP): the linear autoregressive reference, trained and decoded like the network.
   */
  linear?: LinearPath;
  seed: number;
}

export type LinearPath = 'none' | 'highway' | 'only';

export function linearPathOf(config: Pick<ModelConfig, 'linear'>): LinearPath {
  return config.linear ?? 'none';
}

/** Default encoder, chosen by the measured comparison in packages/model/BENCHMARKS.md. */
export const DEFAULT_ENCODER: EncoderConfig = { kind: 'mixer', dModel: 32, layers: 2, patch: 8, hidden: 64, heads: 2 };

export function inputOf(config: ModelConfig, task: TaskDefinition): string {
  const input = config.taskInput?.[task.name] ?? task.domain;
  if (!config.inputs[input]) throw new Error(`task ${task.name} reads input ${input}, which the model does not have`);
  return input;
}

/** Output width of a task head: horizons × quantiles, or classes (+1 anomaly logit). */
export function outputSize(task: TaskDefinition): number {
  return task.kind === 'regression' ? task.horizons.length * task.quantiles.length : task.classes.length + (task.anomalyScore ? 1 : 0);
}

export function validateConfig(config: ModelConfig): void {
  const { lookback, encoder } = config;
  if (config.tasks.length === 0) throw new Error('a model needs at least one task');
  if (lookback % encoder.patch !== 0) throw new Error(`lookback ${lookback} is not a multiple of the patch length ${encoder.patch}`);
  if (encoder.kind === 'transformer' && encoder.dModel % encoder.heads !== 0) throw new Error('dModel must be divisible by heads');
  if (linearPathOf(config) === 'only' && Object.keys(config.inputs).length !== 1) throw new Error('a linear-only model reads exactly one input');
  const names = new Set<string>();
  for (const t of config.tasks) {
    if (names.has(t.name)) throw new Error(`duplicate task ${t.name}`);
    names.add(t.name);
    inputOf(config, t);
  }
}
