#!/usr/bin/env node
/**
 * Ingest benchmark: steady-state Kafka and MQTT ingest rates into PostgreSQL, the raw
 * COPY/unnest ceiling into the same table in the same run, publish → committed-row lag,
 * peak RSS. Prints human lines, or with --json exactly one JSON object as the last line.
 * Needs the real services: HS_PG_URL, HS_MQTT_URL, HS_KAFKA_BROKERS (defaults: localhost).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createServer } from 'node:net';
import { Command, InvalidArgumentError } from 'commander';
import { consoleToStderr, createLogger, kafkaTopic, loadConfig, mqttTopic } from '@headstream/core';
import { IngestPipeline, type CommittedBatch } from '@headstream/pipeline';
import { connectPostgres, migrate, quoteIdent, ReadingWriter, schemaRolesFor, type SqlClient, type WriteMode } from '@headstream/store';
import { connectMqtt, createKafkaPublisher, createKafkaSource, createMqttSource, encodeSparkplugPayload, sourcesConfigSpec, startSources } from '@headstream/transport';

interface Options {
  json?: boolean;
  kafkaMessages: number;
  mqttMessages: number;
  ceilingRows: number;
  framesPerMessage: number;
  metricsPerFrame: number;
  partitions: number;
  concurrency: number;
  mqttConnections: number;
  writerBatch: number;
  opcuaVariables: number;
  jsonMessages: number;
  opcuaSeconds: number;
}

const int = (text: string) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
};

const program = new Command('bench:ingest')
  .option('--json', 'print one JSON object (last line)')
  .option('--kafka-messages <n>', 'messages pre-produced to Kafka', int, 5000)
  .option('--mqtt-messages <n>', 'messages published over MQTT', int, 2000)
  .option('--ceiling-rows <n>', 'rows for the raw COPY/unnest ceiling', int, 500_000)
  .option('--frames-per-message <n>', 'frames per message', int, 10)
  .option('--metrics-per-frame <n>', 'metrics per frame (readings per message = frames × metrics)', int, 10)
  .option('--partitions <n>', 'partitions of the bench topic', int, 6)
  .option('--concurrency <n>', 'Kafka partitions handled at once', int, 3)
  .option('--mqtt-connections <n>', 'MQTT connections in the shared subscription', int, 8)
  .option('--json-messages <n>', 'vendor JSON messages (one reading each) on mapped topics', int, 20_000)
  .option('--opcua-variables <n>', 'OPC UA variables, each changed every 100 ms (a multiple of 10)', int, 2000)
  .option('--opcua-seconds <n>', 'seconds the OPC UA server changes them', int, 5)
  .option('--writer-batch <n>', 'rows per batch when timing the batch writer (a Kafka fetch is ~25,000)', int, 20_000)
  .parse();
const opts = program.opts<Options>();
// --json: stdout holds the one JSON object (node-opcua's warnings go to stderr).
if (opts.json) consoleToStderr();

const say = (line: string) => {
  if (!opts.json) process.stdout.write(`${line}\n`);
  else process.stderr.write(`${line}\n`);
};
const pgUrl = process.env.HS_PG_URL || 'postgres://postgres@127.0.0.1:5432/test';
const mqttUrl = process.env.HS_MQTT_URL || 'mqtt://127.0.0.1:1883';
const brokers = (process.env.HS_KAFKA_BROKERS || '127.0.0.1:9092').split(',');
const T0 = Date.now() - 7 * 24 * 3600e3;
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);

/** Message i of a run: frames of one site at consecutive seconds, unique (series, time) per run. */
function message(i: number, live = false): { site: string; payload: string } {
  const site = `b${i % 1000}`;
  const base = Math.floor(i / 1000) * opts.framesPerMessage;
  const frames = [];
  for (let f = 0; f < opts.framesPerMessage; f++) {
    const values: Record<string, number> = {};
    for (let m = 0; m < opts.metricsPerFrame; m++) values[`m${m}`] = (i * 31 + f * 7 + m) % 1000 / 10;
    frames.push({ site, domain: 'factory', ts: live ? Date.now() - (opts.framesPerMessage - f) : T0 + (base + f) * 1000, values });
  }
  return { site, payload: JSON.stringify(frames) };
}

async function freshSchema(): Promise<SqlClient> {
  const db = await connectPostgres({ url: pgUrl, schema: `bench_${randomBytes(4).toString('hex')}`, poolSize: 6 });
  await migrate(db);
  return db;
}
async function dropSchema(db: SqlClient): Promise<void> {
  await db.query(`DROP SCHEMA ${quoteIdent(db.schema)} CASCADE`);
  // Migrations created the schema's roles (cluster-wide): drop them with it.
  for (const role of schemaRolesFor(db.schema)) {
    await db.query(`DROP OWNED BY ${quoteIdent(role)}`).catch(() => undefined);
    await db.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`);
  }
  await db.close();
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/** Raw rates into the readings table (unique index + FK): the ceiling ingest is measured against. */
async function ceiling(): Promise<{ copy: number; unnest: number; writer: Record<WriteMode, number> }> {
  const db = await freshSchema();
  try {
    const series = 1000;
    await db.query("INSERT INTO series (domain, site, metric) SELECT 'factory', 's' || g, 'v' FROM generate_series(1, $1::int) g", [series]);
    const ids = (await db.query<{ id: number }>('SELECT id FROM series ORDER BY id')).rows.map((r) => r.id);
    const n = opts.ceilingRows;
    const lines: string[] = new Array<string>(n);
    const t: number[] = new Array<number>(n), s: number[] = new Array<number>(n), v: number[] = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      const id = ids[i % series] ?? 1;
      const ms = T0 + Math.floor(i / series) * 1000;
      const value = (i % 977) / 7;
      lines[i] = `${new Date(ms).toISOString()}\t${id}\t${value}`;
      t[i] = ms;
      s[i] = id;
      v[i] = value;
    }
    if (!db.copyFrom) throw new Error('no COPY');
    const chunk = 50_000;
    let start = performance.now();
    for (let i = 0; i < n; i += chunk) await db.copyFrom('COPY readings (time, series_id, value) FROM STDIN', `${lines.slice(i, i + chunk).join('\n')}\n`);
    const copy = n / ((performance.now() - start) / 1000);
    await db.query('TRUNCATE readings');
    start = performance.now();
    for (let i = 0; i < n; i += chunk) {
      await db.query(
        "INSERT INTO readings (time, series_id, value) SELECT timestamptz 'epoch' + u.t * interval '1 millisecond', u.s, u.v FROM unnest($1::int8[], $2::int4[], $3::float8[]) AS u(t, s, v)",
        [t.slice(i, i + chunk), s.slice(i, i + chunk), v.slice(i, i + chunk)],
      );
    }
    const unnest = n / ((performance.now() - start) / 1000);
    // The batch writer's two paths, with ON CONFLICT de-duplication and a transaction per batch.
    const writer = {} as Record<WriteMode, number>;
    for (const mode of ['copy', 'unnest'] as const) {
      await db.query('TRUNCATE readings');
      const w = new ReadingWriter(db, { mode });
      const batch = opts.writerBatch;
      start = performance.now();
      for (let i = 0; i < n; i += batch) {
        const items = [];
        for (let k = i; k < Math.min(n, i + batch); k++) items.push({ domain: 'factory', site: `s${(k % series) + 1}`, time: t[k] ?? 0, values: { v: v[k] ?? 0 } });
        await w.write(items);
      }
      writer[mode] = n / ((performance.now() - start) / 1000);
    }
    return { copy, unnest, writer };
  } finally {
    await dropSchema(db);
  }
}

async function kafkaRun(): Promise<{ readingsPerSec: number; lagP50: number; lagP99: number }> {
  const db = await freshSchema();
  const root = `bench${randomBytes(3).toString('hex')}`;
  const topic = kafkaTopic('readings', root);
  const producer = await createKafkaPublisher({ brokers, clientId: 'bench-producer' });
  try {
    await producer.connection.ensureTopics([{ name: topic, partitions: opts.partitions }]);
    const total = opts.kafkaMessages;
    say(`kafka: producing ${total} messages × ${opts.framesPerMessage * opts.metricsPerFrame} readings…`);
    for (let i = 0; i < total; i += 500) {
      const batch = [];
      for (let k = i; k < Math.min(total, i + 500); k++) {
        const m = message(k);
        batch.push({ key: m.site, payload: m.payload });
      }
      await producer.publish(topic, batch);
    }
    const readingsTotal = total * opts.framesPerMessage * opts.metricsPerFrame;
    let first = 0;
    let last = 0;
    let inserted = 0;
    const source = createKafkaSource({ brokers, clientId: 'bench-ingest', groupId: `bench-${root}`, topics: [topic], partitionsConcurrently: opts.concurrency });
    const pipeline = new IngestPipeline({
      db,
      sources: [source],
      topicRoot: root,
      onCommitted: (e: CommittedBatch) => {
        first = first === 0 ? e.firstReceivedAt : Math.min(first, e.firstReceivedAt);
        last = Math.max(last, e.committedAt);
        inserted += e.inserted;
      },
    });
    const started = performance.now();
    await pipeline.start();
    while (inserted < readingsTotal) {
      await new Promise((r) => setTimeout(r, 20));
      if (performance.now() - started > 300_000) throw new Error(`kafka run stalled at ${inserted}/${readingsTotal}`);
    }
    // From the first message handed to ingest to the last commit (excludes the group join).
    const readingsPerSec = readingsTotal / ((last - first) / 1000);
    say(`kafka: ${Math.round(readingsPerSec).toLocaleString('en')} readings/s (${pipeline.writeMode} writer, ${opts.concurrency} partitions at once)`);

    // Lag at a steady, sustainable rate: half the measured throughput, for 5 s.
    const lags: number[] = [];
    const perMessage = opts.framesPerMessage * opts.metricsPerFrame;
    const rate = Math.max(10, Math.floor(readingsPerSec / 2 / perMessage));
    const lagPipeline = new IngestPipeline({
      db,
      sources: [createKafkaSource({ brokers, clientId: 'bench-ingest-lag', groupId: `bench-${root}`, topics: [topic], partitionsConcurrently: opts.concurrency })],
      topicRoot: root,
      onCommitted: (e) => lags.push(...e.lagsMs),
    });
    await pipeline.stop();
    await lagPipeline.start();
    await new Promise((r) => setTimeout(r, 3000)); // group join
    const lagStart = performance.now();
    let sent = 0;
    while (performance.now() - lagStart < 5_000) {
      const due = Math.floor(((performance.now() - lagStart) / 1000) * rate);
      const batch = [];
      for (; sent < due; sent++) {
        const m = message(total + sent, true);
        batch.push({ key: m.site, payload: m.payload });
      }
      if (batch.length > 0) await producer.publish(topic, batch);
      await new Promise((r) => setTimeout(r, 10));
    }
    const deadline = performance.now() + 30_000;
    while (lags.length < sent && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await lagPipeline.stop();
    lags.sort((a, b) => a - b);
    say(`kafka lag at ${rate * perMessage} readings/s: p50 ${percentile(lags, 50)} ms, p99 ${percentile(lags, 99)} ms (${lags.length} messages)`);
    return { readingsPerSec, lagP50: percentile(lags, 50), lagP99: percentile(lags, 99) };
  } finally {
    await producer.close();
    await dropSchema(db);
  }
}

async function mqttRun(ackMode: 'after-commit' | 'on-receipt'): Promise<number> {
  const db = await freshSchema();
  const root = `bench${randomBytes(3).toString('hex')}`;
  const connections = ackMode === 'after-commit' ? opts.mqttConnections : 1;
  const source = createMqttSource({
    url: mqttUrl,
    clientId: `bench-${root}`,
    // A client id per run: a clean session, so the bench leaves nothing queued on the broker.
    session: 'one-off',
    filters: [connections > 1 ? `$share/bench/${root}/v1/readings/+/+` : `${root}/v1/readings/+/+`],
    ackMode,
    connections,
    maxBatchMessages: 200,
  });
  let first = 0;
  let last = 0;
  let messages = 0;
  const pipeline = new IngestPipeline({
    db,
    sources: [source],
    topicRoot: root,
    onCommitted: (e) => {
      first = first === 0 ? e.firstReceivedAt : Math.min(first, e.firstReceivedAt);
      last = Math.max(last, e.committedAt);
      messages += e.messages;
    },
  });
  const pub = await connectMqtt({ url: mqttUrl, clientId: `bench-pub-${root}` });
  try {
    await pipeline.start();
    const total = opts.mqttMessages;
    for (let i = 0; i < total; i += 200) {
      const chunk = [];
      for (let k = i; k < Math.min(total, i + 200); k++) chunk.push(message(k));
      await Promise.all(chunk.map((m) => pub.publishAsync(mqttTopic({ kind: 'readings', domain: 'factory', site: m.site }, root), m.payload, { qos: 1 })));
      // Stay within the broker's per-client queue (Mosquitto drops beyond max_queued_messages).
      while (messages < i - 400) await new Promise((r) => setTimeout(r, 5));
    }
    const deadline = performance.now() + 300_000;
    while (messages < total && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (messages < total) throw new Error(`mqtt run (${ackMode}) got ${messages}/${total} messages`);
    const rate = (total * opts.framesPerMessage * opts.metricsPerFrame) / ((last - first) / 1000);
    say(`mqtt (${ackMode}, ${connections} connection${connections > 1 ? 's' : ''}): ${Math.round(rate).toLocaleString('en')} readings/s`);
    return rate;
  } finally {
    await pipeline.stop();
    await pub.endAsync();
    await dropSchema(db);
  }
}

/**
 * The same messages as mqttRun's (frames × metrics readings of one site each), as Sparkplug B NDATA of
 * 1000 edge nodes (one per site): metrics by alias, one timestamp per frame; the source built by the one
 * wiring (startSources), one connection acking on receipt, as mqttRun('on-receipt'). Births first
 * (not timed), then the data from the first message handed to ingest to the last commit.
 */
async function sparkplugRun(): Promise<number> {
  const db = await freshSchema();
  const root = `bench${randomBytes(3).toString('hex')}`;
  const group = `bench_${root}`;
  const config = loadConfig(sourcesConfigSpec, { env: { HS_MQTT_URL: mqttUrl, HS_TOPIC_ROOT: root, HS_SPARKPLUG_GROUPS: group, HS_SPARKPLUG_HOST_ID: root } });
  const log = createLogger('bench', { level: 'warn' });
  const started = await startSources(['sparkplug'], config, {
    app: 'bench',
    replica: root,
    log,
    topicRoot: root,
    deadLetters: false,
    tuning: { sparkplug: { clientId: `bench-${root}`, session: 'one-off', ackMode: 'on-receipt', maxBatchMessages: 200, primaryHost: false } },
  });
  let first = 0;
  let last = 0;
  let messages = 0;
  let dead = 0;
  let timing = false;
  const pipeline = new IngestPipeline({
    db,
    sources: started.sources,
    topicRoot: root,
    onCommitted: (e) => {
      messages += e.messages;
      dead += e.deadLetters;
      if (!timing) return;
      first = first === 0 ? e.firstReceivedAt : Math.min(first, e.firstReceivedAt);
      last = Math.max(last, e.committedAt);
    },
  });
  const pub = await connectMqtt({ url: mqttUrl, clientId: `bench-pub-${root}` });
  const nodes = 1000;
  const seq = new Array<number>(nodes).fill(0);
  const aliases = Array.from({ length: opts.metricsPerFrame }, (_, m) => ({ name: `m${m}`, alias: m + 1 }));
  try {
    await pipeline.start();
    const births = Array.from({ length: nodes }, (_, n) =>
      pub.publishAsync(`spBv1.0/${group}/NBIRTH/b${n}`, encodeSparkplugPayload({ timestamp: T0, seq: 0, metrics: [...aliases.map((a) => ({ ...a, type: 'Double' as const, value: null })), { name: 'bdSeq', type: 'UInt64' as const, value: 0 }] }), { qos: 1 }),
    );
    await Promise.all(births);
    const bornDeadline = performance.now() + 60_000;
    while (messages < nodes && performance.now() < bornDeadline) await new Promise((r) => setTimeout(r, 10));
    timing = true;
    const counted = messages;
    const total = opts.mqttMessages;
    const payloadOf = (i: number) => {
      const n = i % nodes;
      const base = Math.floor(i / nodes) * opts.framesPerMessage;
      const metrics = [];
      for (let f = 0; f < opts.framesPerMessage; f++) {
        const timestamp = T0 + (base + f) * 1000;
        for (let m = 0; m < opts.metricsPerFrame; m++) metrics.push({ alias: m + 1, type: 'Double' as const, value: ((i * 31 + f * 7 + m) % 1000) / 10, timestamp });
      }
      seq[n] = ((seq[n] ?? 0) + 1) % 256;
      return { topic: `spBv1.0/${group}/NDATA/b${n}`, payload: encodeSparkplugPayload({ timestamp: T0, seq: seq[n], metrics }) };
    };
    for (let i = 0; i < total; i += 200) {
      const chunk = [];
      for (let k = i; k < Math.min(total, i + 200); k++) chunk.push(payloadOf(k));
      await Promise.all(chunk.map((m) => pub.publishAsync(m.topic, m.payload, { qos: 1 })));
      while (messages - counted < i - 400) await new Promise((r) => setTimeout(r, 5));
    }
    const deadline = performance.now() + 300_000;
    while (messages - counted < total && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (messages - counted < total) throw new Error(`sparkplug run got ${messages - counted}/${total} messages`);
    if (dead > 0) throw new Error(`sparkplug run dead-lettered ${dead} messages`);
    const rate = (total * opts.framesPerMessage * opts.metricsPerFrame) / ((last - first) / 1000);
    say(`sparkplug (on-receipt, 1 connection, ${nodes} edge nodes): ${Math.round(rate).toLocaleString('en')} readings/s`);
    return rate;
  } finally {
    await pipeline.stop();
    await started.close();
    await pub.endAsync();
    await dropSchema(db);
  }
}

/**
 * Mapped JSON topics: --json-messages vendor messages {"v": value, "ts": ISO time} of one reading each on
 * {prefix}/plant/{site}/{metric} (1000 sites × the bench's metrics), mapped by an HS_JSON_SOURCES_CONFIG
 * file; the json source built by the one wiring, one connection acking on receipt as mqttRun('on-receipt').
 * Timed from the first message handed to ingest to the last commit.
 */
async function jsonRun(): Promise<number> {
  const db = await freshSchema();
  const root = `bench${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'hs-bench-json-'));
  const file = join(dir, 'json-sources.json');
  writeFileSync(file, JSON.stringify({ topics: [{ topic: `${root}/plant/{site}/{metric}`, domain: 'bench', payload: { value: '/v', time: '/ts' } }] }));
  const config = loadConfig(sourcesConfigSpec, { env: { HS_MQTT_URL: mqttUrl, HS_TOPIC_ROOT: root, HS_JSON_SOURCES_CONFIG: file } });
  const started = await startSources(['json'], config, {
    app: 'bench',
    replica: root,
    log: createLogger('bench', { level: 'warn' }),
    topicRoot: root,
    deadLetters: false,
    tuning: { json: { clientId: `bench-${root}`, session: 'one-off', ackMode: 'on-receipt', maxBatchMessages: 2000, connections: 1 } },
  });
  let first = 0;
  let last = 0;
  let messages = 0;
  let dead = 0;
  const pipeline = new IngestPipeline({
    db,
    sources: started.sources,
    topicRoot: root,
    onCommitted: (e) => {
      messages += e.messages;
      dead += e.deadLetters;
      first = first === 0 ? e.firstReceivedAt : Math.min(first, e.firstReceivedAt);
      last = Math.max(last, e.committedAt);
    },
  });
  const pub = await connectMqtt({ url: mqttUrl, clientId: `bench-pub-${root}` });
  const sites = 1000;
  const total = opts.jsonMessages;
  try {
    await pipeline.start();
    for (let i = 0; i < total; i += 500) {
      const chunk = [];
      for (let k = i; k < Math.min(total, i + 500); k++) {
        const site = k % sites;
        const metric = Math.floor(k / sites) % opts.metricsPerFrame;
        const step = Math.floor(k / (sites * opts.metricsPerFrame));
        chunk.push(pub.publishAsync(`${root}/plant/j${site}/m${metric}`, JSON.stringify({ v: ((k * 31) % 1000) / 10, ts: new Date(T0 + step * 1000).toISOString() }), { qos: 1 }));
      }
      await Promise.all(chunk);
      while (messages < i - 2000) await new Promise((r) => setTimeout(r, 5));
    }
    const deadline = performance.now() + 300_000;
    while (messages < total && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (messages < total) throw new Error(`json run got ${messages}/${total} messages`);
    if (dead > 0) throw new Error(`json run dead-lettered ${dead} messages`);
    const rate = total / ((last - first) / 1000);
    say(`json mapped topics (on-receipt, 1 connection, one reading per message): ${Math.round(rate).toLocaleString('en')} readings/s`);
    return rate;
  } finally {
    await pipeline.stop();
    await started.close();
    await pub.endAsync();
    rmSync(dir, { recursive: true, force: true });
    await dropSchema(db);
  }
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  if (address === null || typeof address === 'string') throw new Error('no free port');
  return address.port;
}

/**
 * OPC UA: a node-opcua server (in a worker thread) with --opcua-variables Double variables, every one
 * changed each 100 ms for --opcua-seconds; one client (the opcua source, built by the one wiring) with
 * one subscription, into the same pipeline and database. Values/s from the first value handed to ingest
 * to the last commit; every value must be stored (none dropped by the server's queues, none dead-lettered).
 * `client`: the same client alone, every value decoded by the source's decoder and dropped (no database),
 * as the 19,600 values/s reference was measured.
 */
async function opcuaRun(into: 'ingest' | 'client'): Promise<{ valuesPerSec: number; offeredPerSec: number }> {
  const db = await freshSchema();
  const metrics = Array.from({ length: 10 }, (_, m) => `m${m}`);
  const sites = Array.from({ length: Math.max(1, Math.round(opts.opcuaVariables / metrics.length)) }, (_, i) => `u${i}`);
  const intervalMs = 100;
  const ticks = Math.round((opts.opcuaSeconds * 1000) / intervalMs);
  const port = await freePort();
  const worker = new Worker(new URL('./opcua-sim-worker.js', import.meta.url), { workerData: { port, sites, metrics, intervalMs, ticks, t0: T0 } });
  const events: { ready?: boolean; done?: number; stopped?: boolean }[] = [];
  worker.on('message', (m: { ready?: boolean; done?: number; stopped?: boolean }) => events.push(m));
  const until = async (what: (e: (typeof events)[number]) => boolean, label: string, ms: number) => {
    const deadline = performance.now() + ms;
    while (!events.some(what)) {
      if (performance.now() > deadline) throw new Error(`opcua run: no ${label} in ${ms} ms`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const dir = mkdtempSync(join(tmpdir(), 'hs-bench-opcua-'));
  const file = join(dir, 'opcua.json');
  writeFileSync(file, JSON.stringify({ endpoints: [{ name: 'bench', url: `opc.tcp://127.0.0.1:${port}/UA/Headstream`, sites, publishingIntervalMs: intervalMs, queueSize: 50, nodes: [{ nodeId: 'ns=1;s={site}.{metric}', sites, metrics }] }] }));
  let started: Awaited<ReturnType<typeof startSources>> | undefined;
  let pipeline: IngestPipeline | undefined;
  try {
    await until((e) => e.ready === true, 'server', 60_000);
    const config = loadConfig(sourcesConfigSpec, { env: { HS_OPCUA_CONFIG: file } });
    started = await startSources(['opcua'], config, { app: 'bench', replica: 'opcua', log: createLogger('bench', { level: 'warn' }), topicRoot: 'hs', deadLetters: false });
    let first = 0;
    let last = 0;
    let values = 0;
    let dead = 0;
    const source = started.sources[0];
    if (into === 'client') {
      // The client alone: values decoded (the one decoder) and dropped, no database.
      await source?.start((batch) => {
        for (const m of batch) {
          const verdict = source.decode?.(m, {});
          if (verdict?.ok === true) values += verdict.readings.reduce((n, r) => n + Object.keys(r.values).length, 0);
          else dead++;
          first = first === 0 ? m.receivedAt : Math.min(first, m.receivedAt);
        }
        last = Date.now();
        return Promise.resolve();
      });
    } else {
      pipeline = new IngestPipeline({
        db,
        sources: started.sources,
        topicRoot: 'hs',
        onCommitted: (e) => {
          values += e.inserted;
          dead += e.deadLetters;
          first = first === 0 ? e.firstReceivedAt : Math.min(first, e.firstReceivedAt);
          last = Math.max(last, e.committedAt);
        },
      });
      await pipeline.start();
    }
    worker.postMessage('go');
    const total = ticks * sites.length * metrics.length;
    await until((e) => e.done !== undefined, 'end of writes', 60_000 + opts.opcuaSeconds * 1000);
    const deadline = performance.now() + 120_000;
    while (values < total && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (values !== total || dead > 0) throw new Error(`opcua run stored ${values}/${total} values (${dead} dead-lettered); source: ${JSON.stringify(started.sources[0]?.health?.())}`);
    const rate = total / ((last - first) / 1000);
    const offered = (sites.length * metrics.length * 1000) / intervalMs;
    say(`opcua ${into === 'client' ? 'client alone (decoded, not stored)' : 'into ingest'} (1 client, 1 subscription, ${sites.length * metrics.length} variables every ${intervalMs} ms = ${offered.toLocaleString('en')} values/s offered): ${Math.round(rate).toLocaleString('en')} values/s`);
    return { valuesPerSec: rate, offeredPerSec: offered };
  } finally {
    if (into === 'client') await started?.sources[0]?.stop();
    await pipeline?.stop();
    await started?.close();
    worker.postMessage('stop');
    await until((e) => e.stopped === true, 'server stop', 10_000).catch(() => undefined);
    await worker.terminate();
    rmSync(dir, { recursive: true, force: true });
    await dropSchema(db);
  }
}

try {
  say(`ingest bench: ${opts.framesPerMessage * opts.metricsPerFrame} readings per message; PostgreSQL ${pgUrl}, MQTT ${mqttUrl}, Kafka ${brokers.join(',')}`);
  const ceil = await ceiling();
  say(`ceiling: COPY ${Math.round(ceil.copy).toLocaleString('en')} rows/s, unnest ${Math.round(ceil.unnest).toLocaleString('en')} rows/s; batch writer: copy ${Math.round(ceil.writer.copy).toLocaleString('en')}, unnest ${Math.round(ceil.writer.unnest).toLocaleString('en')} rows/s`);
  const kafka = await kafkaRun();
  const mqtt = await mqttRun('after-commit');
  const mqttOnReceipt = await mqttRun('on-receipt');
  const sparkplug = await sparkplugRun();
  const json = await jsonRun();
  const opcua = await opcuaRun('ingest');
  const opcuaClient = await opcuaRun('client');
  const ceilingRows = Math.max(ceil.copy, ceil.unnest);
  const result = {
    mqtt_readings_per_s: Math.round(mqtt),
    mqtt_on_receipt_readings_per_s: Math.round(mqttOnReceipt),
    // Sparkplug B beside the frame path of the same run (both one connection acking on receipt).
    sparkplug_readings_per_s: Math.round(sparkplug),
    sparkplug_vs_frame_ratio: Number((sparkplug / mqttOnReceipt).toFixed(3)),
    // Mapped vendor JSON topics (one reading per message) beside the same frame path.
    json_mapped_readings_per_s: Math.round(json),
    json_mapped_vs_frame_ratio: Number((json / mqttOnReceipt).toFixed(3)),
    // OPC UA: values (one reading each) from one client and subscription, with what the server offered.
    opcua_values_per_s: Math.round(opcua.valuesPerSec),
    opcua_client_values_per_s: Math.round(opcuaClient.valuesPerSec),
    opcua_offered_values_per_s: Math.round(opcua.offeredPerSec),
    kafka_readings_per_s: Math.round(kafka.readingsPerSec),
    ceiling_rows_per_s: Math.round(ceilingRows),
    kafka_ratio: Number((kafka.readingsPerSec / ceilingRows).toFixed(3)),
    lag_p50_ms: kafka.lagP50,
    lag_p99_ms: kafka.lagP99,
    peak_rss_mb: Math.round(peakRss / 2 ** 20),
    ceiling_copy_rows_per_s: Math.round(ceil.copy),
    ceiling_unnest_rows_per_s: Math.round(ceil.unnest),
    writer_copy_rows_per_s: Math.round(ceil.writer.copy),
    writer_unnest_rows_per_s: Math.round(ceil.writer.unnest),
    readings_per_message: opts.framesPerMessage * opts.metricsPerFrame,
    kafka_partitions: opts.partitions,
    kafka_concurrency: opts.concurrency,
    mqtt_connections: opts.mqttConnections,
  };
  if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else say(JSON.stringify(result, null, 2));
} catch (error) {
  process.stderr.write(`bench:ingest failed: ${(error as Error).message}\n`);
  process.exitCode = 1;
} finally {
  clearInterval(sampler);
}
