import { tf, type Tensor } from '../tf.js';

/**
 * Multiply-accumulate counter. Every matMul of the model goes through `dense`/`bmm`, so a forward
 * pass with counting on gives the model's FLOPs exactly (elementwise ops, a few % more, are left out).
 */
export const flopCounter = { enabled: false, flops: 0 };

function count(flops: number): void {
  if (flopCounter.enabled) flopCounter.flops += flops;
}

const swapLast = (x: Tensor): Tensor => tf.transpose(x, x.rank === 2 ? [1, 0] : [...Array.from({ length: x.rank - 2 }, (_, i) => i), x.rank - 1, x.rank - 2]);

/**
 * Plain a·b whose gradient uses explicit transposes. tfjs-core's BatchMatMul gradient calls matMul with
 * transposeA/transposeB, which the wasm backend runs outside XNNPACK: 4–8× slower than transposing
 * first (measured: [2048,128]ᵀ-style products 8.6 ms vs 1.4 ms). The backward pass is two thirds of
 * the matMuls of a step, so this halves a training step on wasm; on cpu and tfjs-node it costs ~nothing.
 */
const plainMatMul = tf.customGrad((...args) => {
  const [a, b, save] = args as [Tensor, Tensor, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a, b),
    gradFunc: (dy: Tensor, saved: Tensor[]) => {
      const [sa, sb] = saved as [Tensor, Tensor];
      return [tf.matMul(dy, swapLast(sb)), tf.matMul(swapLast(sa), dy)];
    },
  };
});

/**
 * matMul with optional transposes. On wasm (and cpu) always run as a non-transposed product (see
 * plainMatMul); native TensorFlow multiplies transposed operands in the kernel itself, and every extra
 * op costs it more than the multiply (tfjs-node's per-op overhead), so there the transposes stay flags
 * and tfjs-core's own gradient applies.
 */
export function matMul(a: Tensor, b: Tensor, transposeA = false, transposeB = false): Tensor {
  if (tf.getBackend() === 'tensorflow') return tf.matMul(a, b, transposeA, transposeB);
  const x = transposeA ? swapLast(a) : a;
  const y = transposeB ? swapLast(b) : b;
  // Outside a gradient computation (inference) the custom-gradient wrapper is pure overhead.
  return tf.engine().state.gradientDepth > 0 ? plainMatMul(x, y) : tf.matMul(x, y);
}

/**
 * relu whose gradient is dy · (x > 0). tfjs-node builds the Step kernel of tfjs-core's relu gradient
 * from six full-size ops (isNaN, greater, ones, fill, two selects); this takes two. NaN inputs get a
 * zero gradient instead of NaN, which changes nothing a finite loss can see.
 */
const nativeRelu = tf.customGrad((...args) => {
  const [x, save] = args as [Tensor, tf.GradSaveFunc];
  save([x]);
  return { value: tf.relu(x), gradFunc: (dy: Tensor, saved: Tensor[]) => tf.mul(dy, tf.cast(tf.greater(saved[0] as Tensor, 0), dy.dtype)) };
});

/** relu; on native TensorFlow with the cheaper gradient above (wasm and cpu have a fused Step kernel). */
export function relu(x: Tensor): Tensor {
  return tf.getBackend() === 'tensorflow' && tf.engine().state.gradientDepth > 0 ? nativeRelu(x) : tf.relu(x);
}

/** x [..., k] · w [k, n] (+ b): reshaped to one 2-D matMul, the fastest path on every backend. */
export function dense(x: Tensor, w: Tensor, b?: Tensor): Tensor {
  const k = x.shape[x.rank - 1] ?? 0;
  const n = w.shape[1] ?? 0;
  const rows = x.size / k;
  count(2 * rows * k * n);
  const y = matMul(tf.reshape(x, [rows, k]), w);
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
  return matMul(a, b, transposeA, transposeB);
}

/** LayerNorm over the last axis, from moments (gradients exist on every backend). */
export function layerNorm(x: Tensor, gain: Tensor, bias: Tensor): Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, 1e-5))), gain), bias);
}
