import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';

/** Running the built demo as a user would, for the demo's test files. */

/** The binary `npm run demo` runs (npx turbo run build --filter=@headstream/demo builds it). */
export const DEMO = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/**
 * Measured on the shared 2-core machine, December 2026: a default run 86 s alone (six weeks of the city, a day
 * of the machines), --replay 30 s (82 s under load). In clean-clone CI the --serve test's summary came after
 * 182 s quiet and 287–299 s with a benchmark beside it, so the limit is twice the busiest.
 */
export const RUN_LIMIT_MS = 600_000;

export interface Demo {
  child: ChildProcess;
  stdout(): string;
  stderr(): string;
  exited: Promise<number | null>;
}

/** Starts the demo as a user would: in `cwd`, with only the HS_* variables given (the test's own are removed). */
export function startDemo(args: string[], cwd: string, env: Record<string, string> = {}): Demo {
  if (!existsSync(DEMO)) throw new Error(`${DEMO} is missing: npx turbo run build --filter=@headstream/demo`);
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HS_')));
  const child = spawn(process.execPath, [DEMO, ...args], { cwd, env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stdout: () => stdout, stderr: () => stderr, exited };
}

/** Waits for the exit; a run still going after `limitMs` is killed and fails with its output. */
export async function finished(demo: Demo, limitMs: number): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      demo.child.kill('SIGKILL');
      reject(new Error(`the demo was still running after ${limitMs} ms:\n${demo.stderr().slice(-3000)}`));
    }, limitMs);
  });
  try {
    return await Promise.race([demo.exited, limit]);
  } finally {
    clearTimeout(timer);
  }
}

export function mosquittoSub(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, 'mosquitto_sub'))) return join(dir, 'mosquitto_sub');
  return undefined;
}

export const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'hs-demo-'));
  cleanups.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
  return dir;
}

export function stopOnCleanup(demo: Demo): void {
  cleanups.push(async () => {
    if (demo.child.exitCode === null && demo.child.signalCode === null) demo.child.kill('SIGKILL');
    await demo.exited;
  });
}

