import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Prediction } from '@headstream/core';
import { migrate, predictorRoleFor, quoteIdent } from '@headstream/store';
import { databaseTargets, describeEachTarget, type TestDatabase } from '@headstream/testkit';
import { InvalidPredictionError } from '../src/outputs/validate.js';
import { readPredictions, writePredictions } from '../src/outputs/predictions-table.js';
import { SAMPLE_ROWS, samplePredictions } from './outputs-fixtures.js';

/** What readPredictions returns for `batch`: regression horizons ascending, in its order (issue time, task, site, model version). */
function asRead(batch: readonly Prediction[]): Prediction[] {
  const key = (p: Prediction) => [Date.parse(p.issued_at), p.task, p.site, p.model_version, p.kind === 'classification' ? Date.parse(p.target_time) : 0] as const;
  const sorted = batch.map((p) => (p.kind === 'regression' ? { ...p, horizons: [...p.horizons].sort((a, b) => a.horizon - b.horizon) } : p));
  return sorted.sort((a, b) => {
    const [ka, kb] = [key(a), key(b)];
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return (ka[i] as number | string) < (kb[i] as number | string) ? -1 : 1;
    return 0;
  });
}

const count = async (db: TestDatabase) => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM predictions')).rows[0]?.n;

describeEachTarget(databaseTargets(), 'predictions table on $name', ({ name, open }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await open(import.meta.filename);
    await migrate(db);
  });
  afterAll(async () => {
    await db.dispose();
  });

  it('stores regression and classification predictions once, and reads them back as they were', async () => {
    const batch = samplePredictions('2025-06-01T12:00:00.000Z');
    // Horizons in any order: they come back ascending.
    const traffic = batch[0];
    if (traffic?.kind === 'regression') traffic.horizons.reverse();

    expect(await writePredictions(db, batch)).toEqual({ rows: SAMPLE_ROWS, inserted: SAMPLE_ROWS });
    expect(await writePredictions(db, batch)).toEqual({ rows: SAMPLE_ROWS, inserted: 0 });
    expect(await count(db)).toBe(SAMPLE_ROWS);
    expect(await readPredictions(db)).toEqual(asRead(batch));

    const rows = (await db.query<{ task: string; horizon: number; unit: string | null; label: string | null }>('SELECT task, horizon, unit, label FROM predictions ORDER BY task, site, horizon')).rows;
    expect(rows).toEqual([
      { task: 'air_quality', horizon: 1, unit: 'µg/m³', label: null },
      { task: 'fault', horizon: 0, unit: null, label: 'valve1' },
      { task: 'fault', horizon: 0, unit: null, label: 'normal' },
      { task: 'traffic', horizon: 1, unit: 'veh/5min', label: null },
      { task: 'traffic', horizon: 3, unit: 'veh/5min', label: null },
    ]);
  });

  it('keeps another model version of the same issue time as its own rows; filters by task, site and issue time', async () => {
    const v1 = samplePredictions('2025-06-01T12:00:00.000Z');
    const v2 = samplePredictions('2025-06-01T12:00:00.000Z', 'v2');
    const later = samplePredictions('2025-06-01T12:05:00.000Z');
    expect(await writePredictions(db, [...v2, ...later])).toEqual({ rows: 2 * SAMPLE_ROWS, inserted: 2 * SAMPLE_ROWS });
    expect(await count(db)).toBe(3 * SAMPLE_ROWS);

    expect(await readPredictions(db)).toEqual(asRead([...v1, ...v2, ...later]));
    const road = await readPredictions(db, { task: 'traffic', site: 'road-1' });
    expect(road.map((p) => `${p.issued_at} ${p.model_version}`)).toEqual(['2025-06-01T12:00:00.000Z v1', '2025-06-01T12:00:00.000Z v2', '2025-06-01T12:05:00.000Z v1']);
    expect(await readPredictions(db, { since: '2025-06-01T12:01:00Z' })).toEqual(asRead(later));
    expect(await readPredictions(db, { site: 'pump-2', since: new Date('2025-06-01T12:05:00Z') })).toEqual(later.filter((p) => p.site === 'pump-2'));
  });

  it('takes any UTC offset and sub-batch duplicates, and returns times in UTC', async () => {
    const batch = samplePredictions('2025-06-02T14:00:00.000+02:00', 'v1', 'offset-');
    const { rows, inserted } = await writePredictions(db, [...batch, ...batch]);
    expect({ rows, inserted }).toEqual({ rows: 2 * SAMPLE_ROWS, inserted: SAMPLE_ROWS });
    const [first] = await readPredictions(db, { site: 'offset-pump-1' });
    expect(first).toMatchObject({ issued_at: '2025-06-02T12:00:00.000Z', target_time: '2025-06-02T12:00:00.000Z' });
  });

  it('rejects an invalid prediction naming its task and site, and writes nothing of its batch', async () => {
    const before = await count(db);
    const [regression, , classification] = samplePredictions('2025-06-03T00:00:00.000Z');
    if (regression?.kind !== 'regression' || classification?.kind !== 'classification') throw new Error('unexpected samples');
    const bad: Prediction = { ...classification, probabilities: { normal: 0.5, valve1: 0.2 } };
    const error = await writePredictions(db, [regression, bad]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidPredictionError);
    expect((error as Error).message).toMatch(/prediction 1 .*task fault, site pump-1.*probabilities must sum to 1/);
    await expect(writePredictions(db, [{ ...regression, horizons: [] }])).rejects.toThrow(/task traffic, site road-1.*horizons/);
    await expect(writePredictions(db, [{ ...regression, site: 'a/b' }])).rejects.toThrow(/site a\/b/);
    expect(await count(db)).toBe(before);
  });

  it('writes a large batch in one statement', async () => {
    const batch = Array.from({ length: 500 }, (_, i) => samplePredictions('2025-06-04T00:00:00.000Z', 'v1', `bulk-${i}-`)).flat();
    expect(await writePredictions(db, batch)).toEqual({ rows: 500 * SAMPLE_ROWS, inserted: 500 * SAMPLE_ROWS });
    expect(await readPredictions(db, { since: '2025-06-04T00:00:00Z' })).toHaveLength(batch.length);
    expect(await writePredictions(db, [])).toEqual({ rows: 0, inserted: 0 });
  });

  if (name === 'postgres') {
    it("works with the predictor role's grants alone (SELECT, INSERT on predictions)", async () => {
      const batch = samplePredictions('2025-06-05T00:00:00.000Z', 'v1', 'role-');
      const read = await db.transaction(async (tx) => {
        await tx.query(`SET LOCAL ROLE ${quoteIdent(predictorRoleFor(db.schema))}`);
        expect(await writePredictions(tx, batch)).toEqual({ rows: SAMPLE_ROWS, inserted: SAMPLE_ROWS });
        expect(await writePredictions(tx, batch)).toEqual({ rows: SAMPLE_ROWS, inserted: 0 });
        return readPredictions(tx, { since: '2025-06-05T00:00:00Z' });
      });
      expect(read).toEqual(asRead(batch));
    });
  }
});
