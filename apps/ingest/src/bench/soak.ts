#!/usr/bin/env node
/**
 * Soak: the ingest service (a child process, default configuration plus a shared MQTT
 * subscription with --connections N > 1) against a PostgreSQL cluster and a Mosquitto broker of its own (testkit's
 * scratch services, so it can restart them), for --minutes N, under valid and hostile traffic:
 *
 * - valid readings from 20 sites at a steady rate, plus a flood (a burst as fast as the broker
 *   takes it) every minute;
 * - made-up names: ~1 M distinct metric names a minute (10 M in 10 minutes), 1000 a message;
 *   beyond HS_SERIES_QUOTA_PER_MIN they are dead-lettered (series_quota), which is the point;
 * - 1 MiB messages: valid (10000 frames), just over HS_MAX_PAYLOAD_BYTES (dead-lettered) and
 *   4 MiB (over the maximum packet size ingest asks the broker for: never delivered);
 * - the database restarted once (at 35 % of the run) and the broker once (at 70 %).
 *
 * Prints readings_sent (valid readings the broker acknowledged; one acknowledged with 0x10, no
 * matching subscribers, is sent again and counted in no_subscriber_acks), readings_stored (distinct
 * stored), duplicates (rows stored more than once), lost (sent, not stored), wrong_values (stored
 * with another value than sent), readings_per_s (stored a second, traffic and drain), rss_mb_max and
 * rss_mb_end of the ingest process (/proc/<pid>/status VmRSS, sampled every second), and more.
 * With --json, one JSON object on the last line. Needs PostgreSQL server binaries and mosquitto.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { mqttTopic } from '@headstream/core';
import { connectPostgres, migrate, type SqlClient } from '@headstream/store';
import { freePort, spawnNodeScript, startScratchMosquitto, startScratchPostgres, waitUntil } from '@headstream/testkit';
import { connectMqtt, type MqttClient } from '@headstream/transport';

interface Options {
  minutes: number;
  json?: boolean;
  namesPerMinute: number;
  validRate: number;
  floodMessages: number;
  ackMode: 'after-commit' | 'on-receipt';
  connections: number;
}

const positive = (text: string) => {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
};

const program = new Command('soak')
  .option('--minutes <n>', 'how long to send traffic', positive, 10)
  .option('--json', 'print one JSON object (last line)')
  .option('--names-per-minute <n>', 'distinct made-up metric names sent a minute', positive, 1_000_000)
  .option('--valid-rate <n>', 'valid messages a second (10 frames x 5 metrics each)', positive, 50)
  .option('--flood-messages <n>', 'valid messages in each minute\'s flood', positive, 3_000)
  .option('--connections <n>', 'HS_MQTT_CONNECTIONS of the ingest process (> 1: a shared subscription)', positive, 1)
  .option('--ack-mode <mode>', 'HS_MQTT_ACK_MODE of the ingest process', (v) => {
    if (v !== 'after-commit' && v !== 'on-receipt') throw new InvalidArgumentError('after-commit or on-receipt');
    return v;
  }, 'after-commit')
  .parse();
const opts = program.opts<Options>();

const T0 = Date.parse('2025-01-01T00:00:00Z');
const ROOT = 'soak';
const SITES = 20;
const METRICS = 5;
const FRAMES = 10;
const INGEST = fileURLToPath(new URL('../main.js', import.meta.url));
const say = (line: string) => {
  if (!opts.json) process.stdout.write(`${line}\n`);
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function rssMb(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** A valid message: FRAMES frames × METRICS metrics of site v{site} from step `step` (steps never reused). */
function validMessage(site: number, step: number): string {
  const frames = [];
  for (let f = 0; f < FRAMES; f++) {
    const values: Record<string, number> = {};
    for (let m = 0; m < METRICS; m++) values[`m${m}`] = step + f + m / 10;
    frames.push({ site: `v${site}`, ts: T0 + (step + f) * 1000, values });
  }
  return JSON.stringify(frames);
}

async function main(): Promise<void> {
  const durationMs = opts.minutes * 60_000;
  say(`soak: ${opts.minutes} min; starting scratch PostgreSQL and Mosquitto`);
  const pg = await startScratchPostgres();
  const broker = await startScratchMosquitto();
  const admin = await connectPostgres({ url: pg.url, poolSize: 1 });
  await migrate(admin);
  await admin.close();
  const port = await freePort();
  const ingest = spawnNodeScript(INGEST, [], {
    HS_PG_URL: pg.url,
    HS_MQTT_URL: broker.url,
    HS_INGEST_SOURCES: 'mqtt',
    HS_TOPIC_ROOT: ROOT,
    HS_MQTT_CLIENT_ID: 'soak-ingest',
    HS_REPLICA_ID: 'r1',
    ...(opts.connections > 1 ? { HS_MQTT_SHARE_GROUP: 'soak', HS_MQTT_CONNECTIONS: String(opts.connections) } : {}),
    HS_MQTT_ACK_MODE: opts.ackMode,
    HS_HTTP_PORT: String(port),
    HS_LOG_LEVEL: process.env.HS_LOG_LEVEL ?? 'warn',
    HS_HEALTH_STALL_MS: '600000',
  });
  let db: SqlClient | undefined;
  const publishers: MqttClient[] = [];
  const rss: number[] = [];
  const sampler = setInterval(() => {
    const v = rssMb(ingest.child.pid);
    if (v !== undefined) rss.push(v);
  }, 1_000);
  try {
    await waitUntil(
      async () => {
        if (ingest.child.exitCode !== null) throw new Error(`ingest exited at start: ${ingest.output()}`);
        return (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status === 200;
      },
      'ingest /healthz 200',
      120_000,
      200,
    );
    db = await connectPostgres({ url: pg.url, poolSize: 1 });
    const conn = { url: broker.url, clean: false, reconnectPeriodMs: 200, sessionExpirySeconds: 3600 };
    const pubValid = await connectMqtt({ ...conn, clientId: 'soak-valid' });
    const pubHostile = await connectMqtt({ ...conn, clientId: 'soak-hostile' });
    const pubBig = await connectMqtt({ ...conn, clientId: 'soak-big' });
    publishers.push(pubValid, pubHostile, pubBig);
    for (const p of publishers) p.on('error', () => undefined);

    const counts = { validMessages: 0, readingsSent: 0, unconfirmed: 0, namesSent: 0, hostileMessages: 0, bigMessages: 0, floods: 0, noSubscriberAcks: 0 };
    // MQTT 5 PUBACK 0x10 (no matching subscribers): the broker took the message and dropped it, no
    // subscription matching it (mqtt.js resolves the publish as a success). With a shared
    // subscription this happens after a broker restart until ingest has subscribed again: Mosquitto
    // keeps sessions over a restart but not $share subscriptions. The valid publisher does what a
    // device must then do to lose nothing: it sends the message again.
    const pubackCodes = new Map<number, number>();
    pubValid.on('packetreceive', (packet) => {
      if (packet.cmd === 'puback' && packet.messageId !== undefined) pubackCodes.set(packet.messageId, packet.reasonCode ?? 0);
    });
    const publishValid = async (topic: string, payload: string) => {
      for (;;) {
        const sent = await pubValid.publishAsync(topic, payload, { qos: 1 });
        const id = sent?.messageId;
        const code = id === undefined ? undefined : pubackCodes.get(id);
        if (id !== undefined) pubackCodes.delete(id);
        if (code !== 0x10) return;
        counts.noSubscriberAcks++;
        await sleep(200);
      }
    };
    let nextStep = 0;
    const sendValid = async (site: number) => {
      const step = nextStep;
      nextStep += FRAMES;
      try {
        await publishValid(mqttTopic({ kind: 'readings', domain: 'city', site: `v${site}` }, ROOT), validMessage(site, step));
        counts.validMessages++;
        counts.readingsSent += FRAMES * METRICS;
      } catch {
        counts.unconfirmed += FRAMES * METRICS;
      }
    };
    const storedValid = async () => {
      const { rows } = await (db as SqlClient).query<{ rows: number; distinct: number }>(
        `SELECT count(*)::int AS rows, count(DISTINCT (r.series_id, r.time))::int AS distinct
         FROM readings r JOIN series s ON s.id = r.series_id WHERE s.domain = 'city' AND s.site LIKE 'v%'`,
      );
      return rows[0] ?? { rows: 0, distinct: 0 };
    };

    // Warm-up: every valid series exists before the made-up names use up the quota.
    await Promise.all(Array.from({ length: SITES }, (_, s) => sendValid(s)));
    await waitUntil(async () => (await storedValid()).distinct >= counts.readingsSent, 'the warm-up readings', 120_000, 200);
    say(`soak: ingest up (pid ${ingest.child.pid}); traffic for ${opts.minutes} min`);

    const started = Date.now();
    const end = started + durationMs;
    const running = () => Date.now() < end;
    const inFlight = new Set<Promise<unknown>>();
    const track = (p: Promise<unknown>) => {
      inFlight.add(p);
      void p.finally(() => inFlight.delete(p));
    };

    const valid = (async () => {
      let site = 0;
      const every = 1000 / opts.validRate;
      for (let k = 0; running(); k++) {
        track(sendValid(site));
        site = (site + 1) % SITES;
        const due = started + (k + 1) * every;
        if (due > Date.now()) await sleep(due - Date.now());
        while (inFlight.size > 2_000) await sleep(10);
      }
    })();

    const floods = (async () => {
      for (let minute = 1; ; minute++) {
        const at = started + minute * 60_000 - 30_000;
        if (at >= end) break;
        await sleep(Math.max(0, at - Date.now()));
        const burst: Promise<unknown>[] = [];
        for (let i = 0; i < opts.floodMessages; i++) burst.push(sendValid(i % SITES));
        await Promise.all(burst);
        counts.floods++;
      }
    })();

    const hostile = (async () => {
      const perMessage = 1000;
      const every = (60_000 * perMessage) / opts.namesPerMinute;
      let name = 0;
      for (let k = 0; running(); k++) {
        const values: Record<string, number> = {};
        for (let i = 0; i < perMessage; i++) values[`x${(name++).toString(36)}`] = i;
        const site = `h${k % 1000}`;
        const payload = JSON.stringify({ site, ts: T0 + k * 1000, values });
        track(
          pubHostile.publishAsync(mqttTopic({ kind: 'readings', domain: 'factory', site }, ROOT), payload, { qos: 1 }).then(
            () => {
              counts.hostileMessages++;
              counts.namesSent += perMessage;
            },
            () => undefined,
          ),
        );
        const due = started + (k + 1) * every;
        if (due > Date.now()) await sleep(due - Date.now());
        while (inFlight.size > 2_000) await sleep(10);
      }
    })();

    const big = (async () => {
      const MiB = 1024 * 1024;
      for (let k = 0; running(); k++) {
        const site = `b${k % 10}`;
        const topic = mqttTopic({ kind: 'readings', domain: 'factory', site }, ROOT);
        let payload: Buffer;
        if (k % 3 === 0) {
          // Valid, just under 1 MiB: 10000 frames (HS_MAX_FRAMES) of one metric with a long name.
          const frames = [];
          for (let f = 0; f < 10_000; f++) frames.push({ site, ts: T0 + (k * 10_000 + f) * 1000, values: { big_metric_with_a_long_name_for_size: f } });
          payload = Buffer.from(JSON.stringify(frames));
          if (payload.length > MiB) payload = payload.subarray(0, 0);
        } else if (k % 3 === 1) {
          payload = Buffer.alloc(MiB + 1024, 32); // over HS_MAX_PAYLOAD_BYTES: payload_too_large
        } else {
          payload = Buffer.alloc(4 * MiB, 32); // over the maximum packet size: the broker never sends it
        }
        await pubBig.publishAsync(topic, payload, { qos: 1 }).then(
          () => counts.bigMessages++,
          () => undefined,
        );
        await sleep(2_000);
      }
    })();

    const chaos = (async () => {
      await sleep(durationMs * 0.35);
      say('soak: restarting PostgreSQL');
      await pg.stop('fast');
      await sleep(Math.min(10_000, durationMs * 0.05));
      await pg.start();
      await sleep(durationMs * 0.35);
      say('soak: restarting Mosquitto');
      await broker.stop();
      await sleep(Math.min(5_000, durationMs * 0.03));
      await broker.start();
    })();

    const progress = setInterval(() => {
      void storedValid().then(
        (s) => say(`soak: ${Math.round((Date.now() - started) / 1000)} s: sent ${counts.readingsSent}, stored ${s.distinct}, names ${counts.namesSent}, rss ${rss.at(-1)?.toFixed(0)} MB`),
        () => undefined,
      );
    }, 30_000);
    await Promise.all([valid, floods, hostile, big, chaos]);
    await Promise.all([...inFlight]);
    const trafficEnd = Date.now();
    say('soak: traffic done; waiting for ingest to store what it was sent');
    // Done when all is stored, or when nothing more was stored for a minute.
    let last = -1;
    let lastChange = Date.now();
    for (;;) {
      const s = await storedValid();
      if (s.distinct >= counts.readingsSent + counts.unconfirmed) break;
      if (s.distinct !== last) {
        last = s.distinct;
        lastChange = Date.now();
      } else if (Date.now() - lastChange > 60_000) break;
      await sleep(500);
    }
    const drainedAt = Date.now();
    clearInterval(progress);
    const stored = await storedValid();
    const dead = (await db.query<{ reason: string; n: number }>('SELECT reason, count(*)::int AS n FROM dead_letters GROUP BY reason ORDER BY reason')).rows;
    const series = (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM series')).rows[0]?.n ?? 0;
    // Every stored valid reading has the value it was sent with: m{m} at step s holds s + m/10.
    const wrong = (await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM readings r JOIN series s ON s.id = r.series_id
       WHERE s.domain = 'city' AND s.site LIKE 'v%'
         AND abs(r.value - ((extract(epoch FROM r.time) * 1000 - $1) / 1000 + substr(s.metric, 2)::int / 10.0)) > 1e-6`,
      [T0],
    )).rows[0]?.n ?? 0;
    // Re-delivered readings ingest skipped (already stored): at-least-once delivery at work.
    const health = (await (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.json().catch(() => undefined)) as { duplicates?: number } | undefined;
    const rssEnd = rssMb(ingest.child.pid) ?? rss.at(-1) ?? 0;
    ingest.child.kill('SIGTERM');
    const code = await ingest.exited;
    const result = {
      minutes: opts.minutes,
      ack_mode: opts.ackMode,
      connections: opts.connections,
      readings_sent: counts.readingsSent,
      readings_stored: stored.distinct,
      duplicates: stored.rows - stored.distinct,
      lost: Math.max(0, counts.readingsSent - stored.distinct),
      // Traffic time, then the time until ingest had stored it all (or stopped storing for a minute).
      traffic_s: Math.round((trafficEnd - started) / 1000),
      drain_s: Math.round((drainedAt - trafficEnd) / 1000),
      // Valid readings stored a second over both (the hostile and big traffic ran alongside).
      readings_per_s: Math.round(stored.distinct / ((drainedAt - started) / 1000)),
      wrong_values: wrong,
      redelivered_readings_skipped: health?.duplicates ?? null,
      unconfirmed_readings: counts.unconfirmed,
      no_subscriber_acks: counts.noSubscriberAcks,
      rss_mb_max: Math.round(Math.max(0, ...rss) * 10) / 10,
      rss_mb_end: Math.round(rssEnd * 10) / 10,
      valid_messages: counts.validMessages,
      floods: counts.floods,
      names_sent: counts.namesSent,
      hostile_messages: counts.hostileMessages,
      big_messages: counts.bigMessages,
      series_created: series,
      dead_letters: Object.fromEntries(dead.map((d) => [d.reason, d.n])),
      ingest_exit_code: code,
    };
    if (result.lost > 0 || code !== 0) process.stderr.write(`soak: ingest output (last 4000 characters):\n${ingest.output().slice(-4_000)}\n`);
    if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else for (const [k, v] of Object.entries(result)) say(`${k}: ${typeof v === 'object' ? JSON.stringify(v) : v}`);
  } finally {
    clearInterval(sampler);
    for (const p of publishers) await p.endAsync(true).catch(() => undefined);
    await db?.close().catch(() => undefined);
    if (ingest.child.exitCode === null && ingest.child.signalCode === null) ingest.child.kill('SIGKILL');
    await ingest.exited;
    await broker.dispose();
    await pg.dispose();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  },
);
