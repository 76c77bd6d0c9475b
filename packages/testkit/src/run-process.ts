import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface ProcessRun {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a built Node entry point with exactly the HS_* variables given (the caller's own
 * HS_* are removed, so a test decides which services the process sees).
 */
export function runNodeScript(script: string, args: string[], env: Record<string, string> = {}, timeoutMs = 60_000): Promise<ProcessRun> {
  if (!existsSync(script)) throw new Error(`${script} is missing: run npm run build first (npm test does)`);
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HS_')));
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}
