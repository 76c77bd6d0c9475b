import type { Reporter, SerializedError, TestModule, TestSuite } from 'vitest/node';

/** Test counts for the closing line; a suite or file that failed outside any test counts as one failure. */
export interface RunCounts {
  passed: number;
  failed: number;
  skipped: number;
  /** "file › suite: first line of the error" for each suite or file that failed outside its tests. */
  brokenSuites: string[];
  /** Full names of the skipped tests (with their skip note when there is one). */
  skippedTests: string[];
}

const firstLine = (errors: readonly SerializedError[]): string => (errors[0]?.message ?? 'failed').split('\n')[0] ?? 'failed';

export function countRun(testModules: readonly TestModule[]): RunCounts {
  const counts: RunCounts = { passed: 0, failed: 0, skipped: 0, brokenSuites: [], skippedTests: [] };
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
  onTestRunEnd(testModules: readonly TestModule[]): void {
    const counts = countRun(testModules);
    const ci = /^(1|true|yes)$/i.test(process.env.CI ?? '');
    const lines: string[] = [];
    for (const broken of counts.brokenSuites) lines.push(`failed outside a test: ${broken}`);
    if (ci && counts.skipped > 0) {
      for (const skipped of counts.skippedTests) lines.push(`skipped in CI (not allowed): ${skipped}`);
      process.exitCode = 1;
    }
    if (counts.failed > 0) process.exitCode = 1;
    process.stdout.write(`\n${lines.map((l) => `${l}\n`).join('')}vitest: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped\n`);
  }
}
