import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { finished, startDemo, tempDir } from './run-demo.js';

/**
 * Bad flags and settings of the built headstream-demo binary: each is one line naming it, exit code 2, before
 * anything starts. Apart from demo.int.test.ts (which trains and serves, in the learning project) so these
 * short runs share the machine with the integration files; the runs are independent, so they run at once.
 */
describe('npm run demo with a bad flag or setting (the built headstream-demo binary)', () => {
  it('a bad flag or setting is one line naming it, exit 2, before anything starts', { timeout: 120_000 }, async () => {
    const cwd = tempDir();
    const cases: [string[], Record<string, string>, RegExp][] = [
      [['--bogus'], {}, /^error: unknown option '--bogus'/],
      [['--port', 'abc'], {}, /^error: option '--port <n>' argument 'abc' is invalid/],
      [['--seed', '-1'], {}, /^error: option '--seed <n>' argument '-1' is invalid/],
      [['--stack', '--port', '1900'], {}, /^headstream-demo: --port sets the embedded broker's port; with --stack/],
      [['--stack'], {}, /^headstream-demo: --stack needs HS_PG_URL/],
      [['--stack', '--timescale'], {}, /^headstream-demo: --timescale picks the embedded database's engine; with --stack/],
      [[], { HS_DB_ENGINE: 'mysql' }, /^config: HS_DB_ENGINE: expected the embedded engine when HS_PG_URL is unset: pglite or timescale/],
      [['--replay', '--datasets-dir', join(cwd, 'nowhere')], {}, /^headstream-demo: --replay needs the shared data sets: .*nowhere/],
      [[], { HS_TOPIC_ROOT: 'bad root' }, /^config: HS_TOPIC_ROOT: /],
    ];
    const runs = cases.map(([args, env]) => startDemo(args, cwd, env));
    const codes = await Promise.all(runs.map((demo) => finished(demo, 90_000)));
    cases.forEach(([args, , line], i) => {
      const demo = runs[i];
      if (demo === undefined) throw new Error(`no run for case ${i}`);
      expect(codes[i], `${args.join(' ')}: ${demo.stderr()}`).toBe(2);
      expect(demo.stderr().trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(demo.stderr().trim()).toMatch(line);
    });
    // A folder the demo did not make is never emptied.
    const foreign = join(cwd, 'mine');
    mkdirSync(foreign);
    writeFileSync(join(foreign, 'keep.txt'), 'mine');
    const demo = startDemo(['--dir', foreign], cwd);
    expect(await finished(demo, 60_000)).toBe(2);
    expect(demo.stderr().trim()).toMatch(/^headstream-demo: --dir .*mine holds files the demo did not create/);
    expect(readdirSync(foreign)).toEqual(['keep.txt']);
  });
});
