import type { FeatureScalers, FeatureSpec, RegressionTargets, SeriesFrame, TaskTargets, WindowSet, WindowOptions } from '@headstream/features';
import { planWindows } from '@headstream/features';
import type { TaskFrames } from './dataset-frames.js';

/** Windows of several sites of one input, with the site index of each row. */
export type SiteWindows = WindowSet & { site: Int32Array; sites: string[] };

/** The maximal runs of consecutive indices in `rows` (ascending): [first, end) of each, and where it starts among the kept rows. */
function forRuns(rows: Int32Array, each: (first: number, end: number, at: number) => void): void {
  let i = 0;
  while (i < rows.length) {
    let j = i + 1;
    while (j < rows.length && rows[j] === (rows[j - 1] ?? 0) + 1) j++;
    each(rows[i] ?? 0, (rows[j - 1] ?? 0) + 1, i);
    i = j;
  }
}

/** The rows of each set that `keep` keeps, ascending. */
function keptRows(sets: readonly WindowSet[], keep: (set: WindowSet, i: number) => boolean): Int32Array[] {
  return sets.map((s) => {
    const kept = new Int32Array(s.n);
    let m = 0;
    for (let i = 0; i < s.n; i++) if (keep(s, i)) kept[m++] = i;
    return kept.subarray(0, m);
  });
}

/** Blocks of these sizes laid end to end: where each starts, and how many rows they make in all. */
function layout(sizes: readonly number[]): { starts: number[]; total: number } {
  let total = 0;
  const starts = sizes.map((size) => (total += size) - size);
  return { starts, total };
}

/** Where each set's kept rows start among all kept rows, and how many are kept. */
const keptLayout = (rows: readonly Int32Array[]) => layout(rows.map((r) => r.length));

/**
 * Copies the kept rows of every set, `width` values a row, from `from(set)` into a new array made by `make`: a run
 * of consecutive kept rows at a time (most sets keep nearly all of theirs), not one copy per row.
 */
function gather<A extends Float32Array | Float64Array | Int32Array>(sets: readonly WindowSet[], rows: readonly Int32Array[], make: (len: number) => A, width: number, from: (s: WindowSet, k: number) => A): A {
  const { starts, total } = keptLayout(rows);
  const out = make(total * width);
  sets.forEach((s, k) => {
    const src = from(s, k);
    const base = starts[k] ?? 0;
    forRuns(rows[k] ?? new Int32Array(0), (lo, hi, at) => {
      const [begin, end, o] = [lo * width, hi * width, (base + at) * width];
      // A short run (a thinned set keeps one row in several): element by element, no view to allocate.
      if (end - begin > 64) out.set(src.subarray(begin, end), o);
      else for (let i = begin; i < end; i++) out[o + i - begin] = src[i] ?? 0;
    });
  });
  return out;
}

/** The kept rows' issue times, labels and site index (everything of the joined set but its inputs). */
function joinLabels(sets: readonly WindowSet[], rows: readonly Int32Array[]): Pick<WindowSet, 'issueTimes' | 'targets'> & { site: Int32Array } {
  const first = sets[0];
  if (!first) throw new Error('no window sets to join');
  const { starts, total: n } = keptLayout(rows);
  const issueTimes = gather(sets, rows, (l) => new Float64Array(l), 1, (s) => s.issueTimes);
  const site = new Int32Array(n);
  sets.forEach((_, k) => site.fill(k, starts[k] ?? 0, (starts[k] ?? 0) + (rows[k]?.length ?? 0)));
  const targets: Record<string, TaskTargets> = {};
  for (const [task, t0] of Object.entries(first.targets)) {
    if (t0.kind === 'regression') {
      const h = t0.horizons;
      const of = <A extends Float32Array | Float64Array>(make: (len: number) => A, get: (t: RegressionTargets) => A) =>
        gather(sets, rows, make, h, (s, k) => {
          const t = s.targets[task];
          if (t?.kind !== 'regression') throw new Error(`window set ${k} lacks ${task}'s regression targets`);
          return get(t);
        });
      targets[task] = {
        kind: 'regression',
        horizons: h,
        y: of((l) => new Float32Array(l), (t) => t.y),
        mask: of((l) => new Float32Array(l), (t) => t.mask),
        raw: of((l) => new Float64Array(l), (t) => t.raw),
        persistence: of((l) => new Float64Array(l), (t) => t.persistence),
        seasonal: of((l) => new Float64Array(l), (t) => t.seasonal),
        spread: of((l) => new Float64Array(l), (t) => t.spread),
      };
    } else {
      const classification = (s: WindowSet, k: number) => {
        const t = s.targets[task];
        if (t?.kind !== 'classification') throw new Error(`window set ${k} lacks ${task}'s class labels`);
        return t;
      };
      const y = gather(sets, rows, (l) => new Int32Array(l), 1, (s, k) => classification(s, k).y);
      const mask = gather(sets, rows, (l) => new Float32Array(l), 1, (s, k) => classification(s, k).mask);
      targets[task] = { kind: 'classification', classes: t0.classes, y, mask };
    }
  }
  return { issueTimes, targets, site };
}

/** Concatenates window sets of one input (e.g. several stations), keeping only rows `keep(set, i)`. */
export function concatSets(sets: readonly WindowSet[], keep: (set: WindowSet, i: number) => boolean = () => true): WindowSet & { site: Int32Array } {
  const first = sets[0];
  if (!first) throw new Error('no window sets to join');
  const rows = keptRows(sets, keep);
  const n = keptLayout(rows).total;
  // One set kept whole (a single site, windows built labelled only): its arrays as they are, not a copy of
  // tens of MB (all of a year's windows of the gas turbine).
  if (sets.length === 1 && n === first.n) return { ...first, site: new Int32Array(n) };
  const x = gather(sets, rows, (l) => new Float32Array(l), first.lookback * first.features, (s) => s.x);
  return { input: first.input, n, lookback: first.lookback, features: first.features, x, ...joinLabels(sets, rows) };
}

/** True when window i of `set` carries at least one label of its task. */
export function labelled(set: WindowSet, i: number): boolean {
  for (const t of Object.values(set.targets)) {
    const w = t.kind === 'regression' ? t.horizons : 1;
    for (let k = 0; k < w; k++) if ((t.mask[i * w + k] ?? 0) > 0) return true;
  }
  return false;
}

/**
 * Windows of some sites of a task built with a saved spec and scalers (options per site, or one for all), labelled
 * only. Every site's windows are written once, into one array (planWindows), and the unlabelled ones closed up in
 * place: air quality's eleven stations are 1.2 GB of windows in the full budget's refit, held once, not twice.
 */
export function windowsFor(frames: TaskFrames, sites: readonly string[], spec: FeatureSpec, scalers: FeatureScalers, options: WindowOptions | ((site: string) => WindowOptions) = {}): SiteWindows {
  const plans = sites.map((s) => {
    const frame = frames.frames[s];
    if (!frame) throw new Error(`no site ${s} in ${frames.task}`);
    return planWindows(frame, spec, scalers, typeof options === 'function' ? options(s) : options);
  });
  const first = plans[0];
  if (!first) throw new Error(`${frames.task}: no sites to build windows from`);
  const per = first.lookback * first.features;
  const { starts, total } = layout(plans.map((p) => p.n));
  const all = new Float32Array(total * per);
  const sets: WindowSet[] = plans.map(({ write, ...planned }, k) => {
    const start = starts[k] ?? 0;
    write(all, start);
    return { ...planned, x: all.subarray(start * per, (start + planned.n) * per) };
  });
  const rows = keptRows(sets, labelled);
  const { starts: kept, total: n } = keptLayout(rows);
  // Kept rows move down to their place among the kept ones, a run at a time: never onto rows still to move.
  sets.forEach((_, k) =>
    forRuns(rows[k] ?? new Int32Array(0), (lo, hi, at) => {
      const [from, to] = [(starts[k] ?? 0) + lo, (kept[k] ?? 0) + at];
      if (from !== to) all.copyWithin(to * per, from * per, (from + hi - lo) * per);
    }),
  );
  return { input: first.input, n, lookback: first.lookback, features: first.features, x: all.subarray(0, n * per), ...joinLabels(sets, rows), sites: [...sites] };
}

/** Keeps about `max` evenly spaced rows of a window set (deterministic subsample). */
export function thin<T extends WindowSet & { site: Int32Array }>(set: T, max: number): T {
  if (set.n <= max) return set;
  const keep = new Uint8Array(set.n);
  for (let k = 0; k < max; k++) keep[Math.floor((k * set.n) / max)] = 1;
  const joined = concatSets([set], (_, i) => keep[i] === 1);
  const site = Int32Array.from({ length: set.n }, (_, i) => i).filter((i) => keep[i] === 1).map((i) => set.site[i] ?? 0);
  return { ...set, ...joined, site };
}


/** The frame with an all-gap channel for each of `channels` it lacks (a saved spec reads a source this data does not carry). */
export function withChannels<F extends SeriesFrame>(frame: F, channels: readonly string[]): F {
  const missing = channels.filter((c) => !frame.channels.includes(c));
  if (missing.length === 0) return frame;
  return { ...frame, channels: [...frame.channels, ...missing], values: [...frame.values, ...missing.map(() => new Float64Array(frame.length).fill(NaN))] };
}
