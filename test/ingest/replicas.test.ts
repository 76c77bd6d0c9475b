import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { mqttTopic } from '@headstream/core';
import { migrate } from '@headstream/store';
import { compareStoredReadings, freePort, realDatabase, realServiceOrSkip, spawnNodeScript, testServices, uniqueName, waitUntil, type ReadingRow } from '@headstream/testkit';
import { connectMqtt } from '@headstream/transport';
import { readingCounts } from './helpers.js';

// Two ingest replicas with the same HS_MQTT_CLIENT_ID (one deployment's config) on a shared
// subscription: each appends its HS_REPLICA_ID, so the broker keeps both sessions instead of
// kicking one off whenever the other connects.

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

const INGEST = fileURLToPath(new URL('../../apps/ingest/dist/main.js', import.meta.url));

it('two replicas with one client id stay connected side by side and share the stream', async (ctx) => {
  const mqttUrl = realServiceOrSkip(ctx, 'mqtt');
  realServiceOrSkip(ctx, 'postgres');
  const db = await realDatabase('replicas');
  cleanups.push(() => db.dispose());
  await migrate(db);
  const root = uniqueName('replicas').replace(/-/g, '_');
  const clientId = uniqueName('ingest');
  const replicas = await Promise.all(
    ['r1', 'r2'].map(async (replica) => {
      const port = await freePort();
      const proc = spawnNodeScript(INGEST, [], {
        HS_PG_URL: testServices().postgres.url,
        HS_PG_SCHEMA: db.schema,
        HS_MQTT_URL: mqttUrl,
        HS_INGEST_SOURCES: 'mqtt',
        HS_TOPIC_ROOT: root,
        HS_MQTT_CLIENT_ID: clientId,
        HS_REPLICA_ID: replica,
        HS_MQTT_SHARE_GROUP: 'ingest',
        HS_HTTP_PORT: String(port),
        HS_LOG_LEVEL: 'warn',
      });
      cleanups.push(async () => {
        proc.child.kill('SIGTERM');
        await proc.exited;
      });
      return { port, proc };
    }),
  );
  const status = async (port: number) => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status;
  for (const r of replicas) {
    await waitUntil(
      async () => {
        if (r.proc.child.exitCode !== null) throw new Error(`ingest exited: ${r.proc.output()}`);
        return (await status(r.port)) === 200;
      },
      'ingest /healthz',
      60_000,
      100,
    );
  }
  const pub = await connectMqtt({ url: mqttUrl, protocolVersion: 5 });
  cleanups.push(() => pub.endAsync());
  const now = Date.now() - 60_000;
  const N = 200;
  const seen: (number | undefined)[] = [];
  const sent: ReadingRow[] = [];
  for (let i = 0; i < N; i++) {
    const site = `s${i % 4}`;
    await pub.publishAsync(mqttTopic({ kind: 'readings', domain: 'city', site }, root), JSON.stringify({ site, ts: now + i * 1000, values: { v: i } }), { qos: 1 });
    sent.push({ domain: 'city', site, metric: 'v', time: now + i * 1000, value: i });
    // Both stay up the whole time: a replica kicked off by the other's session would show 503.
    if (i % 20 === 0) seen.push(...(await Promise.all(replicas.map((r) => status(r.port)))));
  }
  await waitUntil(async () => (await readingCounts(db)).rows >= N, `${N} readings`, 60_000, 200);
  seen.push(...(await Promise.all(replicas.map((r) => status(r.port)))));
  expect(seen.every((s) => s === 200), `healthz answers ${seen.join(',')}`).toBe(true);
  // What the two replicas stored together is exactly what was sent, value for value.
  expect(await compareStoredReadings(db, sent)).toEqual({ stored: N, sent: N, missing: [], unexpected: [] });
  // Both replicas took part of the shared subscription.
  const metrics = await Promise.all(replicas.map(async (r) => (await fetch(`http://127.0.0.1:${r.port}/metrics`)).text()));
  for (const text of metrics) expect(text).toMatch(/headstream_ingest_messages_total\{[^}]*\} [1-9]/);
}, 180_000);
