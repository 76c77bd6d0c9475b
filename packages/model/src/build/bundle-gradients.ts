/**
 * Build step (`npm run build` in packages/model, after tsc): bundles tfjs-core's gradient registrations
 * (dist/register_all_gradients.js and the ~880 unbundled ES modules it reaches) into one file,
 * dist/tfjs-gradients.js, with rolldown. tf.ts imports that file, so a process that loads the model
 * reads one module instead of resolving ~880 through a loader hook: measured here, importing
 * @headstream/model went from 2.5–3.2 s of CPU to about 0.6 s (every CLI run, service and test worker
 * that trains or serves pays it).
 *
 * The bundle is the same code as the module graph it replaces: the gradient configs register into
 * tfjs-core's registry on globalThis, which the Node bundle's engine reads.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const GRADIENTS_BUNDLE = 'tfjs-gradients.js';

const require = createRequire(import.meta.url);
// tfjs-core's exports map has no entry for this file: locate it from the package's own folder.
const coreDir = dirname(require.resolve('@tensorflow/tfjs-core/package.json'));
const outFile = join(dirname(fileURLToPath(import.meta.url)), '..', GRADIENTS_BUNDLE);

const started = Date.now();
await build({
  input: join(coreDir, 'dist', 'register_all_gradients.js'),
  platform: 'node',
  // tfjs-core's ES modules import each other without the ".js" Node requires.
  resolve: { extensions: ['.js'] },
  output: { file: outFile, format: 'esm' },
  logLevel: 'warn',
});
process.stdout.write(`bundled tfjs-core's gradients into dist/${GRADIENTS_BUNDLE} in ${Date.now() - started} ms\n`);
