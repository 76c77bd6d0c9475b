import type { FeatureSpec } from './spec.js';

/** Why a window is not predicted from: too few readings in its visible steps, or (change target) no last value. */
export type UnservableReason = 'sparse' | 'no_last_value';

/**
 * The one rule of which windows get a prediction, for serving and for scoring alike (so validation scores the
 * windows serving would predict): a window is too sparse when under half of its visible steps (`spec.history`,
 * the newest) hold any reading — read from the observed masks that follow the channels in every step's
 * features — and a task whose target is the change from the last value needs that value (`persistence`).
 * `x` holds `spec.lookback` steps of `features` values each from `offset`.
 */
export function unservable(spec: FeatureSpec, task: string, x: ArrayLike<number>, offset: number, features: number, persistence: number): UnservableReason | undefined {
  const c = spec.channels.length;
  if (spec.gapMask) {
    let observed = 0;
    for (let s = spec.lookback - spec.history; s < spec.lookback; s++) {
      const row = offset + s * features + c;
      for (let k = 0; k < c; k++) {
        if ((x[row + k] ?? 0) > 0) {
          observed++;
          break;
        }
      }
    }
    if (observed * 2 < spec.history) return 'sparse';
  }
  const target = spec.targets.find((t) => t.task === task);
  if (target?.kind === 'regression' && target.transform.kind === 'change' && !Number.isFinite(persistence)) return 'no_last_value';
  return undefined;
}
