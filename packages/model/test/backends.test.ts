import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { taskDefinitionSchema } from '@headstream/core';
import { TASKS } from '@headstream/tasks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  activeDevice,
  Adam,
  createStrategy,
  disposeBatch,
  loadModel,
  memoFile,
  MEMO_MARGIN,
  MEMO_MAX_AGE_MS,
  type MeasuredChoice,
  MultiTaskModel,
  paramLayout,
  probeBackends,
  readWeights,
  saveModel,
  selectBackend,
  WARM_UP_BOUND,
  syntheticData,
  tf,
  toBatch,
  train,
  trainingProbe,
  trainStep,
  type BackendCandidate,
  type ModelConfig,
  type TaskPrediction,
} from '../src/index.js';

/*
 * Backend parity: the same model gives the same predictions and the same training step on every backend
 * the machine has (cpu and wasm always; native TensorFlow where infra/tensorflow/setup.sh has run —
 * in CI it must have: .ci/run sets it up, and a missing native backend fails there).
 */
const L = 16;
const config: ModelConfig = {
  tasks: [taskDefinitionSchema.parse({ ...TASKS.traffic, domain: 'city', horizons: [1, 3], quantiles: [0.1, 0.5, 0.9], lookback: L }), { ...TASKS.fault, lookback: L }],
  inputs: { city: { features: 3 }, factory: { features: 4 } },
  lookback: L,
  encoder: { kind: 'mixer', dModel: 8, layers: 2, patch: 4, hidden: 16, heads: 2 },
  headHidden: 8,
  seed: 3,
};
const data = syntheticData(config, 32, 5);
const inputs = { city: data.inputs.city?.x ?? new Float32Array(), factory: data.inputs.factory?.x ?? new Float32Array() };
const ci = /^(1|true|yes)$/i.test(process.env.CI ?? '');

let available: BackendCandidate[] = [];
beforeAll(async () => {
  const attempts = await probeBackends(trainingProbe(config), ['tensorflow', 'wasm', 'cpu']);
  available = attempts.filter((a) => a.ok).map((a) => a.candidate);
  await tf.setBackend('cpu');
}, 120_000);
afterAll(async () => {
  await tf.setBackend('cpu');
});

/** The native backend is required in CI (a missing one fails the test); elsewhere a test that needs it is skipped. */
function nativeOrSkip(ctx: { skip: (note: string) => void }): void {
  if (available.includes('tensorflow')) return;
  const why = 'native backend @tensorflow/tfjs-node is not usable here: run bash infra/tensorflow/setup.sh';
  if (ci) throw new Error(why);
  ctx.skip(why);
}

async function use(candidate: BackendCandidate): Promise<void> {
  await selectBackend(() => undefined, { env: candidate, log: () => undefined });
}

function flat(p: Record<string, TaskPrediction>): number[] {
  return Object.keys(p)
    .sort()
    .flatMap((t) => {
      const r = p[t];
      return r?.kind === 'regression' ? [...r.values] : r?.kind === 'classification' ? [...r.probabilities] : [];
    });
}

/** Spins for `ms` (a training step's time, without training). */
function busy(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end);
}

/** A timed step that takes `msOn(backend)` and counts its calls per backend in `calls`. */
function countedStep(calls: Record<string, number>, msOn: (backend: string) => number): (() => void) & { release: () => void } {
  return Object.assign(() => {
    const backend = tf.getBackend();
    calls[backend] = (calls[backend] ?? 0) + 1;
    busy(msOn(backend));
  }, { release: () => undefined });
}

describe('backends', () => {
  it('the native TensorFlow backend is installed (required in CI; set up by infra/tensorflow/setup.sh)', (ctx) => {
    nativeOrSkip(ctx);
    expect(available).toEqual(expect.arrayContaining(['wasm', 'cpu']));
  });

  it('the native backend loads in a process whose own flags include --dir (node-pre-gyp read it as its --directory)', async (ctx) => {
    nativeOrSkip(ctx);
    // A fresh process (a loaded tfjs-node stays loaded), from the built package, with the demo's flag in its argv.
    const dir = await mkdtemp(join(tmpdir(), 'hs-argv-'));
    try {
      const script = join(dir, 'probe.mjs');
      const model = fileURLToPath(new URL('../dist/index.js', import.meta.url));
      await writeFile(script, `import { probeBackends } from ${JSON.stringify(model)};\nprocess.stdout.write(JSON.stringify(await probeBackends(() => undefined, ['tensorflow'])));\n`);
      const { stdout } = await promisify(execFile)(process.execPath, [script, '--dir', join(dir, 'elsewhere')], { timeout: 60_000 });
      const [attempt] = JSON.parse(stdout) as { candidate: string; ok: boolean; reason: string }[];
      expect(attempt, stdout).toMatchObject({ candidate: 'tensorflow', ok: true });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a model trained and saved on one backend loads on every other with the same predictions', async () => {
    for (const from of available) {
      await use(from);
      const model = MultiTaskModel.create(config);
      train(model, data, { epochs: 2, batchSize: 16, seed: 2 });
      const reference = flat(model.predict(inputs));
      const dir = await mkdtemp(join(tmpdir(), `hs-parity-${from}-`));
      try {
        await saveModel(model, dir, { version: `on-${from}`, features: {}, strategy: { name: 'equal' }, regime: 'joint', metrics: {} });
        for (const to of available) {
          await use(to);
          const { model: loaded, metadata } = await loadModel(dir);
          expect(metadata.backend).toBe(from === 'tensorflow' ? 'tensorflow' : from);
          const got = flat(loaded.predict(inputs));
          loaded.dispose();
          expect(got).toHaveLength(reference.length);
          const worst = Math.max(...got.map((v, i) => Math.abs(v - (reference[i] ?? NaN))));
          expect(worst, `saved on ${from}, loaded on ${to}`).toBeLessThan(1e-4);
        }
      } finally {
        await use(from);
        model.dispose();
        await rm(dir, { recursive: true, force: true });
      }
    }
  }, 180_000);

  it('one training step gives the same weights on every backend (native matMul and relu gradients included)', async () => {
    const weights: Record<string, Float32Array> = {};
    for (const b of available) {
      await use(b);
      const model = MultiTaskModel.create(config);
      const batch = toBatch(data, { city: Array.from({ length: 32 }, (_, i) => i), factory: Array.from({ length: 32 }, (_, i) => i) }, ['traffic', 'fault']);
      // ε = 1 makes Adam's first step ≈ lr·g, so the weights show the gradients themselves.
      const optimizer = new Adam({ learningRate: 0.1, epsilon: 1 });
      trainStep(model, batch, model.tasks, createStrategy('pcgrad', 2, 1), optimizer, { gradientsOn: 'representation', wantGram: true });
      disposeBatch(batch);
      const layout = paramLayout(model);
      weights[b] = readWeights(model, layout, new Float32Array(layout.total));
      model.dispose();
    }
    const cpu = weights.cpu ?? new Float32Array();
    for (const b of available) {
      const w = weights[b] ?? new Float32Array();
      const worst = Math.max(...w.map((v, i) => Math.abs(v - (cpu[i] ?? NaN))));
      expect(worst, `${b} vs cpu`).toBeLessThan(1e-5);
    }
  }, 120_000);

  it('selection takes the first candidate whose real training step works and says why the others were rejected', async () => {
    const lines: string[] = [];
    // tfjs-node-gpu is never installed on a CPU machine: rejected with a reason, then the next one works.
    const choice = await selectBackend(trainingProbe(config), { env: '', order: ['tensorflow-gpu', 'cpu'], log: (l) => lines.push(l) });
    expect(choice.candidate).toBe('cpu');
    expect(choice.attempts[0]).toMatchObject({ candidate: 'tensorflow-gpu', ok: false });
    expect(lines.join('\n')).toMatch(/tensorflow-gpu: rejected — @tensorflow\/tfjs-node-gpu is not installed/);
    const forced = await selectBackend(trainingProbe(config), { env: 'wasm', log: () => undefined });
    expect(forced.attempts).toHaveLength(1);
    expect(tf.getBackend()).toBe('wasm');
    expect(activeDevice().device).toBe('cpu');
  }, 60_000);

  it('with a timed step, every working candidate is timed and the fastest is chosen, not the first', async () => {
    // A step that is slow on wasm and fast on cpu: cpu must win although wasm comes first in the order.
    const timedStep = Object.assign(() => busy(tf.getBackend() === 'wasm' ? 40 : 2), { release: () => undefined });
    const lines: string[] = [];
    const choice = await selectBackend(trainingProbe(config), { env: '', order: ['wasm', 'cpu'], timedStep, log: (l) => lines.push(l) });
    expect(choice.candidate).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    const steps = Object.fromEntries(choice.attempts.map((a) => [a.candidate, a.stepMs ?? NaN]));
    expect(steps.wasm).toBeGreaterThanOrEqual(40);
    expect(steps.cpu).toBeLessThan(40);
    expect(lines.at(-1)).toMatch(/backend cpu chosen: fastest training step \(wasm \d+\.\d ms, cpu \d+\.\d ms\)/);
    // Forced by HS_TF_BACKEND: no timing, the forced one is taken.
    const forced = await selectBackend(trainingProbe(config), { env: 'wasm', timedStep, log: () => undefined });
    expect(forced.candidate).toBe('wasm');
    expect(forced.attempts[0]?.stepMs).toBeUndefined();
  }, 60_000);

  it('a candidate whose warm-up step is over WARM_UP_BOUND times the fastest step is not timed further', async () => {
    const calls: Record<string, number> = {};
    // wasm first and fast (4 ms); cpu's steps take 100 ms, 25× that: its warm-up stands for its step.
    const timedStep = countedStep(calls, (backend) => (backend === 'wasm' ? 4 : 100));
    const lines: string[] = [];
    const choice = await selectBackend(trainingProbe(config), { env: '', order: ['wasm', 'cpu'], timedStep, log: (l) => lines.push(l) });
    expect(choice.candidate).toBe('wasm');
    expect(calls).toEqual({ wasm: 4, cpu: 1 });
    expect(choice.attempts.find((a) => a.candidate === 'cpu')?.stepMs).toBeGreaterThanOrEqual(100);
    expect(lines).toContainEqual(expect.stringMatching(/^\[model\] backend cpu: ok \(probe step \d+ ms, warm-up step \d+\.\d ms\)$/));
    // Within the bound (cpu 2× wasm) it is timed like the others.
    const within = countedStep(calls, (backend) => (backend === 'wasm' ? 30 : 60));
    for (const k of Object.keys(calls)) delete calls[k];
    await selectBackend(trainingProbe(config), { env: '', order: ['wasm', 'cpu'], timedStep: within, log: () => undefined });
    expect(calls).toEqual({ wasm: 4, cpu: 4 });
    expect(WARM_UP_BOUND).toBe(5);
  }, 60_000);

  it('a measured choice is kept for the next process: reused for the same job here within a day, measured again otherwise', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hs-memo-'));
    try {
      const calls: Record<string, number> = {};
      // cpu fast, wasm slow: the measured choice is cpu, although wasm comes first.
      const timedStep = countedStep(calls, (backend) => (backend === 'wasm' ? 30 : 2));
      let clock = Date.parse('2026-12-07T12:00:00Z');
      const memo = { file: join(dir, 'sub', 'tf-backend.json'), job: 'model A at batch 128', now: () => clock };
      const select = (job = memo.job, order: BackendCandidate[] = ['wasm', 'cpu']) => {
        const lines: string[] = [];
        for (const k of Object.keys(calls)) delete calls[k];
        return selectBackend(trainingProbe(config), { env: '', order, timedStep, log: (l) => lines.push(l), memo: { ...memo, job } }).then((choice) => ({ choice, lines }));
      };
      // No measurement yet: every candidate is timed, and the choice is written (its folder created).
      const first = await select();
      expect(first.choice).toMatchObject({ candidate: 'cpu' });
      expect(first.choice.measuredAt).toBeUndefined();
      expect(calls).toEqual({ wasm: 4, cpu: 4 });
      const kept = JSON.parse(await readFile(memo.file, 'utf8')) as { format: string; choices: Record<string, MeasuredChoice> };
      expect(kept.format).toBe('headstream-backend-choices/1');
      const entries = Object.values(kept.choices);
      expect(entries).toHaveLength(1);
      expect(entries[0]).toMatchObject({ candidate: 'cpu', measured_at: '2026-12-07T12:00:00.000Z', job: 'model A at batch 128; among wasm, cpu' });
      expect(entries[0]?.step_ms.wasm).toBeGreaterThanOrEqual(30);
      expect(entries[0]?.machine).toContain(`node ${process.version}`);
      // The same job an hour later: the kept choice is loaded and probed, nothing is timed.
      clock += 3_600_000;
      await tf.setBackend('wasm');
      const again = await select();
      expect(again.choice).toMatchObject({ candidate: 'cpu', measuredAt: '2026-12-07T12:00:00.000Z' });
      expect(again.choice.attempts).toHaveLength(1);
      expect(calls).toEqual({});
      expect(tf.getBackend()).toBe('cpu');
      expect(again.lines).toEqual([expect.stringMatching(/^\[model\] backend cpu chosen: fastest training step when measured here at 2026-12-07T12:00:00.000Z \(wasm \d+\.\d ms, cpu \d+\.\d ms; .*tf-backend\.json\); probe step \d+ ms$/)]);
      // Another job (another model or batch) is measured, and kept beside the first.
      await select('model B at batch 64');
      expect(calls).toEqual({ wasm: 4, cpu: 4 });
      expect(Object.keys((JSON.parse(await readFile(memo.file, 'utf8')) as { choices: object }).choices)).toHaveLength(2);
      // Among other candidates it is another measurement: a candidate the caller does not offer is not taken.
      const wasmOnly = await select(memo.job, ['wasm']);
      expect(wasmOnly.choice).toMatchObject({ candidate: 'wasm' });
      expect(calls).toEqual({ wasm: 4 });
      expect(Object.keys((JSON.parse(await readFile(memo.file, 'utf8')) as { choices: object }).choices)).toHaveLength(3);
      // A day after the measurement it no longer stands.
      clock = Date.parse('2026-12-08T12:00:00Z') + 1;
      await select();
      expect(calls).toEqual({ wasm: 4, cpu: 4 });
      // A file that is not ours (or broken) is measured over and rewritten; so is a kept candidate that fails now.
      await writeFile(memo.file, '{"choices": 1');
      await select();
      expect(calls).toEqual({ wasm: 4, cpu: 4 });
      const all: BackendCandidate[] = ['tensorflow-gpu', 'wasm', 'cpu'];
      await select(memo.job, all);
      const file = JSON.parse(await readFile(memo.file, 'utf8')) as { format: string; choices: Record<string, MeasuredChoice> };
      for (const entry of Object.values(file.choices)) if (entry.job.endsWith('among tensorflow-gpu, wasm, cpu')) entry.candidate = 'tensorflow-gpu';
      await writeFile(memo.file, JSON.stringify(file));
      const failed = await select(memo.job, all);
      expect(failed.choice).toMatchObject({ candidate: 'cpu' });
      expect(failed.lines[0]).toMatch(/^\[model\] backend tensorflow-gpu \(measured fastest at .*\): rejected — @tensorflow\/tfjs-node-gpu is not installed; measuring every backend again$/);
      expect(calls).toEqual({ wasm: 4, cpu: 4 });
      // HS_TF_BACKEND wins over a kept choice.
      const forced = await selectBackend(trainingProbe(config), { env: 'wasm', timedStep, log: () => undefined, memo });
      expect(forced.candidate).toBe('wasm');
      // A close call is not kept (a busy machine times two backends alike): the next process measures again.
      const closeFile = join(dir, 'close.json');
      const closeLines: string[] = [];
      await selectBackend(trainingProbe(config), { env: '', order: ['wasm', 'cpu'], timedStep: countedStep(calls, () => 10), log: (l) => closeLines.push(l), memo: { ...memo, file: closeFile } });
      expect(closeLines.at(-1)).toBe(`[model] the choice is not kept for the next process: no backend was ${MEMO_MARGIN}× faster than the others`);
      expect(existsSync(closeFile)).toBe(false);
      // A file that cannot be written costs the choice nothing: it is made, and the log says it is not kept.
      await writeFile(join(dir, 'plain-file'), '');
      const lines: string[] = [];
      const unkept = await selectBackend(trainingProbe(config), { env: '', order: ['wasm', 'cpu'], timedStep, log: (l) => lines.push(l), memo: { ...memo, file: join(dir, 'plain-file', 'tf-backend.json') } });
      expect(unkept.candidate).toBe('cpu');
      expect(lines.at(-1)).toMatch(/^\[model\] the choice is not kept for the next process: .*plain-file/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('HS_TF_BACKEND_MEMO names the file, `off` keeps none; by default it is in Headstream\'s cache', () => {
    const home = join(tmpdir(), 'hs-home');
    const xdg = join(tmpdir(), 'hs-xdg-cache');
    const named = join(tmpdir(), 'hs-memo', 'backend.json');
    expect(memoFile({ HOME: home })).toBe(join(home, '.cache', 'headstream', 'tf-backend.json'));
    expect(memoFile({ HOME: home, XDG_CACHE_HOME: xdg })).toBe(join(xdg, 'headstream', 'tf-backend.json'));
    expect(memoFile({ HOME: home, HS_TF_BACKEND_MEMO: named })).toBe(named);
    expect(memoFile({ HOME: home, HS_TF_BACKEND_MEMO: 'off' })).toBeUndefined();
    expect(MEMO_MAX_AGE_MS).toBe(24 * 3_600_000);
    expect(MEMO_MARGIN).toBe(1.25);
  });
});
