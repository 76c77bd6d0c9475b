import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '@headstream/core';
import { JsonTopicDecoder, loadJsonSourcesConfig, matchTopic, parseJsonSourcesConfig, resolvePointer, sourceKindsOf, sourcesConfigSpec, type InboundMessage } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'hs-json-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function problem(doc: unknown): string {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, typeof doc === 'string' ? doc : JSON.stringify(doc));
  try {
    loadJsonSourcesConfig(file);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message.replace(file, '<file>');
  }
  throw new Error('expected a config error');
}

const NOW = Date.parse('2026-01-01T00:00:00Z');
const message = (topic: string, payload: unknown): InboundMessage => ({
  source: 'json',
  topic,
  payload: Buffer.from(typeof payload === 'string' ? payload : JSON.stringify(payload)),
  receivedAt: NOW,
});

const decoder = new JsonTopicDecoder(
  parseJsonSourcesConfig({
    topics: [
      { topic: 'plant/{site}/{metric}', domain: 'factory', payload: { value: '/v', time: '/ts', site: '/device/site' } },
      { topic: 'bare/{site}/{metric}', domain: 'factory' },
      { topic: 'vendor/+/{domain}/#', payload: { value: '/reading/0', site: '/id', metric: '/kind', time: '/at' } },
      { topic: 'odd/{site}', metric: 'odd', domain: 'city', payload: { value: '/a~1b/c~0d' } },
    ],
  }),
);

describe('JSON pointers and topic templates', () => {
  it('resolves RFC 6901 pointers (escapes, arrays, the whole document)', () => {
    const doc = { 'a/b': { 'c~d': 1 }, list: [5, 6], z: null };
    expect(resolvePointer(doc, '')).toBe(doc);
    expect(resolvePointer(doc, '/a~1b/c~0d')).toBe(1);
    expect(resolvePointer(doc, '/list/1')).toBe(6);
    expect(resolvePointer(doc, '/z')).toBeNull();
    for (const p of ['/list/2', '/list/01', '/nope', '/list/x', '/z/y']) expect(typeof resolvePointer(doc, p)).toBe('symbol');
  });
  it('matches templates level by level and names the parts', () => {
    expect(matchTopic('plant/{site}/{metric}', 'plant/p-1/temp')).toEqual({ site: 'p-1', metric: 'temp' });
    expect(matchTopic('plant/{site}/{metric}', 'plant/p-1/temp/x')).toBeUndefined();
    expect(matchTopic('plant/{site}/{metric}', 'plant/p-1')).toBeUndefined();
    expect(matchTopic('plant/{site}/{metric}', 'plant//temp')).toBeUndefined();
    expect(matchTopic('vendor/+/{domain}/#', 'vendor/acme/city/a/b')).toEqual({ domain: 'city' });
    expect(decoder.filters()).toEqual(['plant/+/+', 'bare/+/+', 'vendor/+/+/#', 'odd/+']);
  });
});

describe('JsonTopicDecoder', () => {
  it('maps value, time and site by pointer; the topic names the metric', () => {
    expect(decoder.decode(message('plant/p-1/temp', { v: 21.5, ts: '2025-12-31T23:00:00Z', device: { site: 'p-1' } }), {})).toEqual({
      ok: true,
      readings: [{ domain: 'factory', site: 'p-1', time: Date.parse('2025-12-31T23:00:00Z'), values: { temp: 21.5 } }],
    });
  });
  it('takes a bare number payload, timed at receipt', () => {
    expect(decoder.decode(message('bare/p-2/rpm', '1200'), {})).toEqual({ ok: true, readings: [{ domain: 'factory', site: 'p-2', time: NOW, values: { rpm: 1200 } }] });
  });
  it('reads site, metric and epoch-ms time from the payload, the domain from a named wildcard', () => {
    expect(decoder.decode(message('vendor/acme/city/x/y', { id: 's-9', kind: 'no2', at: NOW - 1000, reading: [3.25] }), {})).toEqual({
      ok: true,
      readings: [{ domain: 'city', site: 's-9', time: NOW - 1000, values: { no2: 3.25 } }],
    });
  });
  it('refuses a payload site that is not the topic site (site_mismatch), and applies the allow-lists', () => {
    expect(decoder.decode(message('plant/p-1/temp', { v: 1, ts: NOW, device: { site: 'p-2' } }), {})).toMatchObject({ ok: false, reason: 'site_mismatch' });
    expect(decoder.decode(message('bare/p-2/rpm', '5'), { allowedSites: /^p-1$/ })).toMatchObject({ ok: false, reason: 'site_not_allowed' });
    expect(decoder.decode(message('bare/p-2/rpm', '5'), { allowedDomains: /^city$/ })).toMatchObject({ ok: false, reason: 'domain_not_allowed' });
  });
  it('dead-letters what it cannot map, with its reason', () => {
    const verdict = (topic: string, payload: unknown) => {
      const v = decoder.decode(message(topic, payload), {});
      return v.ok ? 'ok' : `${v.reason}: ${v.detail}`;
    };
    expect(verdict('other/p-1/temp', '1')).toBe('json_no_match: topic "other/p-1/temp" matches no template of HS_JSON_SOURCES_CONFIG');
    expect(verdict('bare/p-1/temp', 'warm')).toMatch(/^not_json: /);
    expect(verdict('bare/p-1/temp', '"21"')).toBe('bad_value: template bare/{site}/{metric}: value at "" is string, expected a finite number');
    expect(verdict('plant/p-1/temp', { ts: NOW, device: { site: 'p-1' } })).toBe('json_missing_field: template plant/{site}/{metric}: payload has no value at "/v"');
    expect(verdict('plant/p-1/temp', { v: 1, device: { site: 'p-1' } })).toBe('json_missing_field: template plant/{site}/{metric}: payload has no time at "/ts"');
    expect(verdict('plant/p-1/temp', { v: 1, ts: 'yesterday', device: { site: 'p-1' } })).toMatch(/^bad_timestamp: /);
    expect(verdict('plant/p-1/temp', { v: null, ts: NOW, device: { site: 'p-1' } })).toMatch(/^bad_value: .*is null/);
    expect(verdict('vendor/acme/city', { id: 's-9', kind: 7, at: NOW, reading: [1] })).toBe('bad_name: template vendor/+/{domain}/#: metric at "/kind" is number, expected a name');
    expect(verdict('bare/p 1/temp', '1')).toMatch(/^bad_name: /);
    expect(verdict('odd/s-1', { 'a/b': { 'c~d': 7 } })).toBe('ok');
    expect(verdict('odd/s-1', { 'a/b': { cd: 7 } })).toBe('json_missing_field: template odd/{site}: payload has no value at "/a~1b/c~0d"');
    expect(decoder.decode(message('bare/p-1/temp', '1'.repeat(50)), { maxPayloadBytes: 10 })).toMatchObject({ ok: false, reason: 'payload_too_large' });
  });
});

describe('HS_JSON_SOURCES_CONFIG', () => {
  it('a bad mapping is one line naming the file and the field', () => {
    expect(problem('{')).toMatch(/^config: HS_JSON_SOURCES_CONFIG: <file> is not JSON: /);
    expect(problem({ topics: [{ topic: 'a/{site}', metric: 'a~b', domain: 'f' }] })).toBe('config: HS_JSON_SOURCES_CONFIG: <file>: topics[0].metric: a name of [A-Za-z0-9_.-], 1..128 characters');
    expect(problem({ topics: [] })).toBe('config: HS_JSON_SOURCES_CONFIG: <file>: topics: Too small: expected array to have >=1 items');
    expect(problem({ topics: [{ topic: 'a/{site}/{metric}', domain: 'f', payload: { value: 'v' } }] })).toBe(
      'config: HS_JSON_SOURCES_CONFIG: <file>: topics[0].payload.value: an RFC 6901 JSON pointer ("" or /a/b, ~0 and ~1 escapes)',
    );
    expect(problem({ topics: [{ topic: 'a/{metric}', domain: 'f' }] })).toBe('config: HS_JSON_SOURCES_CONFIG: <file>: topics[0].topic: needs {site} in the topic or payload.site');
    expect(problem({ topics: [{ topic: 'a/{site}', domain: 'f' }] })).toBe('config: HS_JSON_SOURCES_CONFIG: <file>: topics[0].metric: needs exactly one of {metric} in the topic, payload.metric or metric');
    expect(problem({ topics: [{ topic: 'a/#/{site}/{metric}', domain: 'f' }] })).toBe('config: HS_JSON_SOURCES_CONFIG: <file>: topics[0].topic: MQTT levels: names, {part}, + or a final #');
    expect(problem({ topics: [{ topic: 'a/{site}/{metric}', domain: 'f', extra: 1 }] })).toMatch(/^config: HS_JSON_SOURCES_CONFIG: <file>: topics\[0\]: Unrecognized key: "extra"$/);
    expect(() => loadJsonSourcesConfig(join(dir, 'missing.json'))).toThrow(/^config: HS_JSON_SOURCES_CONFIG: cannot read .*missing\.json: ENOENT$/);
  });
  it('turns the json source on when set', () => {
    const config = loadConfig(sourcesConfigSpec, { env: { HS_JSON_SOURCES_CONFIG: 'vendor.json' } });
    expect(sourceKindsOf(undefined, config, 'ingest')).toEqual(['mqtt', 'json']);
  });
});
