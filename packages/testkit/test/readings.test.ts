import { describe, expect, it } from 'vitest';
import { diffReadings, readingsOfMessage, type ReadingRow } from '../src/readings.js';

const row = (site: string, metric: string, time: number, value: number, domain = 'city'): ReadingRow => ({ domain, site, metric, time, value });

describe('diffReadings', () => {
  const sent = [row('s1', 'm0', 0, 1.25), row('s1', 'm1', 0, 2.25), row('s2', 'm0', 60_000, 3.5)];

  it('is clean when every sent reading is stored with its value, re-deliveries counted once', () => {
    expect(diffReadings([...sent].reverse(), [...sent, sent[0] as ReadingRow])).toEqual({ stored: 3, sent: 3, missing: [], unexpected: [] });
  });

  it('names a value stored under the wrong metric even when counts and sum agree', () => {
    const swapped = [row('s1', 'm0', 0, 2.25), row('s1', 'm1', 0, 1.25), row('s2', 'm0', 60_000, 3.5)];
    expect(diffReadings(swapped, sent)).toEqual({
      stored: 3,
      sent: 3,
      missing: ['city/s1/m0@1970-01-01T00:00:00.000Z=1.25', 'city/s1/m1@1970-01-01T00:00:00.000Z=2.25'],
      unexpected: ['city/s1/m0@1970-01-01T00:00:00.000Z=2.25', 'city/s1/m1@1970-01-01T00:00:00.000Z=1.25'],
    });
  });

  it('refuses a test that sent one series and time twice with different values', () => {
    expect(() => diffReadings([], [row('s1', 'm0', 0, 1), row('s1', 'm0', 0, 2)])).toThrow('sent twice with different values');
  });
});

describe('readingsOfMessage', () => {
  it('reads one frame or an array, ts in ms or ISO 8601, the topic\'s domain unless the frame has one', () => {
    expect(readingsOfMessage(JSON.stringify({ site: 'a', ts: '1970-01-01T00:01:00Z', values: { v: 1 } }), 'city')).toEqual([row('a', 'v', 60_000, 1)]);
    expect(readingsOfMessage(JSON.stringify([{ site: 'b', ts: 5, domain: 'factory', values: { x: 2, y: 3 } }]))).toEqual([row('b', 'x', 5, 2, 'factory'), row('b', 'y', 5, 3, 'factory')]);
    expect(() => readingsOfMessage(JSON.stringify({ site: 'a', ts: 0, values: { v: 1 } }))).toThrow('has no domain');
  });
});
