import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { datasetFolder } from '@headstream/datasets';
import { buildWindows, type WindowSet } from '@headstream/features';
import { framesFromRecords, prepareTask, taskDefinition, taskRecords, timeSplit, type TaskRecord } from '../src/index.js';
import { concatSets, labelled, thin, windowsFor } from '../src/windows.js';

/** A set of n windows (lookback 3, 2 features) whose every value names its set, row and position, with a forecast and a class label. */
function set(tag: number, n: number): WindowSet {
  const per = 3 * 2;
  const h = 2;
  const value = (i: number, j: number) => tag * 1000 + i * 10 + j;
  return {
    input: 'machine',
    n,
    lookback: 3,
    features: 2,
    x: Float32Array.from({ length: n * per }, (_, k) => value(Math.floor(k / per), k % per)),
    issueTimes: Float64Array.from({ length: n }, (_, i) => tag * 1e6 + i),
    targets: {
      output: {
        kind: 'regression',
        horizons: h,
        y: Float32Array.from({ length: n * h }, (_, k) => value(Math.floor(k / h), k % h)),
        mask: Float32Array.from({ length: n * h }, (_, k) => (k % 3 === 0 ? 0 : 1)),
        raw: Float64Array.from({ length: n * h }, (_, k) => -value(Math.floor(k / h), k % h)),
        persistence: Float64Array.from({ length: n * h }, (_, k) => value(Math.floor(k / h), k % h) + 0.5),
        seasonal: Float64Array.from({ length: n * h }, (_, k) => value(Math.floor(k / h), k % h) + 0.25),
        spread: Float64Array.from({ length: n * h }, (_, k) => (k % 2 === 0 ? NaN : value(Math.floor(k / h), 0))),
      },
      state: { kind: 'classification', classes: 3, y: Int32Array.from({ length: n }, (_, i) => (i % 4 === 0 ? -1 : (tag + i) % 3)), mask: Float32Array.from({ length: n }, (_, i) => (i % 4 === 0 ? 0 : 1)) },
    },
  };
}

/** What concatSets must return, row by row: each kept row's values in order. */
function rowsOf(s: WindowSet, keep: (i: number) => boolean) {
  const out: unknown[] = [];
  const r = s.targets.output;
  const c = s.targets.state;
  for (let i = 0; i < s.n; i++) {
    if (!keep(i) || r?.kind !== 'regression' || c?.kind !== 'classification') continue;
    const h = (a: Float32Array | Float64Array) => Array.from(a.subarray(i * 2, i * 2 + 2));
    out.push([Array.from(s.x.subarray(i * 6, i * 6 + 6)), s.issueTimes[i], h(r.y), h(r.mask), h(r.raw), h(r.persistence), h(r.seasonal), h(r.spread), c.y[i], c.mask[i]]);
  }
  return out;
}

describe('concatSets', () => {
  it('keeps exactly the rows `keep` keeps, in order, with every target and the site of each row', () => {
    const sets = [set(1, 9), set(2, 1), set(3, 0), set(4, 12)];
    // Runs of kept rows of every length, gaps between them, a set kept whole and an empty one.
    const keep = (s: WindowSet, i: number) => s.n === 1 || ![0, 3, 4, 8].includes(i) && i !== 11;
    const joined = concatSets(sets, keep);
    const expected = sets.flatMap((s) => rowsOf(s, (i) => keep(s, i)));
    expect(joined.n).toBe(expected.length);
    expect(rowsOf(joined, () => true)).toEqual(expected);
    expect(Array.from(joined.site)).toEqual(sets.flatMap((s, k) => Array.from({ length: s.n }, (_, i) => i).filter((i) => keep(s, i)).map(() => k)));
    expect(joined.targets.state).toMatchObject({ kind: 'classification', classes: 3 });
    expect(joined.targets.output).toMatchObject({ kind: 'regression', horizons: 2 });
  });

  it('returns one set kept whole as it is, and thin keeps evenly spaced rows of it', () => {
    const one = set(5, 10);
    const whole = concatSets([one]);
    expect(whole.x).toBe(one.x);
    expect(Array.from(whole.site)).toEqual(new Array(10).fill(0));
    const thinned = thin(concatSets([one, set(6, 10)]), 5);
    expect(rowsOf(thinned, () => true)).toEqual([0, 4, 8].map((i) => rowsOf(one, (j) => j === i)[0]).concat([2, 6].map((i) => rowsOf(set(6, 10), (j) => j === i)[0])));
    expect(Array.from(thinned.site)).toEqual([0, 0, 0, 1, 1]);
  });

  it('refuses sets that lack a task the first one has', () => {
    const bare = { ...set(7, 2), targets: {} };
    expect(() => concatSets([set(8, 2), bare])).toThrow(/window set 1 lacks output's regression targets/);
  });
});

describe('windowsFor', () => {
  it('equals every site built alone and joined, labelled only: the unlabelled rows closed up in one array', async () => {
    // Two Beijing stations' first 1,500 hours; labels end at different hours at each, so rows of the first site
    // are dropped and the second's must move down past them.
    const records = new Map<string, TaskRecord[]>();
    for (const file of ['PRSA_Data_Aotizhongxin_20130301-20170228.csv', 'PRSA_Data_Changping_20130301-20170228.csv']) {
      const out: TaskRecord[] = [];
      for await (const r of taskRecords('air_quality', { path: join(datasetFolder('beijing-multisite-air-quality'), file) })) {
        out.push(r);
        if (out.length >= 1500) break;
      }
      records.set(out[0]?.site ?? file, out);
    }
    const frames = framesFromRecords('air_quality', records);
    const { spec, scalers } = prepareTask(frames, taskDefinition('air_quality'), timeSplit(frames), { maxTrain: 100_000, maxValidation: 100_000 });
    const sites = Object.keys(frames.frames);
    expect(sites).toHaveLength(2);
    const hour = 3_600_000;
    const start = Math.min(...sites.map((s) => frames.frames[s]?.start ?? NaN));
    const options = (s: string) => ({ labelsBefore: start + (s === sites[0] ? 900 : 1200) * hour });
    const joined = windowsFor(frames, sites, spec, scalers, options);
    const built = sites.map((s) => {
      const frame = frames.frames[s];
      if (!frame) throw new Error(`no ${s}`);
      return buildWindows(frame, spec, scalers, options(s));
    });
    const expected = concatSets(built, labelled);
    expect(joined.n).toBe(expected.n);
    expect(joined.n).toBeLessThan((built[0]?.n ?? 0) + (built[1]?.n ?? 0));
    expect(joined.n).toBeGreaterThan(1500);
    // 1.1 million floats: compared as bytes (an element-wise toEqual took seconds).
    const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
    expect(joined.x.length).toBe(expected.x.length);
    expect(bytes(joined.x).equals(bytes(expected.x))).toBe(true);
    expect(joined.issueTimes).toEqual(expected.issueTimes);
    expect(joined.site).toEqual(expected.site);
    expect(joined.targets).toEqual(expected.targets);
    expect(joined.sites).toEqual(sites);
  });
});
