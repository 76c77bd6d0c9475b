import type { TaskDefinition } from '@headstream/core';
import { tf, type Tensor } from '../tf.js';
import { outputSize } from './config.js';
import { bmm, dense, relu } from './ops.js';
import type { ParamStore } from './params.js';

/**
 * Per-task pooling + head. Pooling = attention of a learned task query over the tokens (each task
 * chooses which time steps matter to it) concatenated with the last token (the most recent state).
 */
export function createHead(params: ParamStore, task: TaskDefinition, dModel: number, hidden: number): void {
  const p = `head/${task.name}`;
  params.add(`${p}/query`, [dModel, 1], { normal: 0.1 });
  params.add(`${p}/w1`, [2 * dModel, hidden], 'glorot');
  params.add(`${p}/b1`, [hidden], 'zeros');
  params.add(`${p}/w2`, [hidden, outputSize(task)], 'glorot');
  params.add(`${p}/b2`, [outputSize(task)], 'zeros');
}

/** rep [b, p, d] → raw head output [b, outputSize(task)]. */
export function applyHead(params: ParamStore, task: TaskDefinition, rep: Tensor): Tensor {
  const p = `head/${task.name}`;
  const [b, t, d] = rep.shape as [number, number, number];
  const scores = tf.softmax(tf.reshape(dense(rep, params.get(`${p}/query`)), [b, 1, t]));
  const pooled = tf.reshape(bmm(scores, rep), [b, d]);
  const last = tf.reshape(tf.slice(rep, [0, t - 1, 0], [b, 1, d]), [b, d]);
  const h = relu(dense(tf.concat([pooled, last], 1), params.get(`${p}/w1`), params.get(`${p}/b1`)));
  return dense(h, params.get(`${p}/w2`), params.get(`${p}/b2`));
}
