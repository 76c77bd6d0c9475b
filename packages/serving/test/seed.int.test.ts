import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Prediction } from '@headstream/core';
import { TASKS } from '@headstream/tasks';
import { datasetFolder } from '@headstream/datasets';
import { migrate, ReadingWriter } from '@headstream/store';
import { embeddedDatabase, type TestDatabase } from '@headstream/testkit';
import { taskRecords } from '@headstream/training';
import { installFixtureVersion } from '../../../test/fixture/index.js';
import { loadServingVersion, PredictionEngine, type EngineReading, type ServingVersion } from '../src/index.js';
import { seedSite } from '../src/service.js';

const HOUR = 3_600_000;
const QUARTER = HOUR / 4;

describe('a predictor that starts within a step rebuilds its window from the readings table, the step in progress included', () => {
  let db: TestDatabase;
  let version: ServingVersion;
  /** The gas turbine's hourly rows as four readings an hour (at :00, :15, :30, :45), each a different share of the row. */
  const readings: EngineReading[] = [];
  beforeAll(async () => {
    db = await embeddedDatabase();
    await migrate(db);
    for await (const r of taskRecords('throughput', { path: join(datasetFolder('gas-turbine-co-nox-tey'), 'gt_2011.csv') })) {
      for (let k = 0; k < 4; k++) {
        const values = Object.fromEntries(Object.entries(r.values).map(([m, v]) => [m, v * (0.85 + 0.1 * k)]));
        readings.push({ domain: TASKS.throughput.domain, site: r.site, time: r.time + k * QUARTER, values });
      }
      if (readings.length >= 4 * 200) break;
    }
    await installFixtureVersion(db, 'v1');
    version = await loadServingVersion(db, 'v1');
  }, 600_000);
  afterAll(async () => {
    version?.dispose();
    await db?.dispose();
  });

  /** Feeds readings one at a time; the predictions issued at or after `from`, by task/site/issue time. */
  function run(engine: PredictionEngine, stream: readonly EngineReading[], from = -Infinity): Map<string, Prediction> {
    const out = new Map<string, Prediction>();
    for (const r of stream) {
      const due = engine.add(r).filter((d) => d.issueTime >= from);
      for (const p of engine.predict(due).predictions) out.set(`${p.task}/${p.site}/${p.issued_at}`, p);
    }
    return out;
  }

  it('predicts what an engine that saw every reading predicts, from the first step on (half of that hour was in the table only)', async () => {
    // The table holds the history up to half past an hour; the predictor receives the rest, from the :30 reading on.
    const cut = (readings[4 * 150]?.time ?? NaN) + 2 * QUARTER;
    const history = readings.filter((r) => r.time < cut);
    const live = readings.filter((r) => r.time >= cut);
    await new ReadingWriter(db).write(history);
    const first = live[0] as EngineReading;

    const reference = run(new PredictionEngine(version), [...history, ...live]);
    const engine = new PredictionEngine(version);
    for (const pair of engine.unseeded(first)) await seedSite(db, engine, pair.task, pair.site, first.time);
    const served = run(engine, live);

    // Every step from the one ending at the first reading's hour (complete in the table) on is the reference's,
    // the next one (its hour half in the table, half streamed) included.
    const hourStart = cut - 2 * QUARTER;
    const firstStep = new Date(hourStart + HOUR).toISOString();
    expect([...served.keys()]).toContain(`throughput/${first.site}/${firstStep}`);
    expect([...served.keys()]).toContain(`emissions/${first.site}/${firstStep}`);
    expect(served.size).toBeGreaterThan(20);
    expect([...served.keys()].sort()).toEqual([...reference.keys()].filter((k) => Date.parse(k.split('/')[2] ?? '') >= hourStart).sort());
    // The same forecasts (to the last bits: the table's rollup means a complete hour in its own order of addition).
    const numbers = (p: Prediction | undefined) => (p?.kind === 'regression' ? p.horizons.flatMap((h) => [h.value, h.lower, h.upper]) : []);
    for (const [key, p] of served) {
      const expected = reference.get(key);
      expect({ ...p, horizons: [] }, key).toEqual({ ...expected, horizons: [] });
      expect(numbers(p).length, key).toBeGreaterThan(0);
      numbers(p).forEach((v, i) => expect(v, key).toBeCloseTo(numbers(expected)[i] ?? NaN, 9));
    }

    // Without the hour's first two readings (the table's only) the first step's window, and its forecast, differ:
    // the check above can fail.
    const partial = run(new PredictionEngine(version), [...history.filter((r) => r.time < hourStart), ...live], first.time);
    const key = `throughput/${first.site}/${firstStep}`;
    const value = (p: Prediction | undefined) => (p?.kind === 'regression' ? p.horizons[0]?.value : undefined);
    expect(value(partial.get(key))).toBeDefined();
    expect(value(partial.get(key))).not.toBeCloseTo(value(reference.get(key)) ?? NaN, 3);
  });
});
