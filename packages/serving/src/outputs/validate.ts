import { predictionSchema, type Prediction } from '@headstream/core';

/** A prediction that breaks the contract (predictionSchema): a bug upstream, so never worth retrying. */
export class InvalidPredictionError extends Error {
  override name = 'InvalidPredictionError';
  constructor(
    message: string,
    /** Position of the prediction in its batch. */
    readonly index: number,
    readonly task: string | undefined,
    readonly site: string | undefined,
  ) {
    super(message);
  }
}

const field = (value: unknown, key: string): string | undefined => {
  const v = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return typeof v === 'string' ? v : undefined;
};

/**
 * Checks every prediction of a batch against predictionSchema before any of it leaves the
 * process: consumers (and the JSON Schema) rely on the contract. Throws InvalidPredictionError
 * for the first bad one, naming its task and site.
 */
export function checkPredictions(batch: readonly Prediction[]): void {
  // A fan-out hands the same batch to every destination: check it once, not once per destination.
  if (checked.has(batch)) return;
  batch.forEach((prediction, index) => {
    const result = predictionSchema.safeParse(prediction);
    if (result.success) return;
    const task = field(prediction, 'task');
    const site = field(prediction, 'site');
    const problems = result.error.issues.map((i) => `${i.path.length > 0 ? i.path.join('.') : '(payload)'}: ${i.message}`).join('; ');
    throw new InvalidPredictionError(`invalid prediction ${index} of the batch (task ${task ?? '?'}, site ${site ?? '?'}): ${problems}`, index, task, site);
  });
  checked.add(batch);
}

/** Batches that passed the check (readonly arrays: nothing changes them afterwards). */
const checked = new WeakSet<readonly Prediction[]>();
