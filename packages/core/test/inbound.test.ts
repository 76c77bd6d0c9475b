import { describe, expect, it } from 'vitest';
import { cfg, decodeInbound, field, inboundConfigSpec, inboundOptionsOf, loadConfig, parseAllowList, commonConfigSpec, type InboundEnvelope, type InboundOptions } from '../src/index.js';

// The one inbound decoder that ingest's pipeline and the predictor both call: fixed verdicts.
const NOW = Date.parse('2025-06-01T12:00:00Z');
const TS = '2025-06-01T11:59:00Z';
const frame = (site: string, extra: Record<string, unknown> = {}) => ({ site, ts: TS, values: { flow: 12.5 }, ...extra });
const mqtt = (topic: string, payload: unknown): InboundEnvelope => ({ source: 'mqtt', topic, payload: JSON.stringify(payload) });
const kafka = (key: string | null, payload: unknown): InboundEnvelope => ({ source: 'kafka', topic: 'hs.readings', key, payload: Buffer.from(JSON.stringify(payload)) });
const opts: InboundOptions = { now: NOW };

describe('decodeInbound', () => {
  it('a good MQTT frame: domain and site from the topic', () => {
    expect(decodeInbound(mqtt('hs/v1/readings/city/a1', frame('a1')), opts)).toEqual({
      ok: true,
      readings: [{ domain: 'city', site: 'a1', time: Date.parse(TS), values: { flow: 12.5 } }],
    });
  });

  it('a good Kafka record: the key is the site, the frame carries the domain; no key claims no site', () => {
    const expected = { ok: true, readings: [{ domain: 'factory', site: 'm-1', time: Date.parse(TS), values: { flow: 12.5 } }] };
    expect(decodeInbound(kafka('m-1', frame('m-1', { domain: 'factory' })), opts)).toEqual(expected);
    expect(decodeInbound(kafka(null, frame('m-1', { domain: 'factory' })), opts)).toEqual(expected);
  });

  it.each<[string, InboundEnvelope, InboundOptions, string, string]>([
    ['MQTT: the frame names another site than the topic', mqtt('hs/v1/readings/city/city-002', frame('city-001')), opts, 'site_mismatch', 'frame: site "city-001" is not "city-002", the site its topic or key names'],
    ['MQTT: one frame of an array names another site', mqtt('hs/v1/readings/city/a1', [frame('a1'), frame('b2')]), opts, 'site_mismatch', 'frames[1]: site "b2" is not "a1", the site its topic or key names'],
    ['Kafka: the frame names another site than the key', kafka('m-2', frame('m-1', { domain: 'factory' })), opts, 'site_mismatch', 'frame: site "m-1" is not "m-2", the site its topic or key names'],
    ['a site off the allow-list', mqtt('hs/v1/readings/city/x-1', frame('x-1')), { ...opts, allowedSites: parseAllowList('s-*') }, 'site_not_allowed', 'frame: site "x-1" is not in the allowed sites'],
    ['a domain off the allow-list (MQTT topic)', mqtt('hs/v1/readings/lab/s-1', frame('s-1')), { ...opts, allowedDomains: parseAllowList('city,factory') }, 'domain_not_allowed', 'frame: domain "lab" is not in the allowed domains'],
    ['a domain off the allow-list (Kafka frame)', kafka('s-1', frame('s-1', { domain: 'lab' })), { ...opts, allowedDomains: parseAllowList('city,factory') }, 'domain_not_allowed', 'frame: domain "lab" is not in the allowed domains'],
    ['an MQTT topic that is not a readings topic', mqtt('hs/v1/predictions/traffic/a1', frame('a1')), opts, 'bad_topic', 'topic "hs/v1/predictions/traffic/a1" is not hs/v1/readings/{domain}/{site}'],
    ['another topic root', mqtt('hs/v1/readings/city/a1', frame('a1')), { ...opts, topicRoot: 'other' }, 'bad_topic', 'topic "hs/v1/readings/city/a1" is not other/v1/readings/{domain}/{site}'],
  ])('refuses %s', (_, message, options, reason, detail) => {
    expect(decodeInbound(message, options)).toEqual({ ok: false, reason, detail });
  });

  it('the site check comes before the allow-list: a spoofed frame is a site_mismatch even for an allowed site', () => {
    expect(decodeInbound(mqtt('hs/v1/readings/city/s-2', frame('s-1')), { ...opts, allowedSites: parseAllowList('s-*') })).toMatchObject({ ok: false, reason: 'site_mismatch' });
  });

  it('inboundOptionsOf: the one definition of HS_ALLOWED_SITES / HS_ALLOWED_DOMAINS, with the limits and the topic root', () => {
    const spec = { ...commonConfigSpec, ...inboundConfigSpec, other: field('HS_OTHER', cfg.string().optional(), 'anything') };
    const config = loadConfig(spec, { env: { HS_ALLOWED_SITES: 's-*', HS_ALLOWED_DOMAINS: 'city', HS_TOPIC_ROOT: 'r', HS_MAX_FRAMES: '7' } });
    const options = inboundOptionsOf(config);
    expect(options).toMatchObject({ topicRoot: 'r', maxFrames: 7 });
    expect(decodeInbound(mqtt('r/v1/readings/city/x-1', frame('x-1')), { ...options, now: NOW })).toMatchObject({ ok: false, reason: 'site_not_allowed' });
    expect(decodeInbound(mqtt('r/v1/readings/lab/s-1', frame('s-1')), { ...options, now: NOW })).toMatchObject({ ok: false, reason: 'domain_not_allowed' });
    expect(decodeInbound(mqtt('r/v1/readings/city/s-1', frame('s-1')), { ...options, now: NOW })).toMatchObject({ ok: true });
    expect(inboundOptionsOf(loadConfig(spec, { env: {} }))).not.toHaveProperty('allowedSites');
  });
});
