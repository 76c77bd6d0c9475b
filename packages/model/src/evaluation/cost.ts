import type { MultiTaskModel } from '../architecture/model.js';
import { Rng } from '../rng.js';

export interface InferenceCost {
  /** Windows per second at this batch size (all of the model's tasks per window). */
  windowsPerSecond: number;
  flopsPerWindow: number;
  parameters: number;
}

function randomInputs(model: MultiTaskModel, batchSize: number, seed: number): Record<string, Float32Array> {
  const rng = new Rng(seed);
  return Object.fromEntries(
    Object.entries(model.config.inputs).map(([name, { features }]) => [name, Float32Array.from({ length: batchSize * model.config.lookback * features }, () => rng.normal())]),
  );
}

function timeOnce(model: MultiTaskModel, inputs: Record<string, Float32Array>, batchSize: number): number {
  const t0 = performance.now();
  model.predict(inputs, { batchSize });
  return performance.now() - t0;
}

/**
 * Measures batched inference on random windows of each input: the fastest of `repeats` timed
 * runs after a warm-up (on a shared machine, other jobs only ever add time).
 */
export function measureInference(model: MultiTaskModel, batchSize: number, options: { repeats?: number; seed?: number } = {}): InferenceCost {
  const inputs = randomInputs(model, batchSize, options.seed ?? 5);
  timeOnce(model, inputs, batchSize);
  let best = Number.POSITIVE_INFINITY;
  for (let r = 0; r < (options.repeats ?? 7); r++) best = Math.min(best, timeOnce(model, inputs, batchSize));
  return costOf(model, batchSize, best);
}

function costOf(model: MultiTaskModel, batchSize: number, ms: number): InferenceCost {
  const windows = batchSize * Object.keys(model.config.inputs).length;
  return { windowsPerSecond: (windows / Math.max(ms, 1e-6)) * 1000, flopsPerWindow: model.flopsPerWindow(), parameters: model.parameterCounts().total };
}

/** Times several models in interleaved rounds (fastest run of each), so load changes hit all alike. */
function measureInterleaved(models: readonly MultiTaskModel[], batchSize: number, rounds = 7): InferenceCost[] {
  const inputs = models.map((m) => randomInputs(m, batchSize, 5));
  models.forEach((m, i) => timeOnce(m, inputs[i] ?? {}, batchSize));
  const best = models.map(() => Number.POSITIVE_INFINITY);
  for (let r = 0; r < rounds; r++) {
    models.forEach((m, i) => {
      best[i] = Math.min(best[i] ?? Number.POSITIVE_INFINITY, timeOnce(m, inputs[i] ?? {}, batchSize));
    });
  }
  return models.map((m, i) => costOf(m, batchSize, best[i] ?? 1));
}

/**
 * Cost of serving every task from the shared model vs from one single-task model per task, per window
 * of input: time ratio (measured) and FLOP / parameter ratios (counted). < 1 is the multi-task gain.
 */
export function compareInferenceCost(shared: MultiTaskModel, singles: readonly MultiTaskModel[], batchSize: number): { time: number; flops: number; parameters: number } {
  const [s, ...perWindowSingles] = measureInterleaved([shared, ...singles], batchSize) as [InferenceCost, ...InferenceCost[]];
  // Per window of one input: the shared model answers all its tasks; each single model answers one.
  const inputs = Object.keys(shared.config.inputs).length;
  const sharedSecondsPerWindow = 1 / s.windowsPerSecond;
  const singleSeconds = perWindowSingles.reduce((a, c) => a + 1 / c.windowsPerSecond, 0) / inputs;
  const singleFlops = perWindowSingles.reduce((a, c) => a + c.flopsPerWindow, 0) / inputs;
  const singleParams = perWindowSingles.reduce((a, c) => a + c.parameters, 0);
  return { time: sharedSecondsPerWindow / singleSeconds, flops: s.flopsPerWindow / inputs / singleFlops, parameters: s.parameters / singleParams };
}
