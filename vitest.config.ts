import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { heavyFirstSequencer } from './test/setup/sequencer.js';

// Tests (and the global setup) import workspace packages from source, so they need no
// build; the CLI tests spawn the built binary, which `npm test` builds first.
const packagesDir = fileURLToPath(new URL('./packages/', import.meta.url));
const alias = readdirSync(packagesDir).map((name) => ({
  find: new RegExp(`^@headstream/${name}$`),
  replacement: `${packagesDir}${name}/src/index.ts`,
}));

/**
 * Heavy learning tests (each trains networks for seconds to minutes, all CPU). Their own project, with its
 * limits, scheduled among the unit and integration files (which mostly wait on services) so the two cores of
 * a CI machine stay busy; every limit is sized for that load. (A project of one worker cannot share a
 * group with the others in vitest: it would run alone, after them.)
 */
const LEARNING = [
  // Longest first (clean-clone CI, 2026-12-05): the sequencer starts them in this order.
  'apps/cli/test/train-evaluate.test.ts',
  'test/experiments/quick.test.ts',
  'apps/demo/test/demo.int.test.ts',
  'test/e2e/train-from-db.test.ts',
  'test/e2e/train-from-sim.test.ts',
  'packages/training/test/train-from-db.int.test.ts',
  'apps/demo/test/demo-stack.int.test.ts',
  'apps/trainer/test/trainer.int.test.ts',
  'packages/model/test/model.test.ts',
  'apps/cli/test/doctor.test.ts',
  'packages/model/test/parallel.test.ts',
  'packages/model/test/backends.test.ts',
];

/**
 * The README's commands that rebuild (`npm run build`, `selfcheck`, `dashboards`, `schemas`) run last, alone:
 * they rewrite dist files under the services other test files start, and generated files tests read. The
 * README's other commands (readme-commands.test.ts) run beside the rest, in the integration project.
 */
const README = ['test/readme/readme-rebuilds.test.ts'];

export default defineConfig({
  resolve: { alias },
  test: {
    // The model's bundle of tfjs-core's gradients (built, 350 kB of plain JavaScript): Node loads it as it is,
    // as it loads node_modules, rather than vite transforming it in every worker.
    server: { deps: { external: [/\/packages\/model\/dist\/tfjs-gradients\.js$/] } },
    reporters: ['default', './packages/testkit/src/summary-reporter.ts'],
    // Learning files longest first, spread among the others; the others larger first (test/setup/sequencer.ts).
    sequence: { sequencer: heavyFirstSequencer(LEARNING) },
    // Three test files at a time: most unit and integration time is spent waiting on brokers, databases and
    // the processes they start, so on a 2-core machine three overlap well with the CPU-bound learning files
    // (vitest's default, one fewer than the cores, ran every file alone). The README commands that rebuild run last, alone.
    maxWorkers: 3,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
          exclude: ['**/*.int.test.ts', '**/node_modules/**', ...LEARNING, ...README],
          // Under CI's load (8 on 2 cores) a CLI spawn took 3–5 s and the slowest unit test 8.8 s.
          testTimeout: 60_000,
          hookTimeout: 60_000,
          // One module graph per worker, not per file: importing it again for each of ~65 files cost 75 s of the
          // project's 163 s of CPU (19 s without isolation). Unit files keep no state between files: none sets an
          // environment variable, mocks a module or changes tfjs's backend from the CPU one they all use.
          isolate: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['packages/*/test/**/*.int.test.ts', 'apps/*/test/**/*.int.test.ts', 'test/**/*.test.ts'],
          exclude: ['**/node_modules/**', ...LEARNING, ...README],
          // The services, and the run's one trained fixture version (test/fixture: the predictor tests serve it).
          globalSetup: ['packages/testkit/src/global-setup.ts', 'test/fixture/global-setup.ts'],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'learning',
          include: LEARNING,
          // Trainer tests read their history from the real services.
          globalSetup: ['packages/testkit/src/global-setup.ts'],
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'readme',
          include: README,
          globalSetup: ['packages/testkit/src/global-setup.ts'],
          sequence: { groupOrder: 1 },
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
    ],
  },
});
