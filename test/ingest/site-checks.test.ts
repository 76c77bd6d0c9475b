import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { kafkaTopic, mqttTopic } from '@headstream/core';
import { freePort, kafkaBrokersOrSkip, realDatabase, realServiceOrSkip, spawnNodeScript, testServices, uniqueName, waitUntil } from '@headstream/testkit';
import { migrate } from '@headstream/store';
import { connectMqtt, createKafkaPublisher } from '@headstream/transport';

// A reading belongs to its topic: the MQTT topic's {site} and the Kafka key must be the frame's
// site; HS_ALLOWED_SITES / HS_ALLOWED_DOMAINS; the 5-minute default future window. Over real
// Mosquitto, Kafka and PostgreSQL, through the built ingest service.

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

const INGEST = fileURLToPath(new URL('../../apps/ingest/dist/main.js', import.meta.url));

const frame = (site: string, ts: number, domain?: string) => ({ site, ts, values: { v: 1.5 }, ...(domain ? { domain } : {}) });

describe('a reading belongs to its topic', () => {
  it('MQTT topic site and Kafka key checked against each frame; allow-lists; 5-minute future window', async (ctx) => {
    const mqttUrl = realServiceOrSkip(ctx, 'mqtt');
    const brokers = kafkaBrokersOrSkip(ctx);
    realServiceOrSkip(ctx, 'postgres');
    const db = await realDatabase('site-checks');
    cleanups.push(() => db.dispose());
    await migrate(db); // `headstream migrate` as the owner: ingest only checks the version
    const root = uniqueName('sites').replace(/-/g, '_');
    const topic = kafkaTopic('readings', root);
    const producer = await createKafkaPublisher({ brokers, clientId: 'sites-producer' });
    cleanups.push(() => producer.close());
    await producer.connection.ensureTopics([{ name: topic, partitions: 2 }]);

    const port = await freePort();
    const ingest = spawnNodeScript(INGEST, [], {
      HS_PG_URL: testServices().postgres.url,
      HS_PG_SCHEMA: db.schema,
      HS_MQTT_URL: mqttUrl,
      HS_KAFKA_BROKERS: brokers.join(','),
      HS_INGEST_SOURCES: 'mqtt,kafka',
      HS_TOPIC_ROOT: root,
      HS_MQTT_CLIENT_ID: uniqueName('ingest'),
      HS_KAFKA_GROUP: uniqueName('g'),
      HS_ALLOWED_SITES: 's-*',
      HS_ALLOWED_DOMAINS: 'city,factory',
      HS_HTTP_PORT: String(port),
      HS_LOG_LEVEL: 'warn',
    });
    cleanups.push(async () => {
      ingest.child.kill('SIGTERM');
      await ingest.exited;
    });
    await waitUntil(
      async () => {
        if (ingest.child.exitCode !== null) throw new Error(`ingest exited: ${ingest.output()}`);
        return (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status === 200;
      },
      'ingest /healthz',
      60_000,
      100,
    );

    const now = Date.now();
    const pub = await connectMqtt({ url: mqttUrl });
    cleanups.push(() => pub.endAsync());
    const mqtt: [string, string, unknown][] = [
      // [topic site, topic domain, payload]
      ['s-1', 'city', frame('s-1', now)], // stored
      ['s-9', 'city', frame('s-9', now + 60_000)], // stored: 1 min ahead is within the window
      ['s-1', 'city', [frame('s-1', now - 1), frame('s-2', now - 1)]], // site_mismatch (the whole message)
      ['x-1', 'city', frame('x-1', now)], // site_not_allowed
      ['s-3', 'lab', frame('s-3', now)], // domain_not_allowed
      ['s-7', 'city', frame('s-7', now + 3_600_000)], // timestamp_out_of_window (1 h ahead)
    ];
    for (const [site, domain, payload] of mqtt) {
      await pub.publishAsync(mqttTopic({ kind: 'readings', domain, site }, root), JSON.stringify(payload), { qos: 1 });
    }
    await producer.publish(topic, [
      { key: 's-4', payload: JSON.stringify(frame('s-4', now, 'factory')) }, // stored
      { key: 's-4', payload: JSON.stringify(frame('s-5', now, 'factory')) }, // site_mismatch
      { key: 'y-1', payload: JSON.stringify(frame('y-1', now, 'factory')) }, // site_not_allowed
      { key: 's-6', payload: JSON.stringify(frame('s-6', now, 'lab')) }, // domain_not_allowed
    ]);

    const reasons = async () =>
      (await db.query<{ source: string; reason: string }>('SELECT source, reason FROM dead_letters ORDER BY source, reason')).rows.map((r) => `${r.source}:${r.reason}`);
    await waitUntil(async () => (await reasons()).length >= 7, 'seven dead letters', 60_000, 100);
    expect(await reasons()).toEqual([
      'kafka:domain_not_allowed',
      'kafka:site_mismatch',
      'kafka:site_not_allowed',
      'mqtt:domain_not_allowed',
      'mqtt:site_mismatch',
      'mqtt:site_not_allowed',
      'mqtt:timestamp_out_of_window',
    ]);
    await waitUntil(async () => (await db.query('SELECT 1 FROM readings')).rowCount >= 3, 'three readings', 30_000, 100);
    const stored = await db.query<{ source: string }>('SELECT domain || \'/\' || site AS source FROM reading_values ORDER BY 1');
    expect(stored.rows.map((r) => r.source)).toEqual(['city/s-1', 'city/s-9', 'factory/s-4']);
    const detail = await db.query<{ detail: string }>("SELECT detail FROM dead_letters WHERE source = 'kafka' AND reason = 'site_mismatch'");
    expect(detail.rows[0]?.detail).toBe('frame: site "s-5" is not "s-4", the site its topic or key names');
  }, 120_000);
});
