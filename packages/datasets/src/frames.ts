import { type ReadingFrame } from '@headstream/core';
import { TASKS } from '@headstream/tasks';
import type { DataRecord } from './records.js';

/** Prefix of ground-truth metrics, so labels travel through ingest as ordinary readings. */
export const GROUND_TRUTH_PREFIX = 'gt_';

/** Labels whose string values are fault classes, encoded as their index in TASKS.fault.classes. */
const FAULT_CLASS_LABELS = new Set(['fault', 'fault_type']);

function faultClassIndex(value: string): number | undefined {
  const fault = TASKS.fault;
  if (fault.kind !== 'classification') return undefined;
  const i = fault.classes.indexOf(value);
  return i < 0 ? undefined : i;
}

/**
 * A label as a number: numbers pass through; a fault class name becomes its index in
 * TASKS.fault.classes (normal = 0); other text labels (holiday names, weather) have no
 * numeric form and give undefined.
 */
export function labelAsNumber(name: string, value: number | string): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  return FAULT_CLASS_LABELS.has(name) ? faultClassIndex(value) : undefined;
}

export interface FrameOptions {
  /** Add numeric labels as gt_<label> metrics (default false). */
  groundTruth?: boolean;
  /** Put the domain in the frame (Kafka needs it; MQTT accepts it when it matches the topic). Default true. */
  domainField?: boolean;
}

/** One core reading frame; ts is epoch ms. */
export function recordToFrame(record: DataRecord, options: FrameOptions = {}): ReadingFrame {
  const values: Record<string, number> = { ...record.values };
  if (options.groundTruth === true && record.labels !== undefined) {
    for (const [name, value] of Object.entries(record.labels)) {
      const n = labelAsNumber(name, value);
      if (n !== undefined) values[`${GROUND_TRUTH_PREFIX}${name}`] = n;
    }
  }
  const frame: ReadingFrame = { site: record.site, ts: record.time, values };
  if (options.domainField ?? true) frame.domain = record.domain;
  return frame;
}

/** A message's worth of frames of one domain and site (the MQTT topic and Kafka key). */
export interface ReadingBatch {
  domain: string;
  site: string;
  frames: ReadingFrame[];
}

/** Collects frames per (domain, site); hands back a batch when it is full, the rest on flush. */
export interface FrameBatcher {
  add(record: DataRecord): ReadingBatch | undefined;
  /** Every pending batch, oldest site first; empties the batcher. */
  flush(): ReadingBatch[];
}

export function createFrameBatcher(options: FrameOptions & { maxFrames: number }): FrameBatcher {
  if (!Number.isInteger(options.maxFrames) || options.maxFrames < 1) throw new Error(`maxFrames must be an integer ≥ 1, got ${options.maxFrames}`);
  const pending = new Map<string, ReadingBatch>();
  return {
    add(record) {
      const key = `${record.domain}/${record.site}`;
      let batch = pending.get(key);
      if (batch === undefined) {
        batch = { domain: record.domain, site: record.site, frames: [] };
        pending.set(key, batch);
      }
      batch.frames.push(recordToFrame(record, options));
      if (batch.frames.length < options.maxFrames) return undefined;
      pending.delete(key);
      return batch;
    },
    flush() {
      const batches = [...pending.values()];
      pending.clear();
      return batches;
    },
  };
}

/**
 * Groups records into per-(domain, site) batches of at most `maxFrames` frames, keeping
 * each site's time order. A batch is emitted when full; the rest at the end.
 */
export async function* framesInBatches(
  records: AsyncIterable<DataRecord> | Iterable<DataRecord>,
  options: FrameOptions & { maxFrames: number },
): AsyncGenerator<ReadingBatch> {
  const batcher = createFrameBatcher(options);
  for await (const record of records) {
    const full = batcher.add(record);
    if (full !== undefined) yield full;
  }
  yield* batcher.flush();
}
