import type { MultiTaskModel } from '../architecture/model.js';
import { Rng } from '../rng.js';

export interface InferenceCost {
  /** Windows per second at this batch size (all of the model's tasks per window). */
  windowsPerSecond: number;
  flopsPerWindow: number;
  parameters: number;
}

/** Measures batched inference on random windows of each input (median of `repeats` timed runs after warm-up). */
export function measureInference(model: MultiTaskModel, batchSize: number, options: { repeats?: number; seed?: number } = {}): InferenceCost {
  const rng = new Rng(options.seed ?? 5);
  const inputs = Object.fromEntries(
    Object.entries(model.config.inputs).map(([name, { features }]) => [name, Float32Array.from({ length: batchSize * model.config.lookback * features }, () => rng.normal())]),
  );
  const windows = batchSize * Object.keys(inputs).length;
  model.predict(inputs, { batchSize });
  const times: number[] = [];
  for (let r = 0; r < (options.repeats ?? 5); r++) {
    const t0 = performance.now();
    model.predict(inputs, { batchSize });
    times.push(performance.now() - t0);
  }
  times.sort((a, b) => a - b);
  const ms = times[Math.floor(times.length / 2)] ?? 1;
  return { windowsPerSecond: (windows / ms) * 1000, flopsPerWindow: model.flopsPerWindow(), parameters: model.parameterCounts().total };
}

/**
 * Cost of serving every task from the shared model vs from one single-task model per task, per window
 * of input: time ratio (measured) and FLOP / parameter ratios (counted). < 1 is the multi-task gain.
 */
export function compareInferenceCost(shared: MultiTaskModel, singles: readonly MultiTaskModel[], batchSize: number): { time: number; flops: number; parameters: number } {
  const s = measureInference(shared, batchSize);
  const perWindowSingles = singles.map((m) => measureInference(m, batchSize));
  // Per window of one input: the shared model answers all its tasks; each single model answers one.
  const inputs = Object.keys(shared.config.inputs).length;
  const sharedSecondsPerWindow = 1 / s.windowsPerSecond;
  const singleSeconds = perWindowSingles.reduce((a, c) => a + 1 / c.windowsPerSecond, 0) / inputs;
  const singleFlops = perWindowSingles.reduce((a, c) => a + c.flopsPerWindow, 0) / inputs;
  const singleParams = perWindowSingles.reduce((a, c) => a + c.parameters, 0);
  return { time: sharedSecondsPerWindow / singleSeconds, flops: s.flopsPerWindow / inputs / singleFlops, parameters: s.parameters / singleParams };
}
