import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TIME_WINDOW, parseAllowList, parseReadingMessage, REJECT_REASONS, type ParseOptions, type RejectReason } from '../src/index.js';

const NOW = Date.parse('2025-06-01T12:00:00Z');
const opts: ParseOptions = { domain: 'city', now: NOW };
const frame = { site: 'a1', ts: '2025-06-01T11:59:00Z', values: { flow: 12.5, speed: 61 } };

function rejected(payload: string | Uint8Array, options: ParseOptions = opts): { reason: RejectReason; detail: string } {
  const result = parseReadingMessage(payload, options);
  if (result.ok) throw new Error(`expected a rejection, got ${JSON.stringify(result.readings)}`);
  return result;
}

describe('parseReadingMessage accepts', () => {
  it('one frame with an ISO time, domain from the topic', () => {
    const r = parseReadingMessage(JSON.stringify(frame), opts);
    expect(r).toEqual({ ok: true, readings: [{ domain: 'city', site: 'a1', time: Date.parse(frame.ts), values: { flow: 12.5, speed: 61 } }] });
  });

  it('an array of frames, epoch ms times and offsets, domain from the frame (Kafka)', () => {
    const msg = [
      { site: 'm-1', ts: NOW - 1000, values: { temp: -3.5 }, domain: 'factory' },
      { site: 'm-2', ts: '2025-06-01T13:30:00+02:00', values: { temp: 0 }, domain: 'factory' },
    ];
    const r = parseReadingMessage(Buffer.from(JSON.stringify(msg)), { now: NOW });
    expect(r.ok && r.readings.map((x) => [x.domain, x.site, x.time])).toEqual([
      ['factory', 'm-1', NOW - 1000],
      ['factory', 'm-2', Date.parse('2025-06-01T11:30:00Z')],
    ]);
  });

  it('names at the 128-character limit, fractional seconds, and a metric called __proto__', () => {
    const site = 's'.repeat(128);
    const r = parseReadingMessage(JSON.stringify({ site, ts: '2025-06-01T11:00:00.123456Z', values: { __proto__x: 1, ['__proto__']: 2 } }), opts);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.readings[0]?.site).toBe(site);
      expect(r.readings[0]?.time).toBe(Date.parse('2025-06-01T11:00:00.123Z'));
      expect(Object.keys(r.readings[0]?.values ?? {})).toEqual(['__proto__x', '__proto__']);
    }
  });
});

describe('parseReadingMessage rejects, never throws', () => {
  const cases: [string, RejectReason, string | Uint8Array, ParseOptions?][] = [
    ['payload over the size limit', 'payload_too_large', JSON.stringify(frame), { ...opts, maxPayloadBytes: 20 }],
    ['the 1 MiB default limit', 'payload_too_large', JSON.stringify({ ...frame, site: 'x'.repeat(1024 * 1024) })],
    ['empty payload', 'not_json', ''],
    ['not JSON', 'not_json', '{site: a1}'],
    ['invalid UTF-8', 'not_json', new Uint8Array([0x7b, 0xff, 0xfe, 0x7d])],
    ['a JSON number', 'bad_shape', '42'],
    ['null', 'bad_shape', 'null'],
    ['an empty array', 'bad_shape', '[]'],
    ['a frame missing values', 'bad_shape', JSON.stringify({ site: 'a', ts: NOW })],
    ['a frame missing ts', 'bad_shape', JSON.stringify({ site: 'a', values: { x: 1 } })],
    ['an unknown field', 'bad_shape', JSON.stringify({ ...frame, extra: 1 })],
    ['values not an object', 'bad_shape', JSON.stringify({ ...frame, values: [1, 2] })],
    ['empty values', 'bad_shape', JSON.stringify({ ...frame, values: {} })],
    ['site not a string', 'bad_shape', JSON.stringify({ ...frame, site: 7 })],
    ['no domain anywhere', 'bad_shape', JSON.stringify(frame), { now: NOW }],
    ['frame domain disagreeing with the topic', 'bad_shape', JSON.stringify({ ...frame, domain: 'factory' })],
    ['Infinity (1e999 parses to it)', 'bad_value', '{"site":"a","ts":1748779200000,"values":{"x":1e999}}'],
    ['-Infinity', 'bad_value', '{"site":"a","ts":1748779200000,"values":{"x":-1e999}}'],
    ['"NaN" as a string', 'bad_value', JSON.stringify({ ...frame, values: { x: 'NaN' } })],
    ['a numeric string', 'bad_value', JSON.stringify({ ...frame, values: { x: '12' } })],
    ['null value', 'bad_value', JSON.stringify({ ...frame, values: { x: null } })],
    ['boolean value', 'bad_value', JSON.stringify({ ...frame, values: { x: true } })],
    ['unparsable timestamp', 'bad_timestamp', JSON.stringify({ ...frame, ts: 'yesterday' })],
    ['ISO without a time zone', 'bad_timestamp', JSON.stringify({ ...frame, ts: '2025-06-01T11:00:00' })],
    ['impossible date', 'bad_timestamp', JSON.stringify({ ...frame, ts: '2025-02-30T11:00:00Z' })],
    ['timestamp of a wrong type', 'bad_timestamp', JSON.stringify({ ...frame, ts: { t: 1 } })],
    ['infinite epoch', 'bad_timestamp', '{"site":"a","ts":1e999,"values":{"x":1}}'],
    ['timestamp too far in the future', 'timestamp_out_of_window', JSON.stringify({ ...frame, ts: NOW + 2 * 24 * 3600e3 })],
    ['timestamp 1 h ahead (past the 5 min default)', 'timestamp_out_of_window', JSON.stringify({ ...frame, ts: NOW + 3600e3 })],
    ['timestamp before the window (epoch seconds by mistake)', 'timestamp_out_of_window', JSON.stringify({ ...frame, ts: 1748779200 })],
    ['custom window', 'timestamp_out_of_window', JSON.stringify(frame), { ...opts, window: { notBeforeMs: NOW, maxFutureMs: 0 } }],
    ['site with a slash', 'bad_name', JSON.stringify({ ...frame, site: 'a/b' })],
    ['site with a space', 'bad_name', JSON.stringify({ ...frame, site: 'a b' })],
    ['empty site', 'bad_name', JSON.stringify({ ...frame, site: '' })],
    ['site of 129 characters', 'bad_name', JSON.stringify({ ...frame, site: 's'.repeat(129) })],
    ['metric with a wildcard', 'bad_name', JSON.stringify({ ...frame, values: { 'pm2.5#': 1 } })],
    ['metric with SQL', 'bad_name', JSON.stringify({ ...frame, values: { "x'); drop table readings;--": 1 } })],
    ['non-ASCII metric', 'bad_name', JSON.stringify({ ...frame, values: { 'température': 1 } })],
    ['a bad topic domain', 'bad_name', JSON.stringify(frame), { ...opts, domain: 'ci ty' }],
    ['a bad frame domain', 'bad_name', JSON.stringify({ ...frame, domain: '+' }), { now: NOW }],
    ['too many frames', 'too_many_frames', JSON.stringify([frame, frame, frame]), { ...opts, maxFrames: 2 }],
    ['a frame of another site than the topic names', 'site_mismatch', JSON.stringify(frame), { ...opts, site: 'b2' }],
    ['one frame of another site among matching ones', 'site_mismatch', JSON.stringify([frame, { ...frame, site: 'b2' }, frame]), { ...opts, site: 'a1' }],
    ['a site off the allow-list', 'site_not_allowed', JSON.stringify(frame), { ...opts, allowedSites: parseAllowList('b*,c1') }],
    ['a domain off the allow-list', 'domain_not_allowed', JSON.stringify(frame), { ...opts, allowedDomains: parseAllowList('factory') }],
    ['a frame domain off the allow-list (Kafka)', 'domain_not_allowed', JSON.stringify({ ...frame, domain: 'lab' }), { now: NOW, allowedDomains: parseAllowList('/^(city|factory)$/') }],
  ];

  it.each(cases)('%s → %s', (_label, reason, payload, options) => {
    const r = rejected(payload, options ?? opts);
    expect(r.reason).toBe(reason);
    expect(r.detail.length).toBeGreaterThan(5);
    expect(r.detail.length).toBeLessThan(300);
  });

  it('covers every reject reason', () => {
    expect(new Set(cases.map((c) => c[1]))).toEqual(new Set(REJECT_REASONS));
  });

  it('a frame of another site rejects the whole message, naming both sites', () => {
    const r = rejected(JSON.stringify([frame, { ...frame, site: 'b2' }]), { ...opts, site: 'a1' });
    expect(r).toMatchObject({ reason: 'site_mismatch', detail: 'frames[1]: site "b2" is not "a1", the site its topic or key names' });
    expect(parseReadingMessage(JSON.stringify([frame, frame]), { ...opts, site: 'a1' }).ok).toBe(true);
  });

  it('the default future window is 5 minutes', () => {
    expect(DEFAULT_TIME_WINDOW.maxFutureMs).toBe(300_000);
    expect(parseReadingMessage(JSON.stringify({ ...frame, ts: NOW + 299_000 }), opts).ok).toBe(true);
    expect(rejected(JSON.stringify({ ...frame, ts: NOW + 301_000 })).reason).toBe('timestamp_out_of_window');
  });

  it('names the offending frame and field', () => {
    const r = rejected(JSON.stringify([frame, { ...frame, values: { ok: 1, bad: 'x' } }]));
    expect(r.detail).toBe('frames[1]: values.bad is string, expected a number');
  });

  it('survives deeply nested and huge-array junk', () => {
    expect(rejected('['.repeat(5000) + ']'.repeat(5000)).reason).toBe('bad_shape');
    expect(rejected(JSON.stringify(Array.from({ length: 20_000 }, () => 1))).reason).toBe('too_many_frames');
  });
});

describe('parseAllowList', () => {
  it('names and globs, comma-separated, match whole names', () => {
    const re = parseAllowList('s-1, plant-*,x?');
    expect(['s-1', 'plant-7', 'plant-', 'x1'].every((n) => re.test(n))).toBe(true);
    expect(['s-10', 'as-1', 'xy1', 'plant7'].some((n) => re.test(n))).toBe(false);
  });

  it('one /regex/, as written', () => {
    const re = parseAllowList('/^(north|south)-\\d{1,3}$/');
    expect(re.test('north-12')).toBe(true);
    expect(re.test('east-12')).toBe(false);
  });

  it('@file: one entry per line, comments and blank lines ignored', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hs-allow-'));
    const file = join(dir, 'sites.txt');
    writeFileSync(file, '# sites of the north plant\nn-1\n\n/^line-[ab]$/\nm*\n');
    const re = parseAllowList(`@${file}`);
    expect(['n-1', 'line-a', 'm42'].every((n) => re.test(n))).toBe(true);
    expect(['n-2', 'line-c'].some((n) => re.test(n))).toBe(false);
  });

  it('refuses a bad regex, a bad glob and an unreadable file, saying which', () => {
    expect(() => parseAllowList('/(/')).toThrow(/not a valid regular expression/);
    expect(() => parseAllowList('a b')).toThrow(/neither a name/);
    expect(() => parseAllowList('@/nonexistent/hs-sites.txt')).toThrow(/cannot read \/nonexistent\/hs-sites.txt: ENOENT/);
  });
});
