import { parseReadingMessage, type Reading } from '@headstream/core';
import { describe, expect, test } from 'vitest';
import { checksumReadings, checksumRecords, getLoader, ReadingChecksum, replay, type DataRecord } from '../src/index.js';

const records: DataRecord[] = [
  { domain: 'city', site: 'a', time: 1_000, values: { flow: 12, speed: 61.5 } },
  { domain: 'city', site: 'b', time: 1_000, values: { flow: 0.1 + 0.2 } },
  { domain: 'factory', site: 'm1', time: 2_000, values: { current: -0 }, labels: { anomaly: 1, fault: 'valve1', note: 'x' } },
];

describe('checksum', () => {
  test('pinned value: changing the hash breaks comparisons across versions', async () => {
    expect(await checksumRecords(records)).toEqual({ count: 4, checksum: expect.stringMatching(/^[0-9a-f]{16}$/) as string });
    expect(await checksumRecords(records)).toEqual(await checksumRecords(records));
    // Computed by an independent Python implementation of the algorithm in checksum.ts.
    expect((await checksumRecords(records)).checksum).toBe('b3c0b638906138cd');
  });

  test('order- and batching-independent; sensitive to one ulp, time, site, metric, duplicates', async () => {
    const base = await checksumRecords(records);
    expect(await checksumRecords([...records].reverse())).toEqual(base);
    const split = records.flatMap((r) => Object.entries(r.values).map(([m, v]) => ({ ...r, values: { [m]: v } })));
    expect(await checksumRecords(split)).toEqual(base);
    const variants: DataRecord[][] = [
      [{ ...records[0]!, values: { flow: 12, speed: 61.50000000000001 } }, records[1]!, records[2]!],
      [{ ...records[0]!, time: 1_001 }, records[1]!, records[2]!],
      [{ ...records[0]!, site: 'c' }, records[1]!, records[2]!],
      [{ ...records[0]!, values: { flow: 12, speeds: 61.5 } }, records[1]!, records[2]!],
      [{ ...records[0]!, domain: 'factory' }, records[1]!, records[2]!],
    ];
    for (const v of variants) expect((await checksumRecords(v)).checksum).not.toBe(base.checksum);
    const doubled = await checksumRecords([...records, records[1]!]);
    expect(doubled.count).toBe(5);
    expect(doubled.checksum).not.toBe(base.checksum);
    // -0 and 0 are one value once JSON has carried them.
    expect(await checksumRecords([{ ...records[2]!, values: { current: 0 } }])).toEqual(await checksumRecords([records[2]!]));
  });

  test('ground truth counts when sent; merge of partial sums equals the whole', async () => {
    const withGt = await checksumRecords(records, { groundTruth: true });
    expect(withGt.count).toBe(6); // + gt_anomaly, gt_fault (a text note has no numeric form)
    const left = new ReadingChecksum(), right = new ReadingChecksum(), whole = new ReadingChecksum();
    records.forEach((r, i) => {
      (i % 2 === 0 ? left : right).addRecord(r, { groundTruth: true });
      whole.addRecord(r, { groundTruth: true });
    });
    left.merge(right);
    expect(left.result()).toEqual(whole.result());
  });

  test('real data replayed as JSON messages and parsed as ingest parses them keeps the checksum', async () => {
    const loader = getLoader('skab');
    const sources = (await loader.sources()).filter((s) => /valve2\//.test(s.id));
    const sent: DataRecord[] = [];
    const received: Reading[] = [];
    const tee = (s: (typeof sources)[number]) => ({
      async *[Symbol.asyncIterator]() {
        for await (const r of s.records()) {
          sent.push(r);
          yield r;
        }
      },
    });
    const summary = await replay(sources.map(tee), {
      maxFrames: 250,
      groundTruth: true,
      publish: (batch) => {
        const parsed = parseReadingMessage(JSON.stringify(batch.frames), { domain: batch.domain, now: Date.UTC(2030, 0, 1) });
        if (!parsed.ok) throw new Error(`${parsed.reason}: ${parsed.detail}`);
        received.push(...parsed.readings);
        return Promise.resolve();
      },
    });
    expect(summary.records).toBe(4312);
    const source = await checksumRecords(sent, { groundTruth: true });
    expect(source.count).toBe(4312 * (8 + 4));
    expect(checksumReadings(received)).toEqual(source);
  });
});
