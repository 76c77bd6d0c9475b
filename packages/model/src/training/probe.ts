import type { ModelConfig } from '../architecture/config.js';
import { tf } from '../tf.js';
import { MultiTaskModel } from '../architecture/model.js';
import { Rng } from '../rng.js';
import { equalWeights } from '../weighting/equal.js';
import { disposeBatch, toBatch, type MultiTaskData } from './data.js';
import { Adam } from './optimizer.js';
import { trainStep } from './step.js';

/** Random data shaped for the config: every task fully labelled. For probes and benchmarks. */
export function syntheticData(config: ModelConfig, perInput: number, seed = 7): MultiTaskData {
  const rng = new Rng(seed);
  const model = { inputOf: (name: string) => config.taskInput?.[name] ?? config.tasks.find((t) => t.name === name)?.domain ?? '' };
  const inputs = Object.fromEntries(
    Object.entries(config.inputs).map(([name, { features }]) => [name, { n: perInput, features, x: Float32Array.from({ length: perInput * config.lookback * features }, () => rng.normal()) }]),
  );
  const labels: MultiTaskData['labels'] = {};
  for (const t of config.tasks) {
    const input = model.inputOf(t.name);
    labels[t.name] =
      t.kind === 'regression'
        ? { kind: 'regression', input, width: t.horizons.length, y: Float32Array.from({ length: perInput * t.horizons.length }, () => rng.normal()), mask: new Float32Array(perInput * t.horizons.length).fill(1) }
        : { kind: 'classification', input, width: 1, y: Float32Array.from({ length: perInput }, () => rng.int(t.classes.length)), mask: new Float32Array(perInput).fill(1) };
  }
  return { lookback: config.lookback, inputs, labels };
}

/** One real training step of the real model on the current backend (backend acceptance test). */
export function trainingProbe(config: ModelConfig): () => void {
  return () => {
    const model = MultiTaskModel.create(config);
    const optimizer = new Adam({ learningRate: 1e-3 });
    const data = syntheticData(config, 4);
    const batch = toBatch(data, Object.fromEntries(Object.keys(data.inputs).map((k) => [k, [0, 1, 2, 3]])), config.tasks.map((t) => t.name));
    try {
      const r = trainStep(model, batch, model.tasks, equalWeights(model.tasks.length), optimizer, { gradientsOn: 'representation', wantGram: true });
      if (!r.losses.every(Number.isFinite)) throw new Error(`probe step produced non-finite losses ${r.losses.join(', ')}`);
    } finally {
      disposeBatch(batch);
      model.dispose();
    }
  };
}

/** A training step to time backends with (SelectOptions.timedStep); release() frees its model. */
export type TimedStep = (() => void) & { release(): void };

/**
 * One training step of the real model at a real batch size, for timing a backend: the model and batch
 * are built on the first call on each backend (that call is the warm-up) and reused after.
 */
export function timedTrainingStep(config: ModelConfig, batchSize: number, options: { gradientsOn?: 'representation' | 'parameters' } = {}): TimedStep {
  let state: { backend: string; model: MultiTaskModel; batch: ReturnType<typeof toBatch>; optimizer: Adam } | undefined;
  const release = () => {
    if (!state) return;
    disposeBatch(state.batch);
    state.model.dispose();
    state = undefined;
  };
  const step = () => {
    const backend = tf.getBackend();
    if (state?.backend !== backend) {
      release();
      const data = syntheticData(config, batchSize);
      const rows = Array.from({ length: batchSize }, (_, i) => i);
      state = { backend, model: MultiTaskModel.create(config), batch: toBatch(data, Object.fromEntries(Object.keys(data.inputs).map((k) => [k, rows])), config.tasks.map((t) => t.name)), optimizer: new Adam({ learningRate: 1e-3 }) };
    }
    const { model, batch, optimizer } = state;
    trainStep(model, batch, model.tasks, equalWeights(model.tasks.length), optimizer, { gradientsOn: options.gradientsOn ?? 'representation', wantGram: true });
  };
  return Object.assign(step, { release });
}
