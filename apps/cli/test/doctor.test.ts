import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { remember } from '@headstream/model';
import { runCli } from './run-cli.js';

const ci = /^(1|true|yes)$/i.test(process.env.CI ?? '');

interface Report {
  ok: boolean;
  selected?: { candidate: string; why: string };
  backends: { candidate: string; ok: boolean; detail: string; device?: string; libtensorflow?: string; step_ms?: number; remedy?: string }[];
  kept: { file: string | null; choices: { candidate: string; measured_at: string; job: string }[] };
}

describe('headstream doctor', () => {
  it('reports every backend in preference order, the one training uses and how to get the missing ones', async () => {
    const run = await runCli(['doctor', '--json'], {}, 90_000);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toBe(''); // no TensorFlow or tfjs banners
    const report = JSON.parse(run.stdout) as Report;
    expect(report.backends.map((b) => b.candidate)).toEqual(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']);
    const by = Object.fromEntries(report.backends.map((b) => [b.candidate, b]));
    expect(by.wasm).toMatchObject({ ok: true, device: 'cpu' });
    expect(by.cpu).toMatchObject({ ok: true, device: 'cpu' });
    expect(by['tensorflow-gpu']).toMatchObject({ ok: false, detail: '@tensorflow/tfjs-node-gpu is not installed' });
    expect(by['tensorflow-gpu']?.remedy).toContain('infra/tensorflow/setup.sh --gpu');
    if (by.tensorflow?.ok) expect(by.tensorflow.libtensorflow).toMatch(/^2\.\d+\.\d+/);
    else {
      // CI sets up the native backend (.ci/run → infra/tensorflow/setup.sh): there it must work.
      expect(ci, `native backend missing in CI: ${by.tensorflow?.detail}`).toBe(false);
      expect(by.tensorflow?.remedy).toContain('infra/tensorflow/setup.sh');
    }
    // Training takes the fastest working backend, timed on a real training step.
    const working = report.backends.filter((b) => b.ok);
    for (const b of working) expect(b.step_ms, b.candidate).toBeGreaterThan(0);
    const fastest = [...working].sort((a, b) => (a.step_ms ?? Infinity) - (b.step_ms ?? Infinity))[0];
    expect(report.selected).toEqual({ candidate: fastest?.candidate, why: 'fastest training step at batch 128 among the working backends' });
    const table = await runCli(['doctor'], {}, 90_000);
    expect(table.stdout).toMatch(/^selected: (tensorflow|wasm|cpu) \(fastest training step/m);
  }, 200_000);

  it('honours HS_TF_BACKEND, and names a bad value in one line with exit code 2', async () => {
    const forced = JSON.parse((await runCli(['doctor', '--json'], { HS_TF_BACKEND: 'wasm' }, 90_000)).stdout) as Report;
    expect(forced.selected).toEqual({ candidate: 'wasm', why: 'forced by HS_TF_BACKEND=wasm' });
    const bad = await runCli(['doctor'], { HS_TF_BACKEND: 'webgpu' }, 90_000);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('headstream: HS_TF_BACKEND: unknown backend "webgpu"; valid: tensorflow-gpu, node-gpu, tensorflow, node, wasm, cpu\n');
  }, 200_000);

  it('lists the choices training jobs keep for their next process, and says when none are kept', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hs-doctor-memo-'));
    try {
      const file = join(dir, 'tf-backend.json');
      const none = JSON.parse((await runCli(['doctor', '--json'], { HS_TF_BACKEND_MEMO: file }, 90_000)).stdout) as Report;
      expect(none.kept).toEqual({ file, choices: [] });
      // What a trainer keeps (this machine, now); one measured two days ago no longer stands.
      remember({ file, job: 'a training step at batch 128' }, 'wasm', { tensorflow: 91.9, wasm: 47.3 });
      const old = Date.now() - 2 * 24 * 3_600_000;
      remember({ file, job: 'a training step at batch 64', now: () => old }, 'tensorflow', { tensorflow: 20, wasm: 40 });
      const report = JSON.parse((await runCli(['doctor', '--json'], { HS_TF_BACKEND_MEMO: file }, 90_000)).stdout) as Report;
      expect(report.kept.file).toBe(file);
      expect(report.kept.choices.map((c) => [c.candidate, c.job])).toEqual([['wasm', 'a training step at batch 128']]);
      expect(Date.now() - Date.parse(report.kept.choices[0]?.measured_at ?? '')).toBeLessThan(10 * 60_000);
      const table = (await runCli(['doctor'], { HS_TF_BACKEND_MEMO: file }, 90_000)).stdout;
      expect(table).toContain(`kept for the next process of the same job, a day each (HS_TF_BACKEND_MEMO=off measures every time): ${file}\n  wasm           measured `);
      const off = await runCli(['doctor'], { HS_TF_BACKEND_MEMO: 'off' }, 90_000);
      expect(off.stdout).toContain('kept for the next process: none (HS_TF_BACKEND_MEMO=off: every job measures)\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 200_000);
});
