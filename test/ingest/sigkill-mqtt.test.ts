import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { mqttTopic } from '@headstream/core';
import { migrate } from '@headstream/store';
import {
  compareStoredReadings,
  freePort,
  mosquittoBinary,
  readingsOfMessage,
  realDatabase,
  realServiceOrSkip,
  skipOrFailInCi,
  spawnNodeScript,
  startScratchMosquitto,
  testServices,
  uniqueName,
  waitUntil,
  type NodeProcess,
  type ReadingRow,
} from '@headstream/testkit';
import { connectMqtt } from '@headstream/transport';

// Ingest scaled out on MQTT (a shared subscription, two connections, acknowledgements after the
// COMMIT) loses nothing and stores nothing twice when the process is SIGKILLed mid-stream and
// restarted, nor when the broker restarts under it. The broker is a Mosquitto of the test's own
// (persistence on) so it can be restarted. What the database holds is compared, reading for reading
// (site, metric, time, value), with what the broker acknowledged.
//
// The broker restart is the case that lost readings: Mosquitto restores the sessions from its
// persistence file but not their $share subscriptions, and ingest (the CONNACK saying "session
// present") did not subscribe again, so it stayed connected and received nothing more.

const INGEST = fileURLToPath(new URL('../../apps/ingest/dist/main.js', import.meta.url));

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

const T0 = Date.parse('2025-01-01T00:00:00Z');
const SITES = 20;
const FRAMES = 5;
const METRICS = 3;

/** Message k: FRAMES frames × METRICS metrics of one site; every (site, metric, time) is sent once. */
function message(k: number): { site: string; payload: string } {
  const site = `k${k % SITES}`;
  const frames = [];
  for (let f = 0; f < FRAMES; f++) {
    const step = k * FRAMES + f;
    const values: Record<string, number> = {};
    for (let m = 0; m < METRICS; m++) values[`m${m}`] = step + m / 10;
    frames.push({ site, ts: T0 + step * 1000, values });
  }
  return { site, payload: JSON.stringify(frames) };
}

it(
  'ingest on a shared MQTT subscription (2 connections, acks after commit): SIGKILLed mid-stream and restarted, then the broker restarted: every reading stored, none twice',
  { timeout: 300_000 },
  async (ctx) => {
    realServiceOrSkip(ctx, 'postgres');
    if (!mosquittoBinary()) return skipOrFailInCi(ctx, 'mosquitto is not installed (Debian package mosquitto)');
    const broker = await startScratchMosquitto();
    cleanups.push(() => broker.dispose());
    const db = await realDatabase('sigkill-mqtt');
    cleanups.push(() => db.dispose());
    await migrate(db);
    const root = uniqueName('sigkill').replace(/-/g, '_');

    let ingest: NodeProcess | undefined;
    let port = 0;
    cleanups.push(async () => {
      if (ingest && ingest.child.exitCode === null && ingest.child.signalCode === null) ingest.child.kill('SIGKILL');
      await ingest?.exited;
    });
    const health = async () => (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status;
    const startIngest = async () => {
      port = await freePort();
      const proc = spawnNodeScript(INGEST, [], {
        HS_PG_URL: testServices().postgres.url,
        HS_PG_SCHEMA: db.schema,
        HS_MQTT_URL: broker.url,
        HS_INGEST_SOURCES: 'mqtt',
        HS_TOPIC_ROOT: root,
        // The same client ids on restart: the broker kept the sessions and what was queued for them.
        HS_MQTT_CLIENT_ID: 'sigkill-ingest',
        HS_REPLICA_ID: 'r1',
        HS_MQTT_SHARE_GROUP: 'ingest',
        HS_MQTT_CONNECTIONS: '2',
        HS_MQTT_ACK_MODE: 'after-commit',
        HS_HTTP_PORT: String(port),
        HS_LOG_LEVEL: 'warn',
      });
      ingest = proc;
      await waitUntil(
        async () => {
          if (proc.child.exitCode !== null) throw new Error(`ingest exited: ${proc.output()}`);
          return (await health()) === 200;
        },
        'ingest /healthz 200',
        90_000,
        100,
      );
      return proc;
    };

    const pub = await connectMqtt({ url: broker.url, clientId: uniqueName('sigkill-pub'), clean: false, sessionExpirySeconds: 600, reconnectPeriodMs: 200 });
    cleanups.push(() => pub.endAsync(true));
    pub.on('error', () => undefined);
    // PUBACK 0x10 (no matching subscribers): the broker dropped the message. It is sent again; the
    // test publishes only while ingest is subscribed, so it should not happen.
    const codes = new Map<number, number>();
    pub.on('packetreceive', (packet) => {
      if (packet.cmd === 'puback' && packet.messageId !== undefined) codes.set(packet.messageId, packet.reasonCode ?? 0);
    });
    let unrouted = 0;
    const sent: ReadingRow[] = [];
    const publish = async (from: number, to: number) => {
      for (let k = from; k < to; k += 100) {
        await Promise.all(
          Array.from({ length: Math.min(100, to - k) }, async (_, i) => {
            const m = message(k + i);
            const topic = mqttTopic({ kind: 'readings', domain: 'city', site: m.site }, root);
            for (let attempt = 0; ; attempt++) {
              const packet = await pub.publishAsync(topic, m.payload, { qos: 1 });
              const id = packet?.messageId;
              const code = id === undefined ? 0 : (codes.get(id) ?? 0);
              if (id !== undefined) codes.delete(id);
              if (code !== 0x10) break;
              unrouted++;
              if (attempt >= 50) throw new Error(`message ${k + i}: no subscriber for 10 s (PUBACK 0x10)`);
              await new Promise((r) => setTimeout(r, 200));
            }
            sent.push(...readingsOfMessage(m.payload, 'city'));
          }),
        );
      }
    };
    const storedCount = async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM readings')).rows[0]?.n ?? 0;

    let proc = await startIngest();

    // 1. A stream of 3,000 messages; SIGKILL once part of it is stored.
    const phase1 = 3_000;
    const publishing = publish(0, phase1);
    await waitUntil(async () => (await storedCount()) >= phase1 * FRAMES * METRICS * 0.1, 'a tenth of the stream stored', 120_000, 20);
    proc.child.kill('SIGKILL');
    await proc.exited;
    await publishing;
    const atKill = await storedCount();
    expect(atKill, 'killed mid-stream').toBeLessThan(phase1 * FRAMES * METRICS);

    // 2. More while ingest is down: the broker queues them for its sessions.
    await publish(phase1, phase1 + 500);
    proc = await startIngest();

    // 3. The broker restarts under the running ingest; it reconnects and must receive again.
    await broker.stop();
    await broker.start();
    await waitUntil(async () => (await health()) === 200 && pub.connected, 'ingest and the publisher reconnected to the restarted broker', 60_000, 100);
    await publish(phase1 + 500, phase1 + 1_000);

    const expected = (phase1 + 1_000) * FRAMES * METRICS;
    let last = -1;
    let since = Date.now();
    await waitUntil(
      async () => {
        const n = await storedCount();
        if (n !== last) {
          last = n;
          since = Date.now();
        }
        return n >= expected || Date.now() - since > 20_000;
      },
      'ingest stored what it was sent (or stopped storing for 20 s)',
      180_000,
      200,
    );
    const diff = await compareStoredReadings(db, sent);
    expect(diff, `stored ${diff.stored} of ${diff.sent}; killed at ${atKill}; re-sent after PUBACK 0x10: ${unrouted}`).toEqual({ stored: expected, sent: expected, missing: [], unexpected: [] });
    expect(unrouted, 'messages the broker had no subscriber for (PUBACK 0x10)').toBe(0);
    expect(proc.child.exitCode, proc.output()).toBeNull();
  },
);
