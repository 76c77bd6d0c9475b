import { describe, expect, it } from 'vitest';
import {
  kafkaTopic,
  mqttPredictionsFilter,
  mqttReadingsFilter,
  mqttTopic,
  parseKafkaTopic,
  parseMqttTopic,
  TopicError,
  type MqttTopic,
} from '../src/index.js';

describe('MQTT topics', () => {
  const topics: [MqttTopic, string][] = [
    [{ kind: 'readings', domain: 'city', site: 'pems-400001' }, 'hs/v1/readings/city/pems-400001'],
    [{ kind: 'readings', domain: 'factory', site: 'skab.valve1_3' }, 'hs/v1/readings/factory/skab.valve1_3'],
    [{ kind: 'predictions', task: 'air_quality', site: 'Aotizhongxin' }, 'hs/v1/predictions/air_quality/Aotizhongxin'],
    [{ kind: 'deadletter' }, 'hs/v1/deadletter'],
  ];

  it.each(topics)('builds and parses %j', (topic, text) => {
    expect(mqttTopic(topic)).toBe(text);
    expect(parseMqttTopic(text)).toEqual(topic);
  });

  it('round-trips under another root', () => {
    const t: MqttTopic = { kind: 'predictions', task: 'fault', site: 'm1' };
    expect(mqttTopic(t, 'plant7')).toBe('plant7/v1/predictions/fault/m1');
    expect(parseMqttTopic(mqttTopic(t, 'plant7'), 'plant7')).toEqual(t);
    expect(parseMqttTopic(mqttTopic(t, 'plant7'))).toBeNull();
  });

  it.each([
    'hs/v2/readings/city/a',
    'hs/v1/readings/city',
    'hs/v1/readings/city/a/extra',
    'hs/v1/readings/city/',
    'hs/v1/readings/ci ty/a',
    'hs/v1/other/city/a',
    'hs/v1/deadletter/x',
    'other/v1/readings/city/a',
    '',
  ])('does not parse %j', (text) => {
    expect(parseMqttTopic(text)).toBeNull();
  });

  it('refuses to build topics from names with wildcards or separators', () => {
    expect(() => mqttTopic({ kind: 'readings', domain: 'city', site: 'a/b' })).toThrow(TopicError);
    expect(() => mqttTopic({ kind: 'readings', domain: '+', site: 'a' })).toThrow(/domain/);
    expect(() => mqttTopic({ kind: 'predictions', task: 'fault', site: '#' })).toThrow(/site/);
  });

  it('builds subscription filters, shared ones for worker groups', () => {
    expect(mqttReadingsFilter()).toBe('hs/v1/readings/+/+');
    expect(mqttReadingsFilter({ domain: 'city' })).toBe('hs/v1/readings/city/+');
    expect(mqttReadingsFilter({ shareGroup: 'ingest' })).toBe('$share/ingest/hs/v1/readings/+/+');
    expect(mqttPredictionsFilter({ task: 'traffic' })).toBe('hs/v1/predictions/traffic/+');
    expect(() => mqttReadingsFilter({ shareGroup: 'a/b' })).toThrow(TopicError);
  });
});

describe('Kafka topics', () => {
  it.each(['readings', 'predictions', 'deadletter'] as const)('round-trips %s', (kind) => {
    expect(kafkaTopic(kind)).toBe(`hs.${kind}`);
    expect(parseKafkaTopic(kafkaTopic(kind))).toBe(kind);
    expect(parseKafkaTopic(kafkaTopic(kind, 'x'), 'x')).toBe(kind);
  });

  it.each(['hs.other', 'hs.', 'readings', 'xx.readings'])('does not parse %j', (text) => {
    expect(parseKafkaTopic(text)).toBeNull();
  });
});
