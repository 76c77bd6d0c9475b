import type { Reading } from '@headstream/core';
import { recordToFrame, type FrameOptions } from './frames.js';
import type { DataRecord } from './records.js';

/**
 * An order-independent checksum of readings, to prove that what a replay sent is what the
 * database holds. Each (domain, site, metric, time, value) gets a 64-bit hash — two
 * MurmurHash3-style 32-bit lanes over the strings' UTF-16 code units (each preceded by its
 * length), the time and the value as their exact float64 bits — and the checksum is the
 * sum of the hashes mod 2^64 with the count. Sums ignore order and batching, and any
 * changed, lost or duplicated value changes the result. -0 is hashed as 0 because JSON
 * cannot carry the sign of zero.
 */
const SEED_HI = 0x9747b28c;
const SEED_LO = 0x5bd1e995;
const TWO_32 = 0x1_0000_0000;

function mix(h: number, k: number): number {
  k = Math.imul(k, 0xcc9e2d51);
  k = (k << 15) | (k >>> 17);
  k = Math.imul(k, 0x1b873593);
  h ^= k;
  h = (h << 13) | (h >>> 19);
  return (Math.imul(h, 5) + 0xe6546b64) | 0;
}

function finish(h: number, length: number): number {
  h ^= length;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function mixString(h: number, s: string): number {
  h = mix(h, s.length);
  for (let i = 0; i < s.length; i++) h = mix(h, s.charCodeAt(i));
  return h;
}

const bits = new DataView(new ArrayBuffer(8));

export interface ChecksumResult {
  /** Number of (metric, value) readings. */
  count: number;
  /** 16 hex digits. */
  checksum: string;
}

export class ReadingChecksum {
  private count = 0;
  private hi = 0;
  private lo = 0;
  // The string part of the hash state, per series: most readings repeat their series.
  private readonly prefixes = new Map<string, [number, number, number]>();

  /** Adds one value of one series at one time (epoch ms). */
  addValue(domain: string, site: string, metric: string, time: number, value: number): void {
    const key = `${domain}\u0000${site}\u0000${metric}`;
    let prefix = this.prefixes.get(key);
    if (prefix === undefined) {
      let a = SEED_HI, b = SEED_LO;
      for (const s of [domain, site, metric]) {
        a = mixString(a, s);
        b = mixString(b, s);
      }
      prefix = [a, b, domain.length + site.length + metric.length + 3];
      if (this.prefixes.size > 100_000) this.prefixes.clear();
      this.prefixes.set(key, prefix);
    }
    let [a, b] = prefix;
    bits.setFloat64(0, time);
    const t1 = bits.getUint32(0), t2 = bits.getUint32(4);
    bits.setFloat64(0, value === 0 ? 0 : value);
    const v1 = bits.getUint32(0), v2 = bits.getUint32(4);
    for (const w of [t1, t2, v1, v2]) {
      a = mix(a, w);
      b = mix(b, w);
    }
    const words = prefix[2] + 4;
    this.lo += finish(b, words);
    this.hi += finish(a, words) + Math.floor(this.lo / TWO_32);
    this.lo %= TWO_32;
    this.hi %= TWO_32;
    this.count++;
  }

  /** Adds every value of a reading as ingest sees it (core Reading). */
  addReading(reading: Reading): void {
    for (const [metric, value] of Object.entries(reading.values)) this.addValue(reading.domain, reading.site, metric, reading.time, value);
  }

  /** Adds a record as the frame replay sends for it (same options as the replay). */
  addRecord(record: DataRecord, options: FrameOptions = {}): void {
    const frame = recordToFrame(record, options);
    this.addReading({ domain: record.domain, site: record.site, time: record.time, values: frame.values });
  }

  /** Combines another checksum into this one (e.g. per-partition sums). */
  merge(other: ReadingChecksum): void {
    this.lo += other.lo;
    this.hi += other.hi + Math.floor(this.lo / TWO_32);
    this.lo %= TWO_32;
    this.hi %= TWO_32;
    this.count += other.count;
  }

  result(): ChecksumResult {
    return { count: this.count, checksum: this.hi.toString(16).padStart(8, '0') + this.lo.toString(16).padStart(8, '0') };
  }
}

/** Checksum of a stream of records, as replay would send them with `options`. */
export async function checksumRecords(records: AsyncIterable<DataRecord> | Iterable<DataRecord>, options: FrameOptions = {}): Promise<ChecksumResult> {
  const sum = new ReadingChecksum();
  for await (const record of records) sum.addRecord(record, options);
  return sum.result();
}

/** Checksum of core readings (e.g. rows read back from the database). */
export function checksumReadings(readings: Iterable<Reading>): ChecksumResult {
  const sum = new ReadingChecksum();
  for (const r of readings) sum.addReading(r);
  return sum.result();
}
