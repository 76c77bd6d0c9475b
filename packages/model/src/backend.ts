import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { decisive, MEMO_MARGIN, recalled, remember, type BackendMemo } from './backend-memo.js';
import { tf } from './tf.js';

export type BackendCandidate = 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';

/** Preference order: native GPU, native CPU, wasm (SIMD), plain JS cpu. */
export const BACKEND_ORDER: readonly BackendCandidate[] = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'];

export interface BackendAttempt {
  candidate: BackendCandidate;
  ok: boolean;
  reason: string;
  ms?: number;
  /** Fastest timed training step (SelectOptions.timedStep), ms; a candidate cut short after its warm-up (WARM_UP_BOUND): that step. */
  stepMs?: number;
}

/** What a loaded backend runs on (native backends only report a library version and device). */
export interface BackendDevice {
  /** libtensorflow's version, for the native backends. */
  libtensorflow?: string;
  /** 'gpu' when the native GPU build found a CUDA device, else 'cpu'. */
  device: 'cpu' | 'gpu';
}

export interface BackendChoice {
  backend: string;
  candidate: BackendCandidate;
  attempts: BackendAttempt[];
  /** When the choice was measured, where it is a standing measurement (SelectOptions.memo) rather than this call's. */
  measuredAt?: string;
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
      // libtensorflow logs its CPU-feature and oneDNN notices to stderr at load unless told not to.
      process.env.TF_CPP_MIN_LOG_LEVEL ??= '2';
      // Its binding loader (node-pre-gyp) parses this process's argv as its own flags: the demo's `--dir X` read as
      // its `--directory X` and moved the lookup of tfjs-node's package.json under X (mapbox/node-pre-gyp#611).
      // It loads with no flags; they are back before anything else runs.
      const argv = process.argv;
      process.argv = argv.slice(0, 2);
      try {
        await import(pkg);
      } finally {
        process.argv = argv;
      }
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

/** Makes a registered backend the active one. */
async function use(name: string): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend('${name}') failed`);
  await tf.ready();
}

/** Loads a candidate and makes it the active backend; returns its tfjs backend name. */
async function activate(candidate: BackendCandidate): Promise<string> {
  const name = await load(candidate);
  await use(name);
  return name;
}

/** The device behind the active backend. */
export function activeDevice(): BackendDevice {
  const backend = tf.backend() as { binding?: { TF_Version?: string }; isUsingGpuDevice?: boolean };
  return { ...(backend.binding?.TF_Version ? { libtensorflow: backend.binding.TF_Version } : {}), device: backend.isUsingGpuDevice ? 'gpu' : 'cpu' };
}

/** What to do to get a candidate that is not there (for doctor's report). */
export const BACKEND_REMEDY: Record<BackendCandidate, string> = {
  'tensorflow-gpu': 'bash infra/tensorflow/setup.sh --gpu (needs CUDA and cuDNN: see infra/tensorflow/README.md)',
  tensorflow: 'bash infra/tensorflow/setup.sh (builds tfjs-node offline from Maven Central natives)',
  wasm: 'npm ci (bundled with @tensorflow/tfjs-backend-wasm)',
  cpu: 'always available',
};

/**
 * Tries every candidate in turn (load, activate, run `probe`) and reports each, with its device.
 * Leaves the last working candidate active; callers that go on computing should selectBackend afterwards.
 */
export async function probeBackends(probe: () => void, order: readonly BackendCandidate[] = BACKEND_ORDER): Promise<(BackendAttempt & Partial<BackendDevice>)[]> {
  const out: (BackendAttempt & Partial<BackendDevice>)[] = [];
  for (const candidate of order) {
    const t0 = performance.now();
    try {
      const name = await activate(candidate);
      const device = activeDevice();
      if (candidate === 'tensorflow-gpu' && device.device !== 'gpu') throw new Error('@tensorflow/tfjs-node-gpu loaded but found no CUDA device (it would run on the CPU)');
      probe();
      out.push({ candidate, ok: true, reason: `training step succeeded on ${name}`, ms: performance.now() - t0, ...device });
    } catch (error) {
      out.push({ candidate, ok: false, reason: error instanceof Error ? error.message.split('\n')[0] ?? '' : String(error) });
    }
  }
  return out;
}

export interface SelectOptions {
  /** Overrides HS_TF_BACKEND ('' = not forced). */
  env?: string;
  log?: (line: string) => void;
  order?: readonly BackendCandidate[];
  /**
   * A representative training step (e.g. trainingProbe(config, batch) at the job's batch size). When
   * given, every working candidate is timed with it and the fastest is chosen; otherwise the first
   * working candidate in `order` is. tfjs-node pays a fixed cost per op, so which backend is fastest
   * depends on the model and the batch: measured here, not assumed.
   */
  timedStep?: (() => void) & { release?: () => void };
  /** Timed runs per candidate after one warm-up (default 3); the fastest run counts. */
  timedRuns?: number;
  /**
   * With a timed step: a standing measurement of this job here is reused (its candidate loaded and probed
   * only; one that fails is measured again with the rest), and a new one is kept (backend-memo.ts).
   */
  memo?: BackendMemo;
}

/**
 * How many times the fastest timed step a candidate's warm-up step (its first at the timed batch) may take and
 * still be timed. A first step costs more than a steady one, by at most 3.1× on the backends measured here
 * (2026-12-07, the all-task model at batch 128 and 64: tensorflow 3.1× and 1.6×, wasm 2.6× and 1.3×, cpu 1.3× and
 * 1.2×); beyond 5× the candidate cannot be the fastest, and its warm-up stands for its step.
 */
export const WARM_UP_BOUND = 5;

/** Names HS_TF_BACKEND accepts, each mapped to its candidate. */
export const CANDIDATE_ALIASES: Readonly<Record<string, BackendCandidate>> = { 'tensorflow-gpu': 'tensorflow-gpu', 'node-gpu': 'tensorflow-gpu', tensorflow: 'tensorflow', node: 'tensorflow', wasm: 'wasm', cpu: 'cpu' };

/**
 * Chooses the backend: HS_TF_BACKEND (a candidate name or alias) overrides; otherwise among the
 * candidates in `order` that load AND run `probe` (one real training step of the real model) without
 * error, the fastest at `timedStep` (or, without one, the first). Every attempt and its reason is
 * returned and logged.
 */
export async function selectBackend(probe: () => void, options: SelectOptions = {}): Promise<BackendChoice> {
  const log = options.log ?? ((line: string) => console.error(line));
  const forced = options.env ?? process.env.HS_TF_BACKEND;
  const order: readonly BackendCandidate[] = forced ? [CANDIDATE_ALIASES[forced] ?? (forced as BackendCandidate)] : (options.order ?? BACKEND_ORDER);
  const timed = forced ? undefined : options.timedStep;
  // A measurement stands for the candidates it was among, too.
  const memo = timed && options.memo ? { ...options.memo, job: `${options.memo.job}; among ${order.join(', ')}` } : undefined;
  const standing = memo && recalled(memo);
  if (standing && order.includes(standing.candidate)) {
    const t0 = performance.now();
    try {
      const name = await load(standing.candidate);
      await use(name);
      probe();
      const ms = performance.now() - t0;
      timed?.release?.();
      const steps = Object.entries(standing.step_ms).map(([c, step]) => `${c} ${step.toFixed(1)} ms`).join(', ');
      log(`[model] backend ${standing.candidate} chosen: fastest training step when measured here at ${standing.measured_at} (${steps}; ${memo.file}); probe step ${ms.toFixed(0)} ms`);
      return { backend: name, candidate: standing.candidate, attempts: [{ candidate: standing.candidate, ok: true, reason: `training step succeeded on ${name}`, ms }], measuredAt: standing.measured_at };
    } catch (error) {
      log(`[model] backend ${standing.candidate} (measured fastest at ${standing.measured_at}): rejected — ${error instanceof Error ? error.message : String(error)}; measuring every backend again`);
    }
  }
  const attempts: BackendAttempt[] = [];
  const working: { candidate: BackendCandidate; name: string; stepMs: number }[] = [];
  for (const candidate of order) {
    const t0 = performance.now();
    try {
      const name = await load(candidate);
      // tfjs-node and tfjs-node-gpu both register "tensorflow": the GPU build, when it works, is that backend.
      if (working.some((w) => w.name === name)) continue;
      await use(name);
      probe();
      const ms = performance.now() - t0;
      let stepMs = NaN;
      let cutShort = false;
      if (timed) {
        const w0 = performance.now();
        timed();
        stepMs = performance.now() - w0;
        // A candidate whose warm-up step is already many times the fastest timed step is not timed further: it
        // cannot win (see WARM_UP_BOUND), and its warm-up stands for its step; tfjs's pure-JavaScript CPU backend
        // would otherwise spend seconds here.
        cutShort = stepMs > WARM_UP_BOUND * Math.min(...working.map((w) => w.stepMs));
        if (!cutShort) {
          stepMs = Infinity;
          for (let i = 0; i < (options.timedRuns ?? 3); i++) {
            const s0 = performance.now();
            timed();
            stepMs = Math.min(stepMs, performance.now() - s0);
          }
        }
      }
      attempts.push({ candidate, ok: true, reason: `training step succeeded on ${name}`, ms, ...(timed ? { stepMs } : {}) });
      log(`[model] backend ${candidate}: ok (probe step ${ms.toFixed(0)} ms${timed ? `, ${cutShort ? 'warm-up' : 'timed'} step ${stepMs.toFixed(1)} ms` : ''})${forced ? ' — forced by HS_TF_BACKEND' : ''}`);
      if (!timed) return { backend: name, candidate, attempts };
      working.push({ candidate, name, stepMs });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      attempts.push({ candidate, ok: false, reason });
      log(`[model] backend ${candidate}: rejected — ${reason}`);
    }
  }
  timed?.release?.();
  const fastest = [...working].sort((a, b) => a.stepMs - b.stepMs)[0];
  if (!fastest) throw new Error(`no usable TensorFlow.js backend: ${attempts.map((a) => `${a.candidate}: ${a.reason}`).join('; ')}`);
  await use(fastest.name);
  log(`[model] backend ${fastest.candidate} chosen: fastest training step (${working.map((w) => `${w.candidate} ${w.stepMs.toFixed(1)} ms`).join(', ')})`);
  const stepMs = Object.fromEntries(working.map((w) => [w.candidate, Math.round(w.stepMs * 10) / 10]));
  if (memo && !decisive(stepMs)) log(`[model] the choice is not kept for the next process: no backend was ${MEMO_MARGIN}× faster than the others`);
  else if (memo) {
    try {
      remember(memo, fastest.candidate, stepMs);
    } catch (error) {
      log(`[model] the choice is not kept for the next process: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  return { backend: fastest.name, candidate: fastest.candidate, attempts };
}
