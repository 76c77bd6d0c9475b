import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, type Reading } from '@headstream/core';
import { asyncIterableOf, type DataRecord } from '@headstream/datasets';
import { createOpcuaSource, loadOpcuaConfig, startEmbeddedMqttBroker, type EmbeddedMqttBroker, type MessageSource } from '@headstream/transport';
import { startDemoOpcua, type DemoOpcua } from '../src/opcua.js';
import { conflictOf, type DemoOptions } from '../src/options.js';
import { openReadingPublisher, type ReadingPublisher } from '../src/publish.js';
import type { DemoServices } from '../src/services.js';
import { factoryDescription, formatSummary, type DemoSummary } from '../src/summary.js';

/**
 * --factory opcua's wiring, without a whole demo run: the demo's OPC UA server and mapping file, read by
 * the real opcua source (node-opcua client) as ingest and the predictor read it, and the reading
 * publisher sending the factory's history as frames and its live part as OPC UA values.
 */
/** A finished demo's summary with no predictions or scores: what a formatting test varies. */
function summaryOf(): DemoSummary {
  const perTask = { mqtt: 0, sites: [], table: 0 };
return {
    ok: true,
    mode: 'embedded',
    source: 'simulator',
    description: 'd',
    wall_seconds: 1,
    readings: { published: 712_848, ingested: 712_848, duplicates: 0, dead_letters: 0, records: 1, messages: 224, opcua_values: 50_580, history: { from: 'a', to: 'b' }, live: { from: 'b', to: 'c' } },
    training: { version: 'v1', seconds: 1, mode: 'quick', backend: 'wasm', strategy: 'equal', tasks: [], skipped: [], per_task: {}, delta_m_pct: 0, delta_m_served_pct: 0 },
    guard: { promote: true, promoted_by: 'guard', serving: 'v1', reasons: [] },
    predictions: { total: 0, per_task: { traffic: perTask, air_quality: perTask, fault: perTask, throughput: perTask, emissions: perTask }, outputs: [] },
    live_scores: {},
    storage: { engine: 'pglite', timescaledb: null, hypertables: 0, continuous_aggregates: 0, compression: null },
    where: { database: 'db', mqtt: 'mqtt://x', topics: 't', inspect: 'i' },
    subscribe: 's',
    problems: [],
    notes: [],
  };
}

describe('--factory opcua', () => {
  let broker: EmbeddedMqttBroker;
  let opcua: DemoOpcua;
  let source: MessageSource;
  let publisher: ReadingPublisher;
  const readings: Reading[] = [];
  const dead: string[] = [];

  beforeAll(async () => {
    broker = await startEmbeddedMqttBroker({ host: '127.0.0.1', port: 0 });
    opcua = await startDemoOpcua(2);
    source = createOpcuaSource({ config: loadOpcuaConfig(opcua.configFile) });
    await source.start((batch) => {
      for (const message of batch) {
        const verdict = source.decode?.(message, {});
        if (verdict?.ok === true) readings.push(...verdict.readings);
        else dead.push(verdict ? `${verdict.reason}: ${verdict.detail}` : 'no decoder');
      }
      return Promise.resolve();
    });
    const services = { mqtt: { url: broker.url, protocolVersion: broker.protocolVersion }, topicRoot: 'hs' } as DemoServices;
    publisher = await openReadingPublisher(services, createLogger('demo-test', { level: 'silent' }), { opcua: opcua.server });
  }, 60_000);

  afterAll(async () => {
    await source?.stop();
    await publisher?.close();
    await opcua?.close();
    await broker?.close();
  });

  const t0 = Date.UTC(2026, 11, 5, 12);
  const machine = (site: string, time: number): DataRecord => ({ domain: 'factory', site, time, values: { vibration: 2.5, temperature: 50 + (time - t0) / 1000, current: 10, speed: 1500 }, labels: { fault: 0, anomaly: 0, health: 1 } });
  const city = (time: number): DataRecord => ({ domain: 'city', site: 'city-001', time, values: { flow: 30 } });

  it('history goes as frames on MQTT (no OPC UA value); the live part writes the factory to the server and MQTT carries only the city', async () => {
    await publisher.stream([{ name: 'history', records: asyncIterableOf([machine('line-01-m1', t0 - 2000), city(t0 - 2000)]), speed: Number.POSITIVE_INFINITY }], { framesPerMessage: 10, factoryAsFrames: true });
    expect(publisher.sent).toEqual({ messages: 2, records: 2, readings: 7 + 1, opcuaValues: 0 });

    const live = [0, 1000, 2000].flatMap((dt) => [machine('line-01-m1', t0 + dt), machine('line-01-m2', t0 + dt), city(t0 + dt)]);
    await publisher.stream([{ name: 'live', records: asyncIterableOf(live), speed: Number.POSITIVE_INFINITY }], { framesPerMessage: 1 });
    // 6 machine records of 4 values and 3 labels each went to the server; the 3 city frames to MQTT.
    expect(publisher.sent.opcuaValues).toBe(6 * 7);
    expect(publisher.sent.messages).toBe(2 + 3);
    expect(publisher.sent.readings).toBe(8 + 6 * 7 + 3);

    // The subscription delivers every value, at its reading time (the server's timestamp), labels included.
    const deadline = Date.now() + 20_000;
    const values = () => readings.reduce((sum, r) => sum + Object.keys(r.values).length, 0);
    while (values() < 6 * 7 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
    expect(dead).toEqual([]);
    expect(values()).toBe(6 * 7);
    const m1 = readings.filter((r) => r.site === 'line-01-m1').sort((a, b) => a.time - b.time);
    expect(new Set(m1.map((r) => r.time))).toEqual(new Set([t0, t0 + 1000, t0 + 2000]));
    const merged = Object.assign({}, ...m1.filter((r) => r.time === t0 + 1000).map((r) => r.values)) as Record<string, number>;
    expect(merged).toEqual({ vibration: 2.5, temperature: 51, current: 10, speed: 1500, gt_fault: 0, gt_anomaly: 0, gt_health: 1 });
    expect(readings.every((r) => r.domain === 'factory')).toBe(true);
  }, 60_000);

  it('the mapping covers every variable the server serves, for the factory\'s sites only', () => {
    const config = loadOpcuaConfig(opcua.configFile);
    expect(config.endpoints).toHaveLength(1);
    expect(config.endpoints[0]?.sites.sort()).toEqual(['line-01', 'line-01-m1', 'line-01-m2']);
    expect(config.endpoints[0]?.url).toBe(opcua.server.endpointUrl);
  });

  it('the summary says what went over OPC UA and whose clock stamped it; --replay with it is one line', () => {
    const text = factoryDescription('opcua', { opcuaUrl: 'opc.tcp://h:1/UA/Headstream', liveSpeed: '240× real time' });
    expect(text).toMatch(/history as frames on MQTT, its live part over OPC UA/);
    expect(text).toMatch(/opc\.tcp:\/\/h:1\/UA\/Headstream/);
    expect(text).toMatch(/server timestamps are the reading times/);
    expect(factoryDescription('frame')).toBe('');
    const options = { serve: false, stack: false, replay: true, dir: 'x', timescale: false, port: 0, viewPort: 0, seed: 1, factory: 'opcua', json: false } satisfies DemoOptions;
    expect(conflictOf(options, new Set())).toMatch(/^--factory opcua .*--replay/);
    expect(conflictOf({ ...options, factory: 'frame' }, new Set())).toBeUndefined();
  });

  it('the summary for people counts the OPC UA values beside the MQTT messages, and only with --factory opcua', () => {
    const summary = summaryOf();
    const text = formatSummary(summary);
    expect(text).toMatch(/712,848 ingested \(712,848 published in 224 MQTT messages and 50,580 OPC UA values;/);
    expect(text).toMatch(/the factory's live part came over OPC UA \(50,580 values .*server timestamps as reading times\)/);
    const { opcua_values: _omitted, ...frames } = summary.readings;
    expect(formatSummary({ ...summary, readings: frames })).not.toMatch(/OPC UA/);
  });

  it('the summary for people lists the guard\'s findings that differ from serving every task by its shared model', () => {
    const reasons = [
      "traffic: the shared model's MAE 6.180 is within the tolerance of the single-task model's 6.081: sharing holds",
      "traffic: the blend's MAE 6.050 is −2.1 % vs the shared model's: served by its blend of shared and single-task models",
      "fault: the shared model's macro-F1 0.680 is 24.8 % worse than the single-task model's 0.905 (tolerance 2.0 %): sharing hurts",
      'fault: served by its single-task model',
      'emissions: served by its shared model',
      'emissions: served MAE 6.353 beats persistence 10.250 by 38.0 %',
      'air_quality: REFUSED: served MAE 4.100 does not beat persistence 4.060',
    ];
    const text = formatSummary({ ...summaryOf(), guard: { promote: false, promoted_by: 'guard', serving: 'v1', reasons } });
    for (const shown of [1, 2, 3, 6]) expect(text).toContain(reasons[shown]);
    for (const hidden of [0, 4, 5]) expect(text).not.toContain(reasons[hidden]);
  });
});
