import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { countRun } from '../src/summary-reporter.js';

const require = createRequire(import.meta.url);
const VITEST = join(dirname(require.resolve('vitest/package.json')), 'vitest.mjs');
const FIXTURES = fileURLToPath(new URL('./fixtures/summary/', import.meta.url));

/** Runs the fixture suite (optionally only some files) in a child vitest, as CI would. */
function runFixtures(files: string[], ci: boolean) {
  const env: NodeJS.ProcessEnv = { ...process.env, CI: ci ? 'true' : '' };
  delete env.VITEST;
  delete env.VITEST_POOL_ID;
  delete env.VITEST_WORKER_ID;
  const run = spawnSync(process.execPath, [VITEST, 'run', '--config', `${FIXTURES}vitest.config.ts`, ...files], { cwd: FIXTURES, env, encoding: 'utf8', timeout: 120_000 });
  return { code: run.status, out: `${run.stdout}${run.stderr}`, closing: /vitest: \d+ passed, \d+ failed, \d+ skipped/.exec(run.stdout)?.[0] };
}

describe('closing summary reporter', () => {
  it('counts a suite whose beforeAll failed as a failure, not as skips', () => {
    const run = runFixtures(['passes', 'hook-fails'], false);
    expect(run.closing).toBe('vitest: 1 passed, 1 failed, 2 skipped');
    expect(run.out).toContain('failed outside a test:');
    expect(run.out).toContain('setup exploded');
    expect(run.code).toBe(1);
  }, 150_000);

  it('counts a file that cannot be imported as a failure', () => {
    const broken = `${FIXTURES}broken.fixture.ts`;
    writeFileSync(broken, "import './does-not-exist.js';\n");
    try {
      const run = runFixtures(['passes', 'broken'], false);
      expect(run.closing).toBe('vitest: 1 passed, 1 failed, 0 skipped');
      expect(run.code).toBe(1);
    } finally {
      rmSync(broken, { force: true });
    }
  }, 150_000);

  it('counts an unhandled error as a failure and names it in the closing block, even when every test passed', () => {
    const run = runFixtures(['passes', 'unhandled'], false);
    expect(run.closing).toBe('vitest: 2 passed, 1 failed, 0 skipped');
    // In the closing block, right above the closing line, with the file it came from.
    expect(run.out).toMatch(/\nunhandled error: Error: stray rejection nobody awaited \(in [^\n]*unhandled\.fixture\.ts[^\n]*\)\nvitest: 2 passed, 1 failed, 0 skipped\n/);
    expect(run.code).toBe(1);
  }, 150_000);

  it('with CI=true a skipped test fails the run and is named; off CI it is only counted', () => {
    const ci = runFixtures(['passes', 'skips'], true);
    expect(ci.closing).toBe('vitest: 1 passed, 0 failed, 1 skipped');
    expect(ci.out).toContain('skipped in CI (not allowed): is skipped on purpose (no such service)');
    expect(ci.code).toBe(1);
    const dev = runFixtures(['passes', 'skips'], false);
    expect(dev.closing).toBe('vitest: 1 passed, 0 failed, 1 skipped');
    expect(dev.code).toBe(0);
  }, 150_000);
});

describe('countRun', () => {
  it('adds each unhandled error to the failures, one line each: name, first line of the message, where', () => {
    const counts = countRun([], [
      { name: 'TypeError', message: 'x is undefined\n    at somewhere', VITEST_TEST_PATH: '/repo/a.test.ts', VITEST_TEST_NAME: 'does a' },
      { message: 'no name, no place' },
    ]);
    expect(counts).toEqual({
      passed: 0,
      failed: 2,
      skipped: 0,
      brokenSuites: [],
      skippedTests: [],
      unhandledErrors: ['TypeError: x is undefined (in /repo/a.test.ts › does a)', 'no name, no place'],
    });
    expect(countRun([]).failed).toBe(0);
  });
});
