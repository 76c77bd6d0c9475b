import { derivedContext, deviationBaseline, type SiteFrame } from './derive.js';
import { alignTime, resample, type TimedValue } from './resample.js';
import { contextSteps, frameChannels, spreadSteps, type FeatureScalers, type FeatureSpec } from './spec.js';
import { servingWindow, type ServingWindow } from './windows.js';

export interface SiteBufferOptions {
  /** Start of the site's history (its first reading); default: the first reading this buffer sees. */
  origin?: number;
  /** Deviation channel → baseline, when the buffer starts after the site's first buckets (restored from the database). */
  baselines?: Record<string, number>;
}

/**
 * One site's recent readings for one feature spec, fed a reading at a time (any order, duplicates
 * allowed): the serving side of "training = serving". A window it builds equals, bit for bit, the
 * window training builds from the same readings in the database — the database keeps the first value
 * of a (metric, time) and buckets are means in time order, and so does this buffer; it keeps the
 * lookback plus the spec's context (`contextSteps`), and the site's first buckets when a deviation
 * channel needs their baseline.
 */
export class SiteWindowBuffer {
  private readonly points = new Map<string, Map<number, number>>();
  private readonly channels: string[];
  private readonly span: number;
  /** Steps a window reads when the last target value lies within them (see `window`). */
  private readonly shortSteps: number;
  /** The coarsest target interval: a frame must start on its grid for coarsened targets to match training's. */
  private readonly targetGrid: number;
  private readonly headSteps: number;
  private origin: number | undefined;
  private readonly baselines: Record<string, number> | undefined;
  private latest = -Infinity;

  constructor(
    readonly spec: FeatureSpec,
    options: SiteBufferOptions = {},
  ) {
    this.channels = frameChannels(spec);
    for (const c of this.channels) this.points.set(c, new Map());
    this.span = (spec.lookback + contextSteps(spec)) * spec.intervalMs;
    // An unlimited fill may reach back any distance: such a spec always reads the whole span.
    this.shortSteps = spec.fillLimit === null ? spec.lookback + contextSteps(spec) : Math.max(spec.lookback + spec.fillLimit + Math.max(0, ...spec.derived.map((d) => derivedContext(d))), spreadSteps(spec));
    this.targetGrid = Math.max(spec.intervalMs, ...spec.targets.map((t) => (t.kind === 'regression' ? t.intervalMs : spec.intervalMs)));
    this.headSteps = Math.max(0, ...spec.derived.map((d) => (d.kind === 'deviation' ? d.baselineSteps : 0)));
    this.origin = options.origin === undefined ? undefined : alignTime(options.origin, spec.intervalMs);
    this.baselines = options.baselines;
  }

  /** Start of the site's history as this buffer knows it (its first bucket); undefined before any reading. */
  get first(): number | undefined {
    return this.origin;
  }

  /** Whether a window issued at `issueTime` lies wholly after the site's first bucket (training builds no earlier one). */
  covers(issueTime: number): boolean {
    return this.origin !== undefined && issueTime - this.spec.lookback * this.spec.intervalMs >= this.origin;
  }

  /** Newest reading time seen. */
  get newest(): number {
    return this.latest;
  }

  /** Adds a reading's values (metric → value; metrics the spec does not read are ignored). False when nothing was new. */
  add(time: number, values: Readonly<Record<string, number>>): boolean {
    let added = false;
    for (const [metric, value] of Object.entries(values)) {
      const series = this.points.get(metric);
      if (!series || !Number.isFinite(value) || series.has(time)) continue;
      series.set(time, value);
      added = true;
    }
    if (added) {
      const bucket = alignTime(time, this.spec.intervalMs);
      if (this.origin === undefined || (bucket < this.origin && this.baselines === undefined)) this.origin = bucket;
      this.latest = Math.max(this.latest, time);
    }
    return added;
  }

  /**
   * The window for `issueTime` (a bucket boundary): the same derivation, scaling and writer as training.
   * The inputs need only the lookback plus the fill limit and the derived channels' context; the span
   * kept for the persistence search (up to a season back) is read only when the last target value is
   * not in that shorter frame — rare, and it halves the cost of a window at serving rates.
   */
  window(issueTime: number, scalers: FeatureScalers): ServingWindow {
    if (this.origin === undefined) throw new Error('the buffer holds no reading');
    const short = this.windowFrom(issueTime, this.shortSteps * this.spec.intervalMs, scalers);
    if (Object.values(short.baselines).every((b) => Number.isFinite(b.persistence))) return short;
    return this.windowFrom(issueTime, this.span, scalers);
  }

  private windowFrom(issueTime: number, span: number, scalers: FeatureScalers): ServingWindow {
    const origin = this.origin ?? issueTime;
    const interval = this.spec.intervalMs;
    // On the coarsest target's grid, so a coarsened target bucket holds the same readings as in training.
    let start = Math.max(origin, alignTime(issueTime - span, this.targetGrid));
    // Within the site's first buckets a deviation's baseline is still forming: build from the origin.
    if (this.headSteps > 0 && start - origin < this.headSteps * interval) start = origin;
    const length = Math.round((issueTime - start) / interval);
    const frame: SiteFrame = { start, intervalMs: interval, length, channels: this.channels, values: this.channels.map((c) => this.bucketMeans(c, start, length)), origin };
    if (start > origin && this.headSteps > 0) frame.baselines = this.baselines ?? this.headBaselines();
    return servingWindow(frame, this.spec, scalers, issueTime);
  }

  /** Drops readings no window at or after `issueTime` reads (keeps the site's first buckets when deviations need them). */
  prune(issueTime: number): void {
    const keepFrom = alignTime(issueTime - this.span, this.spec.intervalMs);
    const headEnd = this.origin === undefined || this.baselines !== undefined ? -Infinity : this.origin + this.headSteps * this.spec.intervalMs;
    for (const series of this.points.values()) {
      for (const t of series.keys()) if (t < keepFrom && t >= headEnd) series.delete(t);
    }
  }

  /** Readings held (all channels). */
  get size(): number {
    let n = 0;
    for (const s of this.points.values()) n += s.size;
    return n;
  }

  private bucketMeans(channel: string, start: number, length: number): Float64Array {
    const end = start + length * this.spec.intervalMs;
    const points: TimedValue[] = [];
    let ordered = true;
    let previous = -Infinity;
    for (const [time, value] of this.points.get(channel) ?? []) {
      if (time < start || time >= end) continue;
      points.push({ time, value });
      if (time < previous) ordered = false;
      previous = time;
    }
    // Time order, as the database returns a site's history: a bucket's mean then has the same bits.
    // Readings mostly arrive in order (the map keeps arrival order), so the sort is usually skipped.
    if (!ordered) points.sort((a, b) => a.time - b.time);
    return resample(points, start, this.spec.intervalMs, length);
  }

  private headBaselines(): Record<string, number> {
    const out: Record<string, number> = {};
    const origin = this.origin ?? 0;
    for (const d of this.spec.derived) {
      if (d.kind !== 'deviation') continue;
      out[d.name] = deviationBaseline(this.bucketMeans(d.of, origin, d.baselineSteps), d.baselineSteps);
    }
    return out;
  }
}
