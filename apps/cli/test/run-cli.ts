import { fileURLToPath } from 'node:url';
import { runNodeScript, type ProcessRun } from '@headstream/testkit';

/** The built `headstream` binary. */
export const CLI = fileURLToPath(new URL('../dist/main.js', import.meta.url));

export function runCli(args: string[], env: Record<string, string> = {}): Promise<ProcessRun> {
  return runNodeScript(CLI, args, env);
}
