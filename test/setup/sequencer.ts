import { statSync } from 'node:fs';
import { BaseSequencer, type TestSequencerConstructor, type TestSpecification } from 'vitest/node';

/**
 * The order files start in, for a 2-core CI machine with three test files at a time. vitest's own order runs
 * the projects one after the other (integration, learning, unit, by name): the CPU-bound learning files all
 * started after the last integration file, several at once, and the longest of them ended the run with the
 * other workers idle. Here the learning files start longest first (the order of the `learning` list in
 * vitest.config.ts, measured in CI), one among every few other files, so about one trains at a time beside
 * files that mostly wait on services; the other files, unit and integration alike, start larger first, so
 * the small ones fill the tail. Group order (the README's rebuilding commands last) stays as vitest has it.
 */
export function heavyFirstSequencer(learning: readonly string[]): TestSequencerConstructor {
  return class HeavyFirstSequencer extends BaseSequencer {
    override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
      const sorted = await super.sort(files);
      const groups = new Map<number, TestSpecification[]>();
      for (const f of sorted) {
        const order = f.project.config.sequence.groupOrder;
        groups.set(order, [...(groups.get(order) ?? []), f]);
      }
      return [...groups.entries()].sort((a, b) => a[0] - b[0]).flatMap(([, group]) => interleave(group, learning));
    }
  };
}

function interleave(files: readonly TestSpecification[], learning: readonly string[]): TestSpecification[] {
  const rank = (f: TestSpecification) => learning.findIndex((path) => f.moduleId.endsWith(`/${path}`));
  const heavy = files.filter((f) => rank(f) >= 0).sort((a, b) => rank(a) - rank(b));
  // The rest, unit and integration alike, larger files first (vitest's own guess without timings: several
  // "unit" files start brokers and services and take as long as integration ones).
  const size = new Map(files.map((f) => [f, statSync(f.moduleId).size]));
  const others = files.filter((f) => rank(f) < 0).sort((a, b) => (size.get(b) ?? 0) - (size.get(a) ?? 0));
  const step = heavy.length === 0 ? others.length : Math.max(1, Math.floor(others.length / heavy.length));
  const out: TestSpecification[] = [];
  others.forEach((f, i) => {
    if (i % step === 0 && heavy.length > 0) out.push(heavy.shift() as TestSpecification);
    out.push(f);
  });
  return [...out, ...heavy];
}
