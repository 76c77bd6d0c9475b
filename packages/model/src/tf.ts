// One place that imports tfjs-core and registers the always-available CPU backend, so every module
// (and every backend) runs the same op code.
import { register } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

/*
 * tfjs-core's Node bundle registers no gradients; the umbrella @tensorflow/tfjs package imports
 * dist/register_all_gradients.js, an ES module whose relative imports lack the ".js" Node requires.
 * A resolve hook scoped to tfjs-core's dist adds it. The registry and the engine live on globalThis,
 * so gradients registered by that module graph serve the bundle's engine (tfjs supports several copies).
 *
 * Why a hook and not something cleaner (checked against the installed 4.22.0 packages):
 * - No bundle carries the gradient configs: tf-core.node.js, tf-core.js, tf-core.fesm.js, tf-core.es2017.js
 *   and dist/miniprogram export registerGradient but none of the ~200 *GradConfig objects (they live
 *   only in the unbundled ESM files dist/gradients/*_grad.js); tfjs-backend-cpu/-wasm carry none either.
 * - Importing those files one by one and calling tf.registerGradient fails the same way: each imports
 *   '../kernel_names', '../ops/…' without extensions. require() of them (Node 20.19 require(esm)) resolves
 *   their imports with the same ESM rules.
 * - Writing our own configs for the ~25 kernels the model uses would duplicate tfjs (broadcasting rules
 *   of Add/Mul/Sub/Div, Softmax, Moments…) and silently miss any op added later.
 * - module.registerHooks (synchronous, in-thread) would be tidier, but needs Node ≥ 22.15.
 * The hook only touches failed resolutions of relative specifiers imported from tfjs-core's dist/, and
 * each worker thread of data-parallel training runs this module and registers its own.
 */
const HOOK = `export async function resolve(specifier, context, next) {
  try { return await next(specifier, context); } catch (error) {
    if (specifier.startsWith('.') && !specifier.endsWith('.js') && (context.parentURL ?? '').includes('/@tensorflow/tfjs-core/dist/')) return next(specifier + '.js', context);
    throw error;
  }
}`;
register(`data:text/javascript,${encodeURIComponent(HOOK)}`);
await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
// Production mode: no "install our node backend" banners or debug warnings on stderr (logs are ours).
tf.enableProdMode();

export { tf };
export type Tensor = tf.Tensor;
