import { fileURLToPath } from 'node:url';
import { runNodeScript, type ProcessRun } from '@headstream/testkit';

/** The built `headstream` binary. */
export const CLI = fileURLToPath(new URL('../dist/main.js', import.meta.url));

/** Runs the CLI to the end; `timeoutMs` should be the calling test's own limit (less a margin). */
export function runCli(args: string[], env: Record<string, string> = {}, timeoutMs?: number): Promise<ProcessRun> {
  return runNodeScript(CLI, args, env, timeoutMs);
}
