import { tf, type Tensor } from '../tf.js';
import type { ModelConfig } from './config.js';
import { dense } from './ops.js';
import type { ParamStore } from './params.js';

/** Per-input stem: each patch of `patch` steps × the input's channels → one d_model token. */
export function createStems(params: ParamStore, config: ModelConfig): void {
  const { dModel, patch } = config.encoder;
  for (const [name, { features }] of Object.entries(config.inputs)) {
    params.add(`stem/${name}/w`, [patch * features, dModel], 'glorot');
    params.add(`stem/${name}/b`, [dModel], 'zeros');
  }
}

/** x [b, lookback, features] → tokens [b, lookback / patch, d_model]. */
export function applyStem(params: ParamStore, config: ModelConfig, input: string, x: Tensor): Tensor {
  const b = x.shape[0] ?? 0;
  const features = x.shape[2] ?? 0;
  const tokens = config.lookback / config.encoder.patch;
  const patches = tf.reshape(x, [b, tokens, config.encoder.patch * features]);
  return dense(patches, params.get(`stem/${input}/w`), params.get(`stem/${input}/b`));
}
