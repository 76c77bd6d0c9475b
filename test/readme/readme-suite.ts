import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, skipOrFailInCi, startScratchMosquitto, type ScratchMosquitto } from '@headstream/testkit';
import { afterAll, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { extractReadmeCommands, planCommand, rewritesCheckout, type CommandPlan } from './readme-commands.js';

/**
 * Every README command works as written. By default it runs in this checkout, as built by `npm test` (CI
 * runs in a clean clone already, so that is what a newcomer has after `npm ci`); `npm run test:fresh`
 * (HS_README_FRESH_CLONE=1) first clones the committed HEAD into a temporary folder and runs `npm ci` and
 * `npm run build` there. Each command line README.md shows (shell code blocks, `npx …`/`npm …` code spans
 * such as the command table) then runs in the README's order, as a user following it would. Usage lines
 * (placeholders, alternatives) run as their command's `--help`; the services must start, answer /healthz
 * with the status they promise, and stop on SIGTERM; long runs and lines that need services or system
 * tools are skipped with a reason (readme-commands.ts). The outer run's HS_* settings are not passed on:
 * the README's commands meet the embedded defaults; the services get a free HS_HTTP_PORT and an MQTT 5 broker of the test's own
 * (HS_MQTT_URL: the predictor needs one, and ingest's embedded default would take port 1883).
 *
 * In this checkout the commands come in two parts, two test files: those that rewrite nothing other test
 * files read run beside the rest of the suite (readme-commands.test.ts); the npm scripts that build
 * (`npm run build`, `selfcheck`, `dashboards`, `schemas`: they rewrite dist/ and generated files even when
 * nothing changed) run last, alone (readme-rebuilds.test.ts; vitest.config.ts orders it). A fresh clone
 * has nobody beside it: there the first file runs every command.
 *
 * Fresh clone (measured on the shared 2-core machine, load 5–27): npm ci 11–22 s, npm run build 2–5 min,
 * the README's commands ~80 s; in place, the commands alone.
 */
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const readme = execFileSync('git', ['show', 'HEAD:README.md'], { cwd: repoRoot, encoding: 'utf8' });
const scripts = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
const commands = extractReadmeCommands(readme).map((c) => ({ ...c, plan: planCommand(c), rewrites: rewritesCheckout(c.command, scripts) }));

const SETUP_STEP_MS = 12 * 60_000; // npm ci ≤ 22 s and npm run build ≤ 5 min measured (under load)
const SETUP_MS = 20 * 60_000; // clone + npm ci + build: ≤ 5.5 min measured
const COMMAND_TIMEOUT_MS = 3 * 60_000; // the slowest measured: 9 s (npm run selfcheck)
const SERVICE_START_MS = 3 * 60_000; // the trainer logs "started" after 7–22 s (it times the backends first)
const SERVICE_STOP_MS = 60_000;

/** The environment of a user with a fresh clone: none of this run's HS_* or npm settings, nor its node_modules/.bin. */
function freshEnvironment(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(HS_|npm_|INIT_CWD$)/i.test(key)));
  env.PATH = (process.env.PATH ?? '').split(delimiter).filter((dir) => !dir.startsWith(repoRoot.replace(/\/$/, ''))).join(delimiter);
  return env;
}

interface Finished {
  code: number | null;
  signal: NodeJS.Signals | null;
  output: string;
}

/**
 * `sh -c command` in its own process group (npx runs the bin under another shell: a signal must
 * reach the whole group). Resolves when it ends; `kill` signals the group.
 */
function startShell(command: string, cwd: string, env: NodeJS.ProcessEnv) {
  const child = spawn('sh', ['-c', command], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const finished = new Promise<Finished>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, output }));
  });
  const kill = (signal: NodeJS.Signals) => {
    try {
      process.kill(-(child.pid ?? 0), signal);
    } catch {
      // the group has ended already
    }
  };
  return { finished, kill, output: () => output, exited: () => child.exitCode !== null || child.signalCode !== null };
}

/** Runs a command to its end within `timeoutMs` (the group is killed and the promise rejects after it). */
async function runToEnd(command: string, cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Finished> {
  const shell = startShell(command, cwd, env);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      shell.kill('SIGKILL');
      reject(new Error(`\`${command}\` was still running after ${timeoutMs} ms; output so far:\n${shell.output().slice(-3_000)}`));
    }, timeoutMs);
  });
  try {
    return await Promise.race([shell.finished, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const tail = (text: string) => text.slice(-3_000);

/** A clone of HEAD with its own `npm ci` and build (`npm run test:fresh`), or this checkout as `npm test` built it. */
const FRESH_CLONE = /^(1|true|yes)$/i.test(process.env.HS_README_FRESH_CLONE ?? '');

/**
 * What each service's /healthz must answer right after it starts on the README's embedded defaults: ingest
 * is up (200); the predictor is connected but has no model version yet, and says so (503). A service
 * without an HTTP endpoint (the trainer) is up once it logs "… started".
 */
const HEALTHZ: Record<string, { status: number; body?: (body: Record<string, unknown>) => boolean } | 'log'> = {
  'headstream-ingest': { status: 200 },
  'headstream-trainer': 'log',
  'headstream-predictor': { status: 503, body: (b) => b.version === null && Array.isArray(b.sources) && b.sources.length > 0 && b.sources.every((x) => (x as { connected?: boolean }).connected === true) },
};

/**
 * The README's commands of one part: 'beside' (what rewrites nothing, plus the check that every command is
 * planned; in a fresh clone, every command) or 'last' (the npm scripts that build, in this checkout).
 */
export function describeReadmeCommands(part: 'beside' | 'last'): void {
  const fresh = FRESH_CLONE && part === 'beside';
  const mine = commands.filter((c) => fresh || (part === 'last') === c.rewrites);
  const needsBroker = mine.some((c) => c.plan.kind === 'service');
  describe(`README commands ${fresh ? 'on a fresh clone' : part === 'beside' ? 'in this checkout, beside the other tests' : 'in this checkout that rebuild it, last'}`, () => {
    let clone = '';
    let broker: ScratchMosquitto | undefined;
    let brokerMissing = '';
    const env = freshEnvironment();

    beforeAll(async () => {
      if (fresh) {
        clone = mkdtempSync(join(tmpdir(), 'hs-readme-'));
        // Only what is committed: a fresh clone of HEAD.
        execFileSync('git', ['clone', '--quiet', repoRoot, clone], { stdio: 'pipe' });
        for (const step of ['npm ci --prefer-offline --no-audit --no-fund', 'npm run build']) {
          const run = await runToEnd(step, clone, env, SETUP_STEP_MS);
          expect(run.code, `${step} failed in the fresh clone:\n${tail(run.output)}`).toBe(0);
        }
      } else clone = repoRoot;
      // The services' broker: a real MQTT 5 one (the embedded aedes broker speaks 3.1.1 only).
      if (!needsBroker) return;
      broker = await startScratchMosquitto().catch((error: unknown) => {
        brokerMissing = `the services need an MQTT 5 broker: ${error instanceof Error ? error.message : String(error)}`;
        return undefined;
      });
    }, SETUP_MS);

    afterAll(async () => {
      await broker?.dispose();
      if (fresh && clone) rmSync(clone, { recursive: true, force: true });
    });

    if (part === 'beside') it('README.md shows commands, and every one is run, reduced to --help, started, or skipped with a reason', () => {
      expect(commands.filter((c) => c.from === 'block').length).toBeGreaterThan(0);
      expect(commands.filter((c) => c.from === 'inline').length).toBeGreaterThan(0);
      const unrunnable = commands.filter((c) => c.plan.kind === 'unrunnable').map((c) => `${c.where} ${c.command}`);
      expect(unrunnable, 'lines neither runnable nor on the skip list in readme-commands.ts').toEqual([]);
      const skipped = commands.flatMap((c) => (c.plan.kind === 'skip' ? [`  ${c.where} ${c.command.split('\n')[0] ?? ''}: ${c.plan.reason}`] : []));
      console.log(`README commands not run here:\n${skipped.join('\n')}`);
    });

    for (const { command, where, plan } of mine) {
      if (plan.kind === 'skip' || plan.kind === 'unrunnable') continue;
      it(`${where} ${command.split('\n')[0] ?? ''}${plan.kind === 'help' && plan.command !== command ? ` (as \`${plan.command}\`)` : ''}`, async (ctx) => {
        await check(plan, ctx);
      }, plan.kind === 'service' ? SERVICE_START_MS + SERVICE_STOP_MS + 30_000 : COMMAND_TIMEOUT_MS + 30_000);
    }

    async function check(plan: Extract<CommandPlan, { command: string }>, ctx: TestContext): Promise<void> {
      if (plan.kind !== 'service') {
        const run = await runToEnd(plan.command, clone, env, COMMAND_TIMEOUT_MS);
        expect(run.code, `\`${plan.command}\` exited with ${run.code ?? run.signal}:\n${tail(run.output)}`).toBe(0);
        if (plan.kind === 'help') expect(run.output).toMatch(/^Usage: /m);
        return;
      }
      // A service: up once it logs "… started" or answers /healthz, with the status it promises; then SIGTERM,
      // and it must be gone within SERVICE_STOP_MS.
      if (!broker) return skipOrFailInCi(ctx, brokerMissing);
      const name = plan.command.split(/\s+/)[1] ?? '';
      const expected = HEALTHZ[name];
      if (expected === undefined) throw new Error(`no expected /healthz answer for ${name}: add it to HEALTHZ`);
      const port = await freePort();
      const service = startShell(plan.command, clone, { ...env, HS_HTTP_PORT: String(port), HS_MQTT_URL: broker.url, HS_LOG_LEVEL: 'info' });
      try {
        const deadline = Date.now() + SERVICE_START_MS;
        let status: number | undefined;
        let body = '';
        for (;;) {
          if (service.exited()) {
            const run = await service.finished;
            throw new Error(`\`${plan.command}\` exited with ${run.code ?? run.signal} instead of starting:\n${tail(run.output)}`);
          }
          if (expected === 'log') {
            if (/"msg":"[^"]*\bstarted"/.test(service.output())) break;
          } else {
            const health = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
            if (health) {
              status = health.status;
              body = await health.text();
              // Up, and settled on the promised answer (a service may say 503 for a moment while it connects).
              if (status === expected.status && (expected.body?.(JSON.parse(body) as Record<string, unknown>) ?? true)) break;
            }
          }
          if (Date.now() > deadline) throw new Error(`\`${plan.command}\` did not ${expected === 'log' ? 'log "started"' : `answer /healthz with ${expected.status}`} as promised within ${SERVICE_START_MS} ms (last: ${status ?? 'no answer'} ${body}):\n${tail(service.output())}`);
          await new Promise((resolve) => setTimeout(resolve, 500));
        }
        service.kill('SIGTERM');
        const stopped = await Promise.race([service.finished, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), SERVICE_STOP_MS))]);
        expect(stopped, `\`${plan.command}\` was still running ${SERVICE_STOP_MS} ms after SIGTERM:\n${tail(service.output())}`).toBeDefined();
      } finally {
        service.kill('SIGKILL');
      }
    }
  });
}
