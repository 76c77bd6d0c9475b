import type { Reporter, SerializedError, TestModule, TestSuite } from 'vitest/node';

/**
 * Test counts for the closing line; a suite or file that failed outside any test counts as one failure,
 * and so does each unhandled error (an uncaught exception or rejection vitest caught during the run).
 */
export interface RunCounts {
  passed: number;
  failed: number;
  skipped: number;
  /** "file › suite: first line of the error" for each suite or file that failed outside its tests. */
  brokenSuites: string[];
  /** Full names of the skipped tests (with their skip note when there is one). */
  skippedTests: string[];
  /** "Name: first line of the message (in file › test)" for each unhandled error. */
  unhandledErrors: string[];
}

const firstLine = (errors: readonly SerializedError[]): string => (errors[0]?.message ?? 'failed').split('\n')[0] ?? 'failed';

/** One line for an unhandled error: its name, the first line of its message, and where vitest saw it. */
function describeUnhandled(error: SerializedError): string {
  const text = `${error.name ? `${error.name}: ` : ''}${firstLine([error])}`;
  const path = typeof error.VITEST_TEST_PATH === 'string' ? error.VITEST_TEST_PATH : undefined;
  const test = typeof error.VITEST_TEST_NAME === 'string' ? error.VITEST_TEST_NAME : undefined;
  const where = [path, test].filter((w) => w !== undefined).join(' › ');
  return where ? `${text} (in ${where})` : text;
}

export function countRun(testModules: readonly TestModule[], unhandledErrors: readonly SerializedError[] = []): RunCounts {
  const counts: RunCounts = { passed: 0, failed: 0, skipped: 0, brokenSuites: [], skippedTests: [], unhandledErrors: [] };
  // An error thrown after its test finished (a timer, a stray rejection) fails the run even when every
  // test passed: each one counts as a failure, named in the closing block.
  for (const error of unhandledErrors) {
    counts.failed++;
    counts.unhandledErrors.push(describeUnhandled(error));
  }
  for (const module of testModules) {
    // A beforeAll that throws leaves its tests "skipped": the error sits on the suite or the module,
    // so it is counted there, once, as a failure (a file that fails to import has no tests at all).
    const holders: (TestModule | TestSuite)[] = [module, ...module.children.allSuites()];
    for (const holder of holders) {
      const errors = holder.errors();
      if (errors.length > 0 || (holder.type === 'module' && holder.state() === 'failed' && [...holder.children.allTests()].length === 0)) {
        counts.failed++;
        const where = holder.type === 'module' ? holder.moduleId : `${holder.module.moduleId} › ${holder.fullName}`;
        counts.brokenSuites.push(`${where}: ${firstLine(errors)}`);
      }
    }
    for (const test of module.children.allTests()) {
      const result = test.result();
      if (result.state === 'passed') counts.passed++;
      else if (result.state === 'failed') counts.failed++;
      else {
        counts.skipped++;
        const note = result.state === 'skipped' ? result.note : undefined;
        counts.skippedTests.push(`${test.fullName}${note ? ` (${note})` : ''}`);
      }
    }
  }
  return counts;
}

/**
 * Prints one closing line, "vitest: N passed, N failed, N skipped", that CI tooling reads.
 * With CI=true nothing may skip: any skipped test is listed and fails the run (exit code 1).
 */
export default class SummaryReporter implements Reporter {
  onTestRunEnd(testModules: readonly TestModule[], unhandledErrors: readonly SerializedError[] = []): void {
    const counts = countRun(testModules, unhandledErrors);
    const ci = /^(1|true|yes)$/i.test(process.env.CI ?? '');
    const lines: string[] = [];
    for (const broken of counts.brokenSuites) lines.push(`failed outside a test: ${broken}`);
    for (const error of counts.unhandledErrors) lines.push(`unhandled error: ${error}`);
    if (ci && counts.skipped > 0) {
      for (const skipped of counts.skippedTests) lines.push(`skipped in CI (not allowed): ${skipped}`);
      process.exitCode = 1;
    }
    if (counts.failed > 0) process.exitCode = 1;
    process.stdout.write(`\n${lines.map((l) => `${l}\n`).join('')}vitest: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
  }
}
