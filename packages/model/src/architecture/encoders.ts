import { tf, type Tensor } from '../tf.js';
import type { EncoderConfig } from './config.js';
import { bmm, dense, layerNorm, relu } from './ops.js';
import type { ParamStore } from './params.js';

/**
 * Shared temporal encoders over tokens [b, p, d]. Built only from matMul, pad/slice, reshape/transpose,
 * relu, softmax and moments: ops whose gradients exist and are fast on cpu, wasm and tfjs-node (dilated
 * conv2d has no gradient anywhere and wasm lacks Conv2DBackpropFilter, hence convolution as shift + matMul).
 */
export function createEncoder(params: ParamStore, cfg: EncoderConfig, tokens: number): void {
  const d = cfg.dModel;
  params.add('encoder/pos', [tokens, d], { normal: 0.02 });
  for (let l = 0; l < cfg.layers; l++) {
    const p = `encoder/${l}`;
    if (cfg.kind === 'conv') {
      params.add(`${p}/w`, [2 * d, d], 'glorot');
      params.add(`${p}/b`, [d], 'zeros');
      params.add(`${p}/ln_g`, [d], 'ones');
      params.add(`${p}/ln_b`, [d], 'zeros');
    } else if (cfg.kind === 'mixer') {
      params.add(`${p}/tok_w1`, [tokens, tokens], 'glorot');
      params.add(`${p}/tok_b1`, [tokens], 'zeros');
      params.add(`${p}/ch_w1`, [d, cfg.hidden], 'glorot');
      params.add(`${p}/ch_b1`, [cfg.hidden], 'zeros');
      params.add(`${p}/ch_w2`, [cfg.hidden, d], 'glorot');
      params.add(`${p}/ch_b2`, [d], 'zeros');
      params.add(`${p}/ln_g`, [d], 'ones');
      params.add(`${p}/ln_b`, [d], 'zeros');
    } else {
      params.add(`${p}/qkv`, [d, 3 * d], 'glorot');
      params.add(`${p}/proj`, [d, d], 'glorot');
      params.add(`${p}/ff_w1`, [d, cfg.hidden], 'glorot');
      params.add(`${p}/ff_b1`, [cfg.hidden], 'zeros');
      params.add(`${p}/ff_w2`, [cfg.hidden, d], 'glorot');
      params.add(`${p}/ff_b2`, [d], 'zeros');
      params.add(`${p}/ln1_g`, [d], 'ones');
      params.add(`${p}/ln1_b`, [d], 'zeros');
      params.add(`${p}/ln2_g`, [d], 'ones');
      params.add(`${p}/ln2_b`, [d], 'zeros');
    }
  }
}

export function applyEncoder(params: ParamStore, cfg: EncoderConfig, x: Tensor): Tensor {
  let h = tf.add(x, params.get('encoder/pos'));
  for (let l = 0; l < cfg.layers; l++) {
    const p = `encoder/${l}`;
    if (cfg.kind === 'conv') h = convBlock(params, p, h, 2 ** l);
    else if (cfg.kind === 'mixer') h = mixerBlock(params, p, h);
    else h = transformerBlock(params, p, h, cfg.heads);
  }
  return h;
}

/**
 * Causal dilated convolution, kernel 2: y_t = relu([x_t, x_{t-d}] · W + b), as a shift (pad + slice)
 * and one matMul, with a residual connection and LayerNorm.
 */
function convBlock(params: ParamStore, p: string, x: Tensor, dilation: number): Tensor {
  const [b, t, d] = x.shape as [number, number, number];
  const shift = Math.min(dilation, t);
  const past = tf.slice(tf.pad(x, [[0, 0], [shift, 0], [0, 0]]), [0, 0, 0], [b, t, d]);
  const y = relu(dense(tf.concat([x, past], 2), params.get(`${p}/w`), params.get(`${p}/b`)));
  return layerNorm(tf.add(x, y), params.get(`${p}/ln_g`), params.get(`${p}/ln_b`));
}

/** MLP-Mixer block: token mixing across patches (one linear layer), then a channel MLP. */
function mixerBlock(params: ParamStore, p: string, x: Tensor): Tensor {
  const [b, t, d] = x.shape as [number, number, number];
  const ln = (z: Tensor) => layerNorm(z, params.get(`${p}/ln_g`), params.get(`${p}/ln_b`));
  const xt = tf.reshape(tf.transpose(x, [0, 2, 1]), [b * d, t]);
  const mixed = tf.transpose(tf.reshape(relu(dense(xt, params.get(`${p}/tok_w1`), params.get(`${p}/tok_b1`))), [b, d, t]), [0, 2, 1]);
  const h = tf.add(x, mixed);
  const ff = dense(relu(dense(h, params.get(`${p}/ch_w1`), params.get(`${p}/ch_b1`))), params.get(`${p}/ch_w2`), params.get(`${p}/ch_b2`));
  return ln(tf.add(h, ff));
}

/** Pre-norm transformer block over patches (tokens are few, so attention is cheap). */
function transformerBlock(params: ParamStore, p: string, x: Tensor, heads: number): Tensor {
  const [b, t, d] = x.shape as [number, number, number];
  const dh = d / heads;
  const h1 = layerNorm(x, params.get(`${p}/ln1_g`), params.get(`${p}/ln1_b`));
  const qkv = tf.reshape(dense(h1, params.get(`${p}/qkv`)), [b, t, 3, heads, dh]);
  const part = (i: number) => tf.reshape(tf.transpose(tf.squeeze(tf.slice(qkv, [0, 0, i, 0, 0], [b, t, 1, heads, dh]), [2]), [0, 2, 1, 3]), [b * heads, t, dh]);
  const att = tf.softmax(tf.mul(bmm(part(0), part(1), false, true), 1 / Math.sqrt(dh)));
  const ctx = tf.reshape(tf.transpose(tf.reshape(bmm(att, part(2)), [b, heads, t, dh]), [0, 2, 1, 3]), [b, t, d]);
  const h = tf.add(x, dense(ctx, params.get(`${p}/proj`)));
  const h2 = layerNorm(h, params.get(`${p}/ln2_g`), params.get(`${p}/ln2_b`));
  return tf.add(h, dense(relu(dense(h2, params.get(`${p}/ff_w1`), params.get(`${p}/ff_b1`))), params.get(`${p}/ff_w2`), params.get(`${p}/ff_b2`)));
}
