import { taskDefinitionSchema, type TaskDefinition } from '@headstream/core';
import { TASKS, tasksOfKind, type TaskName } from '@headstream/tasks';
import type { ModelConfig } from '../architecture/config.js';
import { Rng } from '../rng.js';
import type { MultiTaskData } from './data.js';

/**
 * Two small regression tasks on one 16-step, 2-channel input whose targets depend on one latent factor,
 * z = the mean of channel 0 over the last 4 steps: task traffic = signs[0]·scale·z, air_quality =
 * signs[1]·scale·z (+ noise). With opposite signs and identical heads the tasks' gradients on the
 * shared representation conflict; with 'halves' each task is labelled on every other window. Used by
 * the model's tests (mechanics) and by the results benchmark (what a strategy does, over seeds).
 */
export const LATENT_LOOKBACK = 16;

const [firstRegression, secondRegression] = tasksOfKind('regression');
if (firstRegression === undefined || secondRegression === undefined) throw new Error('the latent data needs two regression tasks in the registry');

/**
 * The two tasks the latent data labels (its label keys): the registry's first two regression tasks (traffic and
 * air quality), as one-step, median-only definitions; the first gets signs[0], the second signs[1].
 */
export const LATENT_TASKS: readonly [TaskName, TaskName] = [firstRegression, secondRegression];

export const latentTask = (name: TaskName): TaskDefinition =>
  taskDefinitionSchema.parse({ ...TASKS[name], domain: 'city', horizons: [1], quantiles: [0.5], lookback: LATENT_LOOKBACK });

/** A small mixer over the latent data's input. */
export function latentConfig(tasks: TaskDefinition[], encoder: Partial<ModelConfig['encoder']> = {}): ModelConfig {
  return {
    tasks,
    inputs: { city: { features: 2 } },
    lookback: LATENT_LOOKBACK,
    encoder: { kind: 'mixer', dModel: 8, layers: 1, patch: 4, hidden: 16, heads: 2, ...encoder },
    headHidden: 8,
    seed: 3,
  };
}

export function latentData(n: number, signs: [number, number], labelled: 'all' | 'halves', seed = 11, scale = 2): MultiTaskData {
  const L = LATENT_LOOKBACK;
  const rng = new Rng(seed);
  const x = new Float32Array(n * L * 2);
  const y1 = new Float32Array(n);
  const y2 = new Float32Array(n);
  const m1 = new Float32Array(n);
  const m2 = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let z = 0;
    for (let s = 0; s < L; s++) {
      const v = rng.normal();
      x[(i * L + s) * 2] = v;
      x[(i * L + s) * 2 + 1] = rng.normal();
      if (s >= L - 4) z += v / 4;
    }
    y1[i] = signs[0] * scale * z + 0.05 * rng.normal();
    y2[i] = signs[1] * scale * z + 0.05 * rng.normal();
    m1[i] = labelled === 'all' || i % 2 === 0 ? 1 : 0;
    m2[i] = labelled === 'all' || i % 2 === 1 ? 1 : 0;
  }
  return {
    lookback: L,
    inputs: { city: { n, features: 2, x } },
    labels: {
      [LATENT_TASKS[0]]: { kind: 'regression', input: 'city', width: 1, y: y1, mask: m1 },
      [LATENT_TASKS[1]]: { kind: 'regression', input: 'city', width: 1, y: y2, mask: m2 },
    },
  };
}
