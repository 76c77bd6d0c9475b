import type { TaskDefinition } from '@headstream/core';
import { tf, type Tensor } from '../tf.js';
import { outputSize, type LinearPath } from './config.js';
import { bmm, dense, relu } from './ops.js';
import type { ParamStore } from './params.js';

export interface HeadShape {
  dModel: number;
  hidden: number;
  /** The task's input window: lookback × features (the linear path reads all of it). */
  lookback: number;
  features: number;
  linear: LinearPath;
}

/**
 * Per-task pooling + head. Pooling = attention of a learned task query over the tokens (each task
 * chooses which time steps matter to it) concatenated with the last token (the most recent state).
 * Regression heads may add a linear map of the raw input window (ModelConfig.linear).
 */
export function createHead(params: ParamStore, task: TaskDefinition, shape: HeadShape): void {
  const p = `head/${task.name}`;
  const out = outputSize(task);
  if (shape.linear !== 'only') {
    params.add(`${p}/query`, [shape.dModel, 1], { normal: 0.1 });
    params.add(`${p}/w1`, [2 * shape.dModel, shape.hidden], 'glorot');
    params.add(`${p}/b1`, [shape.hidden], 'zeros');
    params.add(`${p}/w2`, [shape.hidden, out], 'glorot');
    params.add(`${p}/b2`, [out], 'zeros');
  } else params.add(`${p}/lin_b`, [out], 'zeros');
  // Zeros: a highway starts as the plain network and the linear model as "no change / the mean".
  if (hasLinearPath(task, shape.linear)) params.add(`${p}/lin_w`, [shape.lookback * shape.features, out], 'zeros');
}

/** Classification heads stay network-only: a linear map of one window's levels is no fault detector. */
function hasLinearPath(task: TaskDefinition, linear: LinearPath): boolean {
  return linear === 'only' || (linear === 'highway' && task.kind === 'regression');
}

/**
 * rep [b, p, d] (the encoder's tokens; for a linear-only model the input window itself) and x [b, lookback,
 * features] (the task's input window) → raw head output [b, outputSize(task)].
 */
export function applyHead(params: ParamStore, task: TaskDefinition, rep: Tensor, x: Tensor | undefined, linear: LinearPath): Tensor {
  const p = `head/${task.name}`;
  const lin = (): Tensor => {
    const window = x ?? rep;
    const b = window.shape[0] ?? 0;
    return dense(tf.reshape(window, [b, -1]), params.get(`${p}/lin_w`));
  };
  if (linear === 'only') return tf.add(lin(), params.get(`${p}/lin_b`));
  const [b, t, d] = rep.shape as [number, number, number];
  const scores = tf.softmax(tf.reshape(dense(rep, params.get(`${p}/query`)), [b, 1, t]));
  const pooled = tf.reshape(bmm(scores, rep), [b, d]);
  const last = tf.reshape(tf.slice(rep, [0, t - 1, 0], [b, 1, d]), [b, d]);
  const h = relu(dense(tf.concat([pooled, last], 1), params.get(`${p}/w1`), params.get(`${p}/b1`)));
  const out = dense(h, params.get(`${p}/w2`), params.get(`${p}/b2`));
  if (!hasLinearPath(task, linear)) return out;
  if (!x) throw new Error(`head ${task.name} has a linear path: it needs the input window`);
  return tf.add(out, lin());
}
