import { tf, type Tensor } from '../tf.js';

/**
 * Multiply-accumulate counter. Every matMul of the model goes through `dense`/`bmm`, so a forward
 * pass with counting on gives the model's FLOPs exactly (elementwise ops, a few % more, are left out).
 */
export const flopCounter = { enabled: false, flops: 0 };

function count(flops: number): void {
  if (flopCounter.enabled) flopCounter.flops += flops;
}

/** x [..., k] · w [k, n] (+ b): reshaped to one 2-D matMul, the fastest path on every backend. */
export function dense(x: Tensor, w: Tensor, b?: Tensor): Tensor {
  const k = x.shape[x.rank - 1] ?? 0;
  const n = w.shape[1] ?? 0;
  const rows = x.size / k;
  count(2 * rows * k * n);
  const y = tf.matMul(tf.reshape(x, [rows, k]), w);
  const out = b ? tf.add(y, b) : y;
  return x.rank === 2 ? out : tf.reshape(out, [...x.shape.slice(0, -1), n]);
}

/** Batched matMul with counting. */
export function bmm(a: Tensor, b: Tensor, transposeA = false, transposeB = false): Tensor {
  const m = a.shape[transposeA ? a.rank - 1 : a.rank - 2] ?? 0;
  const k = a.shape[transposeA ? a.rank - 2 : a.rank - 1] ?? 0;
  const n = b.shape[transposeB ? b.rank - 2 : b.rank - 1] ?? 0;
  const batch = a.size / (m * k);
  count(2 * batch * m * k * n);
  return tf.matMul(a, b, transposeA, transposeB);
}

/** LayerNorm over the last axis, from moments (gradients exist on every backend). */
export function layerNorm(x: Tensor, gain: Tensor, bias: Tensor): Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), gain), bias);
}
