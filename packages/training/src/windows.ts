import type { FeatureScalers, FeatureSpec, RegressionTargets, SeriesFrame, TaskTargets, WindowSet, WindowOptions } from '@headstream/features';
import { buildWindows } from '@headstream/features';
import type { TaskFrames } from './dataset-frames.js';

/** Windows of several sites of one input, with the site index of each row. */
export type SiteWindows = WindowSet & { site: Int32Array; sites: string[] };

/** Concatenates window sets of one input (e.g. several stations), keeping only rows `keep(set, i)`. */
export function concatSets(sets: readonly WindowSet[], keep: (set: WindowSet, i: number) => boolean = () => true): WindowSet & { site: Int32Array } {
  const first = sets[0];
  if (!first) throw new Error('no window sets to join');
  const rows = sets.map((s) => Array.from({ length: s.n }, (_, i) => i).filter((i) => keep(s, i)));
  const n = rows.reduce((a, r) => a + r.length, 0);
  // One set kept whole (a single site, windows built labelled only): its arrays as they are, not a copy of
  // tens of MB (all of a year's windows of the gas turbine).
  if (sets.length === 1 && n === first.n) return { ...first, site: new Int32Array(n) };
  const per = first.lookback * first.features;
  const x = new Float32Array(n * per);
  const issueTimes = new Float64Array(n);
  const site = new Int32Array(n);
  const targets: Record<string, TaskTargets> = {};
  let o = 0;
  sets.forEach((s, k) => {
    for (const i of rows[k] ?? []) {
      x.set(s.x.subarray(i * per, (i + 1) * per), o * per);
      issueTimes[o] = s.issueTimes[i] ?? NaN;
      site[o] = k;
      o++;
    }
  });
  for (const [task, t0] of Object.entries(first.targets)) {
    if (t0.kind === 'regression') {
      const h = t0.horizons;
      const pick = <A extends Float32Array | Float64Array>(make: (len: number) => A, get: (t: RegressionTargets) => A) => {
        const out = make(n * h);
        let r = 0;
        sets.forEach((s, k) => {
          const t = s.targets[task] as RegressionTargets;
          for (const i of rows[k] ?? []) out.set(get(t).subarray(i * h, (i + 1) * h), (r++) * h);
        });
        return out;
      };
      targets[task] = {
        kind: 'regression',
        horizons: h,
        y: pick((l) => new Float32Array(l), (t) => t.y),
        mask: pick((l) => new Float32Array(l), (t) => t.mask),
        raw: pick((l) => new Float64Array(l), (t) => t.raw),
        persistence: pick((l) => new Float64Array(l), (t) => t.persistence),
        seasonal: pick((l) => new Float64Array(l), (t) => t.seasonal),
        spread: pick((l) => new Float64Array(l), (t) => t.spread),
      };
    } else {
      const y = new Int32Array(n);
      const mask = new Float32Array(n);
      let r = 0;
      sets.forEach((s, k) => {
        const t = s.targets[task];
        if (t?.kind !== 'classification') return;
        for (const i of rows[k] ?? []) {
          y[r] = t.y[i] ?? -1;
          mask[r] = t.mask[i] ?? 0;
          r++;
        }
      });
      targets[task] = { kind: 'classification', classes: t0.classes, y, mask };
    }
  }
  return { input: first.input, n, lookback: first.lookback, features: first.features, x, issueTimes, targets, site };
}

/** True when window i of `set` carries at least one label of its task. */
export function labelled(set: WindowSet, i: number): boolean {
  for (const t of Object.values(set.targets)) {
    const w = t.kind === 'regression' ? t.horizons : 1;
    for (let k = 0; k < w; k++) if ((t.mask[i * w + k] ?? 0) > 0) return true;
  }
  return false;
}

/** Windows of some sites of a task built with a saved spec and scalers (options per site, or one for all), labelled only. */
export function windowsFor(frames: TaskFrames, sites: readonly string[], spec: FeatureSpec, scalers: FeatureScalers, options: WindowOptions | ((site: string) => WindowOptions) = {}): SiteWindows {
  const sets = sites.map((s) => {
    const frame = frames.frames[s];
    if (!frame) throw new Error(`no site ${s} in ${frames.task}`);
    return buildWindows(frame, spec, scalers, typeof options === 'function' ? options(s) : options);
  });
  if (sets.length === 0) throw new Error(`${frames.task}: no sites to build windows from`);
  return { ...concatSets(sets, labelled), sites: [...sites] };
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
