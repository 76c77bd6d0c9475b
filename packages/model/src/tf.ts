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
 */
const HOOK = `export async function resolve(specifier, context, next) {
  try { return await next(specifier, context); } catch (error) {
    if (specifier.startsWith('.') && !specifier.endsWith('.js') && (context.parentURL ?? '').includes('/@tensorflow/tfjs-core/dist/')) return next(specifier + '.js', context);
    throw error;
  }
}`;
register(`data:text/javascript,${encodeURIComponent(HOOK)}`);
await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');

export { tf };
export type Tensor = tf.Tensor;
