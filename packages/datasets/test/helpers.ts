import { nameProblem } from '@headstream/core';
import { expect } from 'vitest';
import { getLoader, newLoadStats, readDataset, type DataRecord, type LoadStats } from '../src/index.js';

export interface Scan {
  stats: LoadStats;
  records: number;
  sites: Map<string, number>;
  /** Records carrying each metric. */
  metricCounts: Map<string, number>;
  first?: DataRecord;
  last?: DataRecord;
}

/**
 * Reads a whole data set through its loader (the real files under shared/datasets),
 * checking the invariants every loader promises on the way, and visits each record.
 */
export async function scanDataset(name: string, visit: (r: DataRecord) => void = () => undefined): Promise<Scan> {
  const loader = getLoader(name);
  const stats = newLoadStats();
  const scan: Scan = { stats, records: 0, sites: new Map(), metricCounts: new Map() };
  const lastBySite = new Map<string, number>();
  const declared = new Set(loader.metrics.map((m) => m.name));
  let previous = Number.NEGATIVE_INFINITY;
  for await (const r of readDataset(loader, { stats })) {
    // Global time order, strictly increasing per site, valid names, finite values only.
    if (r.time < previous) expect.fail(`${name}: time went back at ${r.site} ${r.time}`);
    previous = r.time;
    const last = lastBySite.get(r.site);
    if (last !== undefined && r.time <= last) expect.fail(`${name}: ${r.site} not strictly increasing at ${r.time}`);
    lastBySite.set(r.site, r.time);
    if (r.domain !== loader.domain) expect.fail(`${name}: domain ${r.domain}`);
    if (!scan.sites.has(r.site) && nameProblem(r.site) !== null) expect.fail(`${name}: bad site ${r.site}`);
    const metrics = Object.keys(r.values);
    if (metrics.length === 0) expect.fail(`${name}: a record without values`);
    for (const m of metrics) {
      if (!declared.has(m)) expect.fail(`${name}: undeclared metric ${m}`);
      if (!Number.isFinite(r.values[m])) expect.fail(`${name}: ${m} = ${r.values[m]}`);
      scan.metricCounts.set(m, (scan.metricCounts.get(m) ?? 0) + 1);
    }
    scan.sites.set(r.site, (scan.sites.get(r.site) ?? 0) + 1);
    scan.first ??= r;
    scan.last = r;
    scan.records++;
    visit(r);
  }
  expect(stats.records).toBe(scan.records);
  return scan;
}

export const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());
