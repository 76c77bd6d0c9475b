// One place that imports tfjs-core and registers the always-available CPU backend, so every module
// (and every backend) runs the same op code.
import { existsSync } from 'node:fs';
import { register } from 'node:module';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';

/*
 * tfjs-core's Node bundle registers no gradients; the umbrella @tensorflow/tfjs package imports
 * dist/register_all_gradients.js, an ES module whose relative imports lack the ".js" Node requires.
 * The build bundles that module graph (~880 files) into one file, dist/tfjs-gradients.js
 * (build/bundle-gradients.ts, rolldown), and this imports it: from dist/ and from src/ (tests), the
 * URL below names the same file. The registry and the engine live on globalThis, so gradients
 * registered by the bundle's copy of tfjs-core's modules serve the Node bundle's engine (tfjs
 * supports several copies).
 *
 * Without a build (tests run from source before `npm run build`) the same graph loads unbundled, through
 * a resolve hook scoped to tfjs-core's dist that adds the ".js" (trying it first: a failed resolution
 * costs an exception per module). Slower to load (2.5–3.2 s of CPU against about 0.6 s measured here),
 * same code. Why a bundle or a hook and not something cleaner (checked against the installed 4.22.0 packages):
 * - No published bundle carries the gradient configs: tf-core.node.js, tf-core.js, tf-core.fesm.js,
 *   tf-core.es2017.js and dist/miniprogram export registerGradient but none of the ~200 *GradConfig
 *   objects (they live only in the unbundled ESM files dist/gradients/*_grad.js).
 * - Writing our own configs for the ~25 kernels the model uses would duplicate tfjs (broadcasting rules
 *   of Add/Mul/Sub/Div, Softmax, Moments…) and silently miss any op added later.
 * - module.registerHooks (synchronous, in-thread) would be tidier, but needs Node ≥ 22.15.
 * Each worker thread of data-parallel training runs this module and loads its own copy.
 */
const bundled = new URL('../dist/tfjs-gradients.js', import.meta.url);
if (existsSync(bundled)) await import(bundled.href);
else {
  const HOOK = `export async function resolve(specifier, context, next) {
  if (specifier.startsWith('.') && !specifier.endsWith('.js') && (context.parentURL ?? '').includes('/@tensorflow/tfjs-core/dist/')) {
    try { return await next(specifier + '.js', context); } catch { /* a folder or another name: resolved as written below */ }
  }
  return next(specifier, context);
}`;
  register(`data:text/javascript,${encodeURIComponent(HOOK)}`);
  await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
}
// Production mode: no "install our node backend" banners or debug warnings on stderr (logs are ours).
tf.enableProdMode();

export { tf };
export type Tensor = tf.Tensor;
