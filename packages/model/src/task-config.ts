import type { TaskDefinition } from '@headstream/core';
import { featureCount } from '@headstream/features';
import { inputOf, isTaskName, recipeFor, recipeSpec, SHARED_LOOKBACK, taskDefinition, TASK_ORDER } from '@headstream/tasks';
import { DEFAULT_ENCODER, outputSize, type EncoderConfig, type LinearPath, type ModelConfig } from './architecture/config.js';
import { memoFile } from './backend-memo.js';
import { selectBackend } from './backend.js';
import { timedTrainingStep, trainingProbe } from './training/probe.js';

/** The input (stem) a task reads: its module's (the registry), or its own name for a task not registered. */
export function taskInputOf(definition: Pick<TaskDefinition, 'name'>): string {
  return isTaskName(definition.name) ? inputOf(definition.name) : definition.name;
}

/**
 * Model config for some tasks: one input (stem) per input the tasks read (the registry's: tasks that share one,
 * such as the gas turbine's throughput and emissions, read it through one stem); one shared encoder. `features`
 * holds each task's (or input's) channel count; tasks of one input must agree on it.
 */
export function modelConfig(definitions: readonly TaskDefinition[], features: Record<string, number>, seed: number, encoder: EncoderConfig = DEFAULT_ENCODER, linear: LinearPath = 'none'): ModelConfig {
  const inputs: Record<string, { features: number }> = {};
  for (const d of definitions) {
    const input = taskInputOf(d);
    const f = features[d.name] ?? features[input] ?? 0;
    const seen = inputs[input];
    if (seen && seen.features !== f) throw new Error(`tasks reading input ${input} disagree on its features (${seen.features} vs ${f} for ${d.name})`);
    inputs[input] = { features: f };
  }
  return {
    ...(linear === 'none' ? {} : { linear }),
    tasks: definitions.map((d) => structuredClone(d)),
    inputs,
    taskInput: Object.fromEntries(definitions.map((d) => [d.name, taskInputOf(d)])),
    lookback: SHARED_LOOKBACK,
    encoder,
    headHidden: 32,
    seed,
  };
}

/**
 * The backend that trains the registry's all-task model fastest at this batch size, among those that work here
 * (the trainer's choice; the predictor probes with the same model at its serving batch). A measurement of the
 * same job on this machine within a day is reused (HS_TF_BACKEND_MEMO names its file, or `off`; backend-memo.ts).
 */
export async function chooseBackend(log: (line: string) => void, batchSize = 128): Promise<string> {
  const definitions = TASK_ORDER.map((t) => taskDefinition(t));
  const features = Object.fromEntries(TASK_ORDER.map((t, i) => [t, featureCount(recipeSpec(recipeFor(t), definitions[i] as TaskDefinition))]));
  const config = modelConfig(definitions, features, 1);
  const file = memoFile();
  const job = `a training step of the registry's all-task model at batch ${batchSize}`;
  // What the timing also depends on: the model's shape (its inputs, heads and encoder).
  const signature = JSON.stringify({ inputs: config.inputs, outputs: config.tasks.map((t) => [t.name, outputSize(t)]), lookback: config.lookback, encoder: config.encoder, headHidden: config.headHidden });
  return (await selectBackend(trainingProbe(config), { log, timedStep: timedTrainingStep(config, batchSize, { gradientsOn: 'parameters' }), ...(file ? { memo: { file, job, signature } } : {}) })).backend;
}
