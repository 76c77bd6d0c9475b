import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { extractReadmeCommands, planCommand, rewritesCheckout } from './readme-commands.js';

// The parser behind readme-commands.test.ts (which clones, builds and runs what it finds).

const SAMPLE = [
  '# Title',
  '```sh',
  'npm ci && npm run selfcheck   # main job',
  'npx headstream models list --json | head -1',
  'psql "$HS_PG_URL" -c "SELECT 1',
  '                      FROM x"',
  'npx headstream evaluate \\',
  '  --help',
  '```',
  '```json',
  '{"npx": "not a command"}',
  '```',
  'Other commands (after `npm run build`; `npx headstream --help` lists them all):',
  '| command | what it does |',
  '|---|---|',
  '| `npx headstream replay <dataset \\| file> --to mqtt\\|kafka [--max]` | stream |',
  '| `npx headstream models list \\| show V \\| rollback` | registry |',
  '| `npx headstream-ingest` | the service |',
  '| `npm run bench:ingest -- --json`, `npm run bench:train -- --json` | benchmarks |',
  '| `headstream train --request` | not npx: prose, not a command line |',
  'Again: `npm run build`.',
].join('\n');

describe('README command extraction', () => {
  it('finds shell block lines and npx/npm code spans, in order, each once', () => {
    const found = extractReadmeCommands(SAMPLE);
    expect(found.map((c) => c.command)).toEqual([
      'npm ci',
      'npm run selfcheck',
      'npx headstream models list --json | head -1',
      'psql "$HS_PG_URL" -c "SELECT 1\n                      FROM x"',
      'npx headstream evaluate    --help',
      'npm run build',
      'npx headstream --help',
      'npx headstream replay <dataset | file> --to mqtt|kafka [--max]',
      'npx headstream models list | show V | rollback',
      'npx headstream-ingest',
      'npm run bench:ingest -- --json',
      'npm run bench:train -- --json',
    ]);
    expect(found[0]?.where).toBe('README.md:3');
    expect(found[3]?.where).toBe('README.md:5');
  });

  it('runs, reduces to --help, starts as a service or skips with a reason', () => {
    const plans = extractReadmeCommands(SAMPLE).map(planCommand);
    expect(plans).toEqual([
      { kind: 'skip', reason: expect.stringContaining('setup step') as string },
      { kind: 'run', command: 'npm run selfcheck' },
      { kind: 'run', command: 'npx headstream models list --json | head -1' },
      { kind: 'skip', reason: expect.stringContaining('psql') as string },
      { kind: 'help', command: 'npx headstream evaluate    --help' },
      { kind: 'run', command: 'npm run build' },
      { kind: 'help', command: 'npx headstream --help' },
      { kind: 'help', command: 'npx headstream replay --help' },
      { kind: 'help', command: 'npx headstream models list --help' },
      { kind: 'service', command: 'npx headstream-ingest' },
      { kind: 'skip', reason: expect.stringContaining('benchmark') as string },
      { kind: 'skip', reason: expect.stringContaining('benchmark') as string },
    ]);
  });

  it('classifies the commands that rewrite the checkout (npm scripts that build) from the scripts they run', () => {
    const scripts = { build: 'turbo run build //#typecheck', selfcheck: 'npm run build && node x', 'kafka:start': 'bash infra/kafka/start.sh', test: 'npm run build && vitest run', schemas: 'npm run build --silent -w @headstream/core && node y' };
    expect(rewritesCheckout('npm run build', scripts)).toBe(true);
    expect(rewritesCheckout('npm run selfcheck', scripts)).toBe(true);
    expect(rewritesCheckout('CI=1 npm run schemas', scripts)).toBe(true);
    expect(rewritesCheckout('npm test', scripts)).toBe(true);
    expect(rewritesCheckout('npm run kafka:start', scripts)).toBe(false);
    expect(rewritesCheckout('npm run unknown', scripts)).toBe(false);
    expect(rewritesCheckout('npx headstream --help', scripts)).toBe(false);
    expect(rewritesCheckout('npx headstream-ingest', scripts)).toBe(false);
  });

  it('a usage line of an npm script that no skip entry covers is unrunnable (the test names it)', () => {
    expect(planCommand({ command: 'npm run something [-- --quick]', where: 'README.md:1', from: 'inline' }).kind).toBe('unrunnable');
  });

  it('finds in README.md the commands the fresh-clone test must run', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const plans = extractReadmeCommands(readme).map((c) => ({ ...c, plan: planCommand(c) }));
    const run = plans.flatMap((p) => (p.plan.kind === 'skip' ? [] : [p.plan.kind === 'unrunnable' ? `unrunnable: ${p.command}` : p.plan.command]));
    expect(run).toContain('npx headstream --help');
    expect(run).toContain('npx headstream-ingest');
    expect(run.filter((c) => c.startsWith('unrunnable'))).toEqual([]);
  });
});
