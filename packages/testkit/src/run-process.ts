import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { freePort } from './scratch-services.js';
import { waitUntil } from './wait.js';

export interface ProcessRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface NodeProcess {
  child: ChildProcess;
  /** Resolves with the exit code once the process has ended. */
  exited: Promise<number | null>;
  /** stdout and stderr so far, for error messages. */
  output(): string;
}

/**
 * Starts a built Node entry point with exactly the HS_* variables given (the caller's own
 * HS_* are removed, so a test decides which services the process sees).
 */
export function spawnNodeScript(script: string, args: string[], env: Record<string, string> = {}): NodeProcess {
  if (!existsSync(script)) throw new Error(`${script} is missing: run npm run build first (npm test does)`);
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HS_')));
  const child = spawn(process.execPath, [script, ...args], { env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

/**
 * Runs a built Node entry point to the end (see spawnNodeScript). A process still running after
 * `timeoutMs` is killed and the promise REJECTS naming the limit and the output so far, so a caller
 * never mistakes a killed run for a finished one. Give the limit of the test that waits for it.
 */
export function runNodeScript(script: string, args: string[], env: Record<string, string> = {}, timeoutMs = 120_000): Promise<ProcessRun> {
  const { child } = spawnNodeScript(script, args, env);
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    let killed = false;
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (killed) {
        const tail = `${stdout}${stderr}`.slice(-2_000);
        reject(new Error(`${script} ${args.join(' ')} was still running after ${timeoutMs} ms and was killed; output so far:\n${tail}`));
      } else resolve({ code, signal, stdout, stderr });
    });
  });
}

export interface HealthyService extends NodeProcess {
  /** HS_HTTP_PORT the service was given: /healthz and /metrics answer there. */
  port: number;
  /** SIGTERM, then waits for the exit. */
  stop(): Promise<number | null>;
}

/**
 * Starts a built service (ingest, predictor…) on a free HS_HTTP_PORT and resolves once its /healthz
 * answers 200; rejects with its output when it exits first or stays unhealthy for `timeoutMs`.
 */
export async function startHealthyService(script: string, env: Record<string, string>, options: { timeoutMs?: number } = {}): Promise<HealthyService> {
  const port = await freePort();
  const service = spawnNodeScript(script, [], { HS_LOG_LEVEL: 'warn', ...env, HS_HTTP_PORT: String(port) });
  const stop = async () => {
    if (service.child.exitCode === null && service.child.signalCode === null) service.child.kill('SIGTERM');
    return service.exited;
  };
  try {
    await waitUntil(
      async () => {
        if (service.child.exitCode !== null) throw new Error(`${script} exited with ${service.child.exitCode}: ${service.output()}`);
        const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
        return res?.status === 200;
      },
      `${script} /healthz`,
      options.timeoutMs ?? 60_000,
      200,
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { ...service, port, stop };
}
