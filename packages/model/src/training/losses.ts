import type { TaskDefinition } from '@headstream/core';
import { tf, type Tensor } from '../tf.js';

/** Labels of one task for a batch: regression y/mask are [b, horizons]; classification y is class index [b], mask [b]. */
export interface BatchLabels {
  y: Tensor;
  mask: Tensor;
}

/**
 * Masked task loss: a sample without this task's label contributes nothing, and the mean is over
 * labelled entries only, so a task's loss scale does not depend on how many of its labels a batch holds.
 * An all-unlabelled batch gives 0 (and zero gradients), not NaN. `denominator`: the number of labelled
 * entries to divide by when these rows are one shard of a larger batch (data-parallel training).
 */
export function taskLoss(task: TaskDefinition, out: Tensor, labels: BatchLabels, denominator?: number): Tensor {
  const b = out.shape[0] ?? 0;
  if (task.kind === 'regression') {
    const h = task.horizons.length;
    const q = task.quantiles.length;
    const pred = tf.reshape(out, [b, h, q]);
    const err = tf.sub(tf.expandDims(labels.y, 2), pred);
    const qs = tf.tensor1d(task.quantiles);
    // Pinball loss: its minimiser is the q-quantile, which gives the prediction intervals.
    const pinball = tf.mean(tf.maximum(tf.mul(qs, err), tf.mul(tf.sub(qs, 1), err)), 2);
    const weights = horizonLossWeights(task);
    const weighted = weights ? tf.mul(pinball, tf.tensor1d(weights)) : pinball;
    return tf.div(tf.sum(tf.mul(weighted, labels.mask)), count(labels, denominator));
  }
  const k = task.classes.length;
  const logits = tf.slice(out, [0, 0], [b, k]);
  // Unlabelled rows hold -1: clamp to a valid index, the mask removes them from the loss.
  const safe = tf.cast(tf.maximum(labels.y, 0), 'int32');
  const ce = tf.neg(tf.sum(tf.mul(tf.oneHot(safe, k), tf.logSoftmax(logits)), 1));
  const n = count(labels, denominator);
  let loss = tf.div(tf.sum(tf.mul(ce, labels.mask)), n);
  if (task.anomalyScore) {
    // Anomaly logit: trained as "not normal" (class ≠ 0), a calibrated score even for unseen fault types.
    const z = tf.reshape(tf.slice(out, [0, k], [b, 1]), [b]);
    const target = tf.cast(tf.greater(labels.y, 0), 'float32');
    const bce = tf.sub(tf.add(tf.relu(z), tf.log1p(tf.exp(tf.neg(tf.abs(z))))), tf.mul(z, target));
    loss = tf.add(loss, tf.div(tf.sum(tf.mul(bce, labels.mask)), n));
  }
  return loss;
}

/**
 * The loss weight of each horizon of a regression task (its definition's `horizonLoss`), or undefined when every
 * horizon weighs 1. `inverse`: horizon h (in steps) by 1/h, scaled to a mean of 1 over the horizons, so the task's
 * loss keeps its size beside the others'. A target learned as the change from the last value has errors that grow
 * with the horizon (air quality's labels: a mean 1.1 of its spread's units at +1 h, 3.5 at +6 h); with equal
 * weights the late horizons' loss drowns the first ones'. Chosen on the selection folds for air quality
 * (tasks' air-quality.ts says by how much).
 */
export function horizonLossWeights(task: TaskDefinition): number[] | undefined {
  if (task.kind !== 'regression' || task.horizonLoss !== 'inverse') return undefined;
  const inverse = task.horizons.map((h) => 1 / h);
  const mean = inverse.reduce((a, v) => a + v, 0) / inverse.length;
  return inverse.map((v) => v / mean);
}

function count(labels: BatchLabels, denominator: number | undefined): Tensor {
  return denominator === undefined ? tf.maximum(tf.sum(labels.mask), 1) : tf.scalar(Math.max(denominator, 1));
}
