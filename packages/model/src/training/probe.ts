import type { ModelConfig } from '../architecture/config.js';
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
