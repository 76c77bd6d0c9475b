import { describe, expect, it } from 'vitest';
import { loadConfig } from '@headstream/core';
import { ingestConfigProblems, ingestConfigSpec } from '../src/config.js';

// MQTT settings with which the broker could not keep ingest's promise (every reading it acknowledged
// is stored) are refused at start, one line each naming the setting and saying why.

const problems = (env: Record<string, string>) => ingestConfigProblems(loadConfig(ingestConfigSpec, { env: { HS_EMBEDDED: '1', ...env } }));
const BROKER = { HS_MQTT_URL: 'mqtt://127.0.0.1:1883' };

describe('ingest MQTT config', () => {
  it('a shared subscription with a replica id, or one connection without one: fine', () => {
    expect(problems(BROKER)).toEqual([]);
    expect(problems({})).toEqual([]);
    expect(problems({ ...BROKER, HS_MQTT_SHARE_GROUP: 'ingest', HS_MQTT_CONNECTIONS: '4', HS_REPLICA_ID: 'ingest-1' })).toEqual([]);
    // Kafka only: the MQTT settings do not matter.
    expect(problems({ HS_INGEST_SOURCES: 'kafka', HS_KAFKA_BROKERS: '127.0.0.1:9092', HS_MQTT_CONNECTIONS: '4' })).toEqual([]);
  });

  it('several connections without a share group: every reading would arrive N times', () => {
    const p = problems({ ...BROKER, HS_MQTT_CONNECTIONS: '4' });
    expect(p.map((x) => x.key)).toEqual(['HS_MQTT_CONNECTIONS']);
    expect(p[0]?.line).toMatch(/^config: HS_MQTT_CONNECTIONS: 4 connections need HS_MQTT_SHARE_GROUP .*4 times$/);
  });

  it('a share group on the embedded broker: aedes has no shared subscriptions (it grants them and delivers nothing)', () => {
    const p = problems({ HS_MQTT_SHARE_GROUP: 'ingest', HS_REPLICA_ID: 'r1' });
    expect(p.map((x) => x.key)).toEqual(['HS_MQTT_SHARE_GROUP']);
    expect(p[0]?.line).toMatch(/^config: HS_MQTT_SHARE_GROUP: the embedded broker \(HS_MQTT_URL unset\) has no shared subscriptions/);
  });

  it('a share group without HS_REPLICA_ID: a replica back under another host name would strand what the broker dealt to its session', () => {
    const p = problems({ ...BROKER, HS_MQTT_SHARE_GROUP: 'ingest' });
    expect(p.map((x) => x.key)).toEqual(['HS_REPLICA_ID']);
    expect(p[0]?.line).toMatch(/^config: HS_REPLICA_ID: expected a name each replica keeps across restarts, since HS_MQTT_SHARE_GROUP is set: .*; it is not set$/);
  });

  it('each problem is one line', () => {
    const all = problems({ HS_MQTT_SHARE_GROUP: 'ingest', HS_MQTT_CONNECTIONS: '2' }).concat(problems({ HS_MQTT_CONNECTIONS: '2' }));
    expect(all.length).toBeGreaterThan(0);
    for (const p of all) expect(p.line.split('\n')).toHaveLength(1);
  });
});
