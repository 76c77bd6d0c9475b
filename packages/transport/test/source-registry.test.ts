import { describe, expect, it } from 'vitest';
import { ConfigError, createLogger, loadConfig } from '@headstream/core';
import { SOURCE_KINDS, sourceKindsOf, sourcesConfigProblems, sourcesConfigSpec, startSources } from '../src/index.js';

// The source registry (#22 item 0): kinds come from the registry, each source's config spec validates
// and documents its settings, and the defaults are those the apps had before the registry.

const configOf = (env: Record<string, string>) => loadConfig(sourcesConfigSpec, { env });

describe('source registry', () => {
  it('lists its kinds once each, and every source documents its settings', () => {
    expect(SOURCE_KINDS).toEqual([...new Set(SOURCE_KINDS)]);
    expect(SOURCE_KINDS).toEqual(expect.arrayContaining(['mqtt', 'kafka', 'sparkplug']));
    for (const field of Object.values(sourcesConfigSpec)) expect(field.env).toMatch(/^HS_[A-Z0-9_]+$/);
  });

  it('runs the same sources by default as before: ingest mqtt (+ kafka with brokers), the predictor kafka or else mqtt; sparkplug once groups are set', () => {
    expect(sourceKindsOf(undefined, configOf({}), 'ingest')).toEqual(['mqtt']);
    expect(sourceKindsOf(undefined, configOf({ HS_KAFKA_BROKERS: '127.0.0.1:9092' }), 'ingest')).toEqual(['mqtt', 'kafka']);
    expect(sourceKindsOf(undefined, configOf({}), 'predictor')).toEqual(['mqtt']);
    expect(sourceKindsOf(undefined, configOf({ HS_KAFKA_BROKERS: '127.0.0.1:9092' }), 'predictor')).toEqual(['kafka']);
    expect(sourceKindsOf(undefined, configOf({ HS_SPARKPLUG_GROUPS: 'factory' }), 'ingest')).toEqual(['mqtt', 'sparkplug']);
    expect(sourceKindsOf(['sparkplug'], configOf({}), 'ingest')).toEqual(['sparkplug']);
    expect(() => sourceKindsOf(['modbus'], configOf({}), 'ingest')).toThrow(/unknown source kind "modbus" \(registered: mqtt, kafka/);
  });

  it('a source missing its settings is one config line naming the variable, before anything connects', async () => {
    expect(sourcesConfigProblems(['kafka', 'sparkplug'], configOf({}), 'ingest').map((p) => p.key)).toEqual(['HS_KAFKA_BROKERS', 'HS_SPARKPLUG_GROUPS']);
    expect(sourcesConfigProblems(['sparkplug'], configOf({ HS_SPARKPLUG_GROUPS: 'a,STATE' }), 'ingest')[0]?.line).toMatch(/HS_SPARKPLUG_GROUPS: .*"STATE"/);
    const log = createLogger('test', { level: 'silent' });
    await expect(startSources(['sparkplug'], configOf({ HS_MQTT_URL: 'mqtt://127.0.0.1:1' }), { app: 'test', replica: 'r', log, topicRoot: 'hs', deadLetters: false })).rejects.toBeInstanceOf(ConfigError);
  });
});
