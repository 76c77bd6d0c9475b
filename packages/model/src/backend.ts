import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { tf } from './tf.js';

export type BackendCandidate = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

/** Preference order: native GPU, native CPU, wasm (SIMD), plain JS cpu. */
export const BACKEND_ORDER: readonly BackendCandidate[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

export interface BackendAttempt {
  candidate: BackendCandidate;
  ok: boolean;
  reason: string;
  ms?: number;
}

export interface BackendChoice {
  backend: string;
  candidate: BackendCandidate;
  attempts: BackendAttempt[];
}

const require = createRequire(import.meta.url);

/** Registers a candidate's backend; throws with a readable reason if it cannot be loaded. */
async function load(candidate: BackendCandidate): Promise<string> {
  switch (candidate) {
    case 'tensorflow-gpu':
    case 'tensorflow': {
      const pkg = candidate === 'tensorflow-gpu' ? '@tensorflow/tfjs-node-gpu' : '@tensorflow/tfjs-node';
      // Optional dependencies: present only where libtensorflow installed. Resolve first, for a clear reason.
      try {
        require.resolve(pkg);
      } catch {
        throw new Error(`${pkg} is not installed`);
      }
      await import(pkg);
      return 'tensorflow';
    }
    case 'wasm': {
      const wasm = await import('@tensorflow/tfjs-backend-wasm');
      // In Node the .wasm files are read from disk: point the backend at the package's dist folder.
      wasm.setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm'))}/`);
      return 'wasm';
    }
    case 'cpu':
      return 'cpu';
  }
}

/**
 * Chooses the backend: HS_TF_BACKEND (a candidate name or a registered tfjs backend name) overrides;
 * otherwise the first candidate in BACKEND_ORDER that loads AND runs `probe` (one real training step of
 * the real model) without error. Every attempt and its reason is returned and logged.
 */
export async function selectBackend(probe: () => void, options: { env?: string; log?: (line: string) => void; order?: readonly BackendCandidate[] } = {}): Promise<BackendChoice> {
  const log = options.log ?? ((line: string) => console.error(line));
  const forced = options.env ?? process.env.HS_TF_BACKEND;
  const order: readonly BackendCandidate[] = forced ? [forced === 'tensorflow-gpu' || forced === 'node-gpu' ? 'tensorflow-gpu' : forced === 'node' || forced === 'tensorflow' ? 'tensorflow' : (forced as BackendCandidate)] : (options.order ?? BACKEND_ORDER);
  const attempts: BackendAttempt[] = [];
  for (const candidate of order) {
    const t0 = performance.now();
    try {
      const name = await load(candidate);
      if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') failed`);
      await tf.ready();
      probe();
      const ms = performance.now() - t0;
      attempts.push({ candidate, ok: true, reason: `training step succeeded on ${name}`, ms });
      log(`[model] backend ${candidate}: ok (probe step ${ms.toFixed(0)} ms)${forced ? ' — forced by HS_TF_BACKEND' : ''}`);
      return { backend: name, candidate, attempts };
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      attempts.push({ candidate, ok: false, reason });
      log(`[model] backend ${candidate}: rejected — ${reason}`);
    }
  }
  throw new Error(`no usable TensorFlow.js backend: ${attempts.map((a) => `${a.candidate}: ${a.reason}`).join('; ')}`);
}
