/**
 * Training/inference benchmark of the default encoder (window 64 × 16 features, batch 256, four tasks).
 *   node packages/model/dist/bench/train-bench.js [--json] [--backend wasm|cpu|tensorflow|tensorflow-gpu] [--steps N] [--workers N]
 *   node packages/model/dist/bench/train-bench.js --compare-encoders [--json] [--backend NAME]: accuracy and speed of
 *   each encoder kind on synthetic four-task data with temporal structure (same budget, same seed).
 * Training is timed single-threaded and data-parallel (this thread + N workers, default one per extra core);
 * train_samples_per_s and the *_step_ratio keys are the fastest configuration's, train_configs has all.
 * Without --json: human-readable lines. With --json: the same lines on stderr and exactly one JSON object
 * as the last line of stdout. --help prints the usage; a bad flag or value: one line, exit 2.
 */
import { availableParallelism } from 'node:os';
import { parseArgs } from 'node:util';
import { TASKS } from '@headstream/tasks';
import { DEFAULT_ENCODER, type ModelConfig } from '../architecture/config.js';
import { compareEncoders, encoderTable } from './compare-encoders.js';
import { MultiTaskModel } from '../architecture/model.js';
import { BACKEND_ORDER, selectBackend, type BackendCandidate } from '../backend.js';
import { compareInferenceCost, measureInference } from '../evaluation/cost.js';
import { disposeBatch, toBatch } from '../training/data.js';
import { syntheticData, trainingProbe } from '../training/probe.js';
import { Adam } from '../training/optimizer.js';
import { DataParallel } from '../training/parallel.js';
import { trainStep } from '../training/step.js';
import { singleTaskConfig } from '../training/trainer.js';
import { createStrategy } from '../weighting/index.js';
import type { StrategyName } from '../weighting/index.js';

const USAGE = `usage: train-bench [--json] [--backend ${BACKEND_ORDER.join('|')}] [--steps N] [--workers N]
       train-bench --compare-encoders [--json] [--backend NAME]`;

/** The command line (node:util's parseArgs, strict): a bad flag or value is one line naming it, exit 2. */
function parseFlags(argv: readonly string[]): { json: boolean; compare: boolean; backend?: BackendCandidate; steps?: number; workers?: number } {
  const fail = (line: string): never => {
    console.error(`train-bench: ${line}`);
    process.exit(2);
  };
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: { json: { type: 'boolean' }, backend: { type: 'string' }, steps: { type: 'string' }, workers: { type: 'string' }, 'compare-encoders': { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return fail(error instanceof Error ? error.message : String(error));
  }
  if (values.help === true) {
    console.log(USAGE);
    process.exit(0);
  }
  const count = (name: string, min: number): number | undefined => {
    const raw = values[name];
    if (raw === undefined) return undefined;
    const n = Number(raw);
    return Number.isInteger(n) && n >= min ? n : fail(`--${name} must be an integer ≥ ${min}, not ${JSON.stringify(raw)}`);
  };
  const backend = values.backend;
  if (typeof backend === 'string' && !(BACKEND_ORDER as readonly string[]).includes(backend)) fail(`--backend must be one of ${BACKEND_ORDER.join(', ')}, not ${JSON.stringify(backend)}`);
  return {
    json: values.json === true,
    compare: values['compare-encoders'] === true,
    ...(typeof backend === 'string' ? { backend: backend as BackendCandidate } : {}),
    ...(values.steps === undefined ? {} : { steps: count('steps', 1) }),
    ...(values.workers === undefined ? {} : { workers: count('workers', 0) }),
  };
}

const flags = parseFlags(process.argv.slice(2));
const json = flags.json;
const say = (line: string) => (json ? console.error(line) : console.log(line));

const LOOKBACK = 64;
const FEATURES = 16;
const BATCH = 256;
const tasks = [TASKS.traffic, TASKS.air_quality, TASKS.fault, TASKS.throughput];

/** Bench model: one 64 × 16 window feeds all four heads (one forward pass serves four tasks). */
const config: ModelConfig = {
  tasks,
  inputs: { site: { features: FEATURES } },
  taskInput: Object.fromEntries(tasks.map((t) => [t.name, 'site'])),
  lookback: LOOKBACK,
  encoder: DEFAULT_ENCODER,
  headHidden: 32,
  seed: 1,
};
/** Deployment layout: city and factory windows through their own stems, tasks on their domain. */
const twoDomainConfig: ModelConfig = { ...config, inputs: { city: { features: FEATURES }, factory: { features: FEATURES } }, taskInput: undefined };

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
}

/**
 * Median step time per strategy, steps interleaved across strategies (equal, pcgrad, equal, pcgrad, …)
 * so that load changes on a shared machine hit every strategy alike. `parallel`: data-parallel steps.
 */
function timeSteps(strategies: readonly StrategyName[], steps: number, parallel?: DataParallel): Record<string, number> {
  const data = syntheticData(config, BATCH);
  const rows = { site: Array.from({ length: BATCH }, (_, i) => i) };
  const names = tasks.map((t) => t.name);
  const runs = strategies.map((name) => ({ name, model: MultiTaskModel.create(config), strategy: createStrategy(name, tasks.length), optimizer: new Adam({ learningRate: 1e-3 }), times: [] as number[] }));
  const batch = toBatch(data, rows, names);
  const options = { gradientsOn: 'representation', wantGram: false } as const;
  try {
    for (let i = 0; i < steps + 2; i++) {
      for (const r of runs) {
        const t0 = performance.now();
        if (parallel) parallel.step(r.model, data, rows, r.model.tasks, r.strategy, r.optimizer, options);
        else trainStep(r.model, batch, r.model.tasks, r.strategy, r.optimizer, options);
        if (i >= 2) r.times.push(performance.now() - t0);
      }
    }
  } finally {
    disposeBatch(batch);
    for (const r of runs) r.model.dispose();
  }
  return Object.fromEntries(runs.map((r) => [r.name, median(r.times)]));
}

/** Batch sizes of the per-backend sweep: tfjs-node pays a fixed cost per op, so its lead grows with the batch. */
const SWEEP_BATCHES = [256, 1024, 4096];

/** Single-thread samples/s of equal-weight steps at each sweep batch size (median of `steps`). */
function batchSweep(steps: number): Record<string, number> {
  const out: Record<string, number> = {};
  const names = tasks.map((t) => t.name);
  for (const b of SWEEP_BATCHES) {
    const data = syntheticData(config, b);
    const batch = toBatch(data, { site: Array.from({ length: b }, (_, i) => i) }, names);
    const model = MultiTaskModel.create(config);
    const strategy = createStrategy('equal', tasks.length);
    const optimizer = new Adam({ learningRate: 1e-3 });
    const times: number[] = [];
    try {
      for (let i = 0; i < steps + 1; i++) {
        const t0 = performance.now();
        trainStep(model, batch, model.tasks, strategy, optimizer, { gradientsOn: 'representation', wantGram: false });
        if (i >= 1) times.push(performance.now() - t0);
      }
    } finally {
      disposeBatch(batch);
      model.dispose();
    }
    out[String(b)] = Math.round((b / median(times)) * 1000);
  }
  return out;
}

interface TrainTiming {
  replicas: number;
  train_samples_per_s: number;
  equal_step_ms: number;
  pcgrad_step_ratio: number;
  gradnorm_step_ratio: number;
  cagrad_step_ratio: number;
}

function timing(replicas: number, t: Record<string, number>): TrainTiming {
  const equal = t.equal ?? NaN;
  return {
    replicas,
    train_samples_per_s: Math.round((BATCH / equal) * 1000),
    equal_step_ms: +equal.toFixed(1),
    pcgrad_step_ratio: +((t.pcgrad ?? NaN) / equal).toFixed(3),
    gradnorm_step_ratio: +((t.gradnorm ?? NaN) / equal).toFixed(3),
    cagrad_step_ratio: +((t.cagrad ?? NaN) / equal).toFixed(3),
  };
}

interface BackendResult extends TrainTiming {
  backend: string;
  /** Every training configuration measured (single thread, data-parallel); the fields above are the fastest's. */
  train_configs: TrainTiming[];
  train_samples_per_s_single_thread: number;
  /** Single-thread samples/s by batch size (equal weights). */
  train_samples_per_s_by_batch: Record<string, number>;
  infer_windows_per_s_b1: number;
  infer_windows_per_s_b256: number;
  mtl_vs_stl_inference_cost: number;
  mtl_vs_stl_flops: number;
  mtl_vs_stl_parameters: number;
  mtl_vs_stl_inference_cost_two_domains: number;
  flops_per_window: number;
  parameters: number;
}

async function benchBackend(candidate: BackendCandidate, steps: number, workers: number): Promise<BackendResult> {
  const choice = await selectBackend(trainingProbe(config), { order: [candidate], env: '', log: say });
  const strategies: StrategyName[] = ['equal', 'pcgrad', 'gradnorm', 'cagrad'];
  const configs = [timing(1, timeSteps(strategies, steps))];
  say(`${choice.backend}, 1 thread: ${JSON.stringify(configs[0])}`);
  if (workers > 0) {
    const parallel = await DataParallel.create({ workers });
    try {
      configs.push(timing(parallel.replicas, timeSteps(strategies, steps, parallel)));
      say(`${choice.backend}, data-parallel ×${parallel.replicas}: ${JSON.stringify(configs[1])}`);
    } finally {
      await parallel.close();
    }
  }
  const best = [...configs].sort((a, b) => b.train_samples_per_s - a.train_samples_per_s)[0] as TrainTiming;
  // The plain JS cpu backend would take minutes at batch 4096: it is the last resort, not swept.
  const byBatch = candidate === 'cpu' ? {} : batchSweep(Math.max(3, Math.round(steps / 2)));
  say(`${choice.backend}, 1 thread, samples/s by batch: ${JSON.stringify(byBatch)}`);
  const shared = MultiTaskModel.create(config);
  const singles = tasks.map((t) => MultiTaskModel.create(singleTaskConfig(config, t.name)));
  const twoShared = MultiTaskModel.create(twoDomainConfig);
  const twoSingles = tasks.map((t) => MultiTaskModel.create(singleTaskConfig(twoDomainConfig, t.name)));
  try {
    const b1 = measureInference(shared, 1, { repeats: 21 });
    const b256 = measureInference(shared, BATCH);
    const cost = compareInferenceCost(shared, singles, BATCH);
    const two = compareInferenceCost(twoShared, twoSingles, BATCH);
    const r: BackendResult = {
      backend: choice.backend,
      ...best,
      train_samples_per_s_single_thread: configs[0]?.train_samples_per_s ?? NaN,
      train_configs: configs,
      train_samples_per_s_by_batch: byBatch,
      infer_windows_per_s_b1: Math.round(b1.windowsPerSecond),
      infer_windows_per_s_b256: Math.round(b256.windowsPerSecond),
      mtl_vs_stl_inference_cost: +cost.time.toFixed(3),
      mtl_vs_stl_flops: +cost.flops.toFixed(3),
      mtl_vs_stl_parameters: +cost.parameters.toFixed(3),
      mtl_vs_stl_inference_cost_two_domains: +two.time.toFixed(3),
      flops_per_window: b256.flopsPerWindow,
      parameters: b256.parameters,
    };
    say(
      `${r.backend}: train ${r.train_samples_per_s} samples/s with ${r.replicas} replica(s) (single thread ${r.train_samples_per_s_single_thread}; equal step ${r.equal_step_ms} ms), pcgrad ×${r.pcgrad_step_ratio}, gradnorm ×${r.gradnorm_step_ratio}, cagrad ×${r.cagrad_step_ratio}; ` +
        `infer b1 ${r.infer_windows_per_s_b1}/s, b256 ${r.infer_windows_per_s_b256}/s; shared ÷ 4 single: time ${r.mtl_vs_stl_inference_cost}, FLOPs ${r.mtl_vs_stl_flops} (two domains: time ${r.mtl_vs_stl_inference_cost_two_domains})`,
    );
    return r;
  } finally {
    for (const m of [shared, ...singles, twoShared, ...twoSingles]) m.dispose();
  }
}

async function main(): Promise<void> {
  const forced = flags.backend ?? process.env.HS_TF_BACKEND;
  if (flags.compare) {
    const choice = await selectBackend(trainingProbe(config), { order: forced ? [forced as BackendCandidate] : BACKEND_ORDER, env: '', log: say });
    const rows = compareEncoders({ log: say });
    say(encoderTable(rows));
    if (json) console.log(JSON.stringify({ backend: choice.backend, encoders: rows }));
    return;
  }
  const steps = flags.steps ?? 10;
  // Data-parallel replicas: one per core (this thread + workers); --workers 0 measures one thread only.
  const workers = flags.workers ?? Math.max(0, availableParallelism() - 1);
  const candidates: readonly BackendCandidate[] = forced ? [forced as BackendCandidate] : BACKEND_ORDER;
  const results: Record<string, BackendResult> = {};
  const skipped: Record<string, string> = {};
  for (const c of candidates) {
    try {
      // The plain JS cpu backend is ~5× slower: fewer steps keep the whole bench short.
      results[c] = await benchBackend(c, c === 'cpu' && flags.steps === undefined ? 3 : steps, workers);
    } catch (error) {
      skipped[c] = error instanceof Error ? error.message : String(error);
      say(`${c}: skipped — ${skipped[c]}`);
    }
  }
  const best = Object.values(results).sort((a, b) => b.train_samples_per_s - a.train_samples_per_s)[0];
  if (!best) throw new Error('no backend could run the benchmark');
  const summary = {
    ...best,
    encoder: DEFAULT_ENCODER,
    window: { lookback: LOOKBACK, features: FEATURES, batch: BATCH },
    cpus: (await import('node:os')).cpus().length,
    backends: results,
    skipped,
    ...nativeVsWasm(results),
  };
  if (json) console.log(JSON.stringify(summary));
  else say(`fastest: ${best.backend} (${best.train_samples_per_s} samples/s)`);
}

/**
 * Native TensorFlow against wasm from this one run: at the bench batch (fastest configuration of each,
 * data-parallel included) and single-threaded at each sweep batch size.
 */
function nativeVsWasm(results: Record<string, BackendResult>): { native_vs_wasm?: number; native_vs_wasm_by_batch?: Record<string, number> } {
  const native = results['tensorflow-gpu'] ?? results.tensorflow;
  const wasm = results.wasm;
  if (!native || !wasm) return {};
  const ratio = (a: number | undefined, b: number | undefined) => +((a ?? NaN) / (b ?? NaN)).toFixed(2);
  return {
    native_vs_wasm: ratio(native.train_samples_per_s, wasm.train_samples_per_s),
    native_vs_wasm_by_batch: Object.fromEntries(SWEEP_BATCHES.map((b) => [String(b), ratio(native.train_samples_per_s_by_batch[b], wasm.train_samples_per_s_by_batch[b])])),
  };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
