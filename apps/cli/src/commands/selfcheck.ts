import { performance } from 'node:perf_hooks';
import {
  kafkaTopic,
  maskSecrets,
  maskUrl,
  mqttTopic,
  parseMqttTopic,
  parseOptionsOf,
  parseReadingMessage,
  type Logger,
} from '@headstream/core';
import { openDatabase } from '@headstream/store';
import {
  connectMqtt,
  createKafkaConnection,
  encodeSparkplugPayload,
  kafkaFromConfig,
  loadJsonSourcesConfig,
  mqttFromConfig,
  startEmbeddedMqttBroker,
  startSources,
  type DecodeVerdict,
  type IncomingRecord,
} from '@headstream/transport';
import type { CliConfig } from '../config.js';

export interface CheckResult {
  check: string;
  status: 'ok' | 'failed' | 'skipped';
  target: string;
  detail: string;
  ms: number;
}

/**
 * Proves the packages and the configured services work, end to end, without leaving data
 * behind: a reading frame goes through the parser, a transaction through the database,
 * a QoS 1 message through the MQTT broker and a record through a Kafka consumer group.
 */
export async function selfcheck(config: CliConfig, log: Logger): Promise<CheckResult[]> {
  const checks: [string, () => Promise<Omit<CheckResult, 'check' | 'ms'>>][] = [
    ['contracts', () => checkContracts(config)],
    ['database', () => checkDatabase(config)],
    ['mqtt', () => checkMqtt(config)],
    ['kafka', () => checkKafka(config, log)],
    ['sparkplug', () => checkSparkplug(config, log)],
    ['opcua', () => checkOpcua(config, log)],
    ['json', () => checkJsonTopics(config, log)],
  ];
  const results: CheckResult[] = [];
  for (const [check, run] of checks) {
    const start = performance.now();
    try {
      results.push({ check, ...(await run()), ms: Math.round(performance.now() - start) });
    } catch (error) {
      const detail = maskSecrets(error instanceof Error ? error.message.split('\n')[0] ?? error.name : String(error));
      results.push({ check, status: 'failed', target: '', detail, ms: Math.round(performance.now() - start) });
    }
    log.debug({ result: results.at(-1) }, 'check done');
  }
  return results;
}

function sampleFrame(site: string) {
  return { site, ts: new Date().toISOString(), values: { flow: 42, pm25: 17.5 } };
}

function parseOne(payload: Buffer | string, config: CliConfig, domain?: string) {
  const result = parseReadingMessage(payload, { ...parseOptionsOf(config), ...(domain === undefined ? {} : { domain }) });
  if (!result.ok) throw new Error(`parser rejected a valid frame: ${result.reason}: ${result.detail}`);
  return result.readings;
}

function checkContracts(config: CliConfig) {
  const readings = parseOne(JSON.stringify([sampleFrame('selfcheck'), sampleFrame('selfcheck-2')]), config, 'city');
  const bad = parseReadingMessage(JSON.stringify({ ...sampleFrame('x'), values: { v: 'NaN' } }), { domain: 'city' });
  if (bad.ok) throw new Error('parser accepted a bad frame');
  const topic = mqttTopic({ kind: 'readings', domain: 'city', site: 'selfcheck' }, config.topicRoot);
  if (parseMqttTopic(topic, config.topicRoot)?.kind !== 'readings') throw new Error(`topic ${topic} does not round-trip`);
  return Promise.resolve({ status: 'ok' as const, target: 'in process', detail: `${readings.length} frames parsed, bad frame rejected (${bad.reason})` });
}

async function checkDatabase(config: CliConfig) {
  const db = await openDatabase({ ...(config.pgUrl === undefined ? {} : { url: config.pgUrl }), applicationName: 'headstream-selfcheck', createSchema: false });
  try {
    const version = (await db.query<{ v: string }>("SELECT current_setting('server_version') AS v")).rows[0]?.v ?? '?';
    const timescale = (await db.query("SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'")).rowCount > 0;
    // A temporary table dropped at COMMIT: nothing is left behind.
    const counted = await db.transaction(async (tx) => {
      await tx.query('CREATE TEMPORARY TABLE hs_selfcheck (time timestamptz NOT NULL, value double precision NOT NULL) ON COMMIT DROP');
      await tx.query("INSERT INTO hs_selfcheck SELECT now() - g * interval '1 second', g FROM generate_series(1, $1::int) g", [100]);
      const { rows } = await tx.query<{ n: number; s: number }>('SELECT count(*)::int AS n, sum(value)::float8 AS s FROM hs_selfcheck');
      return rows[0];
    });
    if (counted?.n !== 100 || counted.s !== 5050) throw new Error(`transaction read back ${JSON.stringify(counted)}`);
    return {
      status: 'ok' as const,
      target: db.kind === 'pglite' ? 'embedded PGlite (in memory)' : maskUrl(config.pgUrl ?? ''),
      detail: `PostgreSQL ${version}, 100 rows written and read in a transaction, TimescaleDB ${timescale ? 'available' : 'not available (plain PostgreSQL path)'}`,
    };
  } finally {
    await db.close();
  }
}

async function checkMqtt(config: CliConfig) {
  const embedded = config.mqttUrl === undefined ? await startEmbeddedMqttBroker() : undefined;
  const url = embedded?.url ?? config.mqttUrl ?? '';
  const protocolVersion = embedded ? embedded.protocolVersion : 5;
  const root = config.topicRoot;
  const site = `selfcheck-${process.pid}-${Date.now().toString(36)}`;
  const received: Buffer[] = [];
  // The configured credentials and TLS (an embedded broker of our own needs none).
  const clientOpts = { ...(embedded ? { url } : mqttFromConfig(config, url)), protocolVersion, reconnectPeriodMs: 0, connectTimeoutMs: 5_000 } as const;
  const sub = await connectMqtt({ ...clientOpts, clientId: `${site}-sub`, onMessage: (_t, payload) => received.push(payload) });
  try {
    const pub = await connectMqtt({ ...clientOpts, clientId: `${site}-pub` });
    const topic = mqttTopic({ kind: 'readings', domain: 'city', site }, root);
    await sub.subscribeAsync(topic, { qos: 1 });
    await pub.publishAsync(topic, JSON.stringify(sampleFrame(site)), { qos: 1 });
    await pub.endAsync();
    await waitFor(() => received.length > 0, 5_000, 'the published reading to come back');
    const readings = parseOne(received[0] ?? '', config, 'city');
    return {
      status: 'ok' as const,
      target: embedded ? `embedded aedes broker (${url})` : maskUrl(url),
      detail: `QoS 1 publish → subscribe round trip, ${readings.length} reading parsed`,
    };
  } finally {
    await sub.endAsync();
    await embedded?.close();
  }
}

async function checkKafka(config: CliConfig, log: Logger) {
  if (config.kafkaBrokers === undefined) return { status: 'skipped' as const, target: '', detail: 'HS_KAFKA_BROKERS is not set' };
  const kafka = createKafkaConnection(kafkaFromConfig(config, 'headstream-selfcheck', log));
  try {
    const topic = kafkaTopic('readings', `${config.topicRoot}.selfcheck`);
    await kafka.ensureTopics([{ name: topic, partitions: 1 }]);
    const producer = await kafka.producer();
    const site = `selfcheck-${process.pid}-${Date.now().toString(36)}`;
    await producer.send(topic, [{ key: site, value: JSON.stringify({ ...sampleFrame(site), domain: 'city' }) }]);
    await producer.close();
    const got: IncomingRecord[] = [];
    const groupId = `headstream-selfcheck-${site}`;
    const consumer = await kafka.consume({
      groupId,
      topics: [topic],
      maxWaitMs: 250,
      onBatch: (records) => {
        got.push(...records.filter((r) => r.key?.toString() === site));
      },
    });
    try {
      await waitFor(() => got.length > 0, 30_000, 'the produced record to be consumed');
    } finally {
      await consumer.close();
    }
    parseOne(got[0]?.value ?? '', config);
    const committed = await kafka.committedOffsets(groupId, topic);
    return {
      status: 'ok' as const,
      target: config.kafkaBrokers.join(','),
      detail: `produce → consumer group round trip on ${topic}, offset ${committed[0]?.offset ?? '?'} committed`,
    };
  } finally {
    await kafka.close();
  }
}

/**
 * The sparkplug source as ingest builds it (startSources, the configured broker and credentials), on a
 * group of its own (`{first group}-selfcheck-...`, so a running ingest stores nothing of it): an NBIRTH
 * naming a metric and its alias, then an NDATA by alias, decoded back into a reading.
 */
async function checkSparkplug(config: CliConfig, log: Logger) {
  const groups = (config.sparkplugGroups ?? '').split(',').map((g) => g.trim()).filter((g) => g.length > 0);
  if (groups.length === 0) return { status: 'skipped' as const, target: '', detail: 'HS_SPARKPLUG_GROUPS is not set' };
  if (config.mqttUrl === undefined) throw new Error('HS_SPARKPLUG_GROUPS is set but HS_MQTT_URL is not');
  const node = `selfcheck-${process.pid}-${Date.now().toString(36)}`;
  const group = `${groups[0] ?? 'g'}-${node}`;
  const started = await startSources(['sparkplug'], { ...config, sparkplugGroups: group }, { app: 'selfcheck', replica: node, log, topicRoot: config.topicRoot, deadLetters: false, tuning: { sparkplug: { primaryHost: false, session: 'one-off' } } });
  const source = started.sources[0];
  if (!source?.decode) throw new Error('the sparkplug source has no decoder');
  const verdicts: DecodeVerdict[] = [];
  try {
    await source.start((batch) => {
      for (const m of batch) verdicts.push(source.decode?.(m, { ...parseOptionsOf(config), topicRoot: config.topicRoot }) ?? { ok: false, reason: 'none', detail: '' });
      return Promise.resolve();
    });
    const pub = await connectMqtt({ ...mqttFromConfig(config, config.mqttUrl), reconnectPeriodMs: 0, connectTimeoutMs: 5_000, clientId: `${node}-edge` });
    const now = Date.now();
    await pub.publishAsync(`spBv1.0/${group}/NBIRTH/${node}`, encodeSparkplugPayload({ timestamp: now, seq: 0, metrics: [{ name: 'flow', alias: 1, type: 'Double', value: null }, { name: 'bdSeq', type: 'UInt64', value: 0 }] }), { qos: 1 });
    await pub.publishAsync(`spBv1.0/${group}/NDATA/${node}`, encodeSparkplugPayload({ timestamp: now, seq: 1, metrics: [{ alias: 1, type: 'Double', value: 42, timestamp: now }] }), { qos: 1 });
    await pub.endAsync();
    await waitFor(() => verdicts.length >= 2, 5_000, 'the NBIRTH and NDATA to come back');
    const data = verdicts[1];
    if (!data?.ok || data.readings[0]?.values.flow !== 42) throw new Error(`the NDATA did not decode to flow = 42: ${JSON.stringify(data)}`);
    return { status: 'ok' as const, target: maskUrl(config.mqttUrl), detail: `NBIRTH + NDATA by alias round trip on spBv1.0/${group}/#, decoded to ${data.readings.length} reading` };
  } finally {
    await source.stop();
    await started.close();
  }
}

/**
 * The json source as ingest builds it (startSources, HS_JSON_SOURCES_CONFIG validated, the configured
 * broker and credentials): it connects and subscribes every template's filter, then stops. It publishes
 * nothing, since a running ingest would store it on the devices' own topics.
 */
async function checkJsonTopics(config: CliConfig, log: Logger) {
  if (config.jsonSourcesConfig === undefined) return { status: 'skipped' as const, target: '', detail: 'HS_JSON_SOURCES_CONFIG is not set' };
  if (config.mqttUrl === undefined) throw new Error('HS_JSON_SOURCES_CONFIG is set but HS_MQTT_URL is not');
  const replica = `selfcheck-${process.pid}-${Date.now().toString(36)}`;
  const started = await startSources(['json'], config, { app: 'selfcheck', replica, log, topicRoot: config.topicRoot, deadLetters: false, tuning: { json: { session: 'one-off' } } });
  const source = started.sources[0];
  if (!source?.decode) throw new Error('the json source has no decoder');
  try {
    await source.start(() => Promise.resolve());
    const templates = loadJsonSourcesConfig(config.jsonSourcesConfig).topics.length;
    return { status: 'ok' as const, target: maskUrl(config.mqttUrl), detail: `${templates} topic template(s) valid and subscribed` };
  } finally {
    await source.stop();
    await started.close();
  }
}

/**
 * The opcua source as ingest builds it (startSources, HS_OPCUA_CONFIG): a session on every endpoint
 * and a subscription with every mapped variable monitored (a NodeId the server refuses or a browse
 * path that does not resolve fails, named); the values of the first publish response are decoded by
 * its decoder with the configured limits and allow-lists. Stores nothing.
 */
async function checkOpcua(config: CliConfig, log: Logger) {
  if (config.opcuaConfig === undefined) return { status: 'skipped' as const, target: '', detail: 'HS_OPCUA_CONFIG is not set' };
  const started = await startSources(['opcua'], config, { app: 'selfcheck', replica: `${process.pid}`, log, topicRoot: config.topicRoot, deadLetters: false });
  const source = started.sources[0];
  if (!source?.decode) throw new Error('the opcua source has no decoder');
  const verdicts: DecodeVerdict[] = [];
  try {
    await source.start((batch) => {
      for (const m of batch) verdicts.push(source.decode?.(m, { ...parseOptionsOf(config), topicRoot: config.topicRoot }) ?? { ok: false, reason: 'none', detail: '' });
      return Promise.resolve();
    });
    // The initial values come with the first publish response (none for variables without a value yet).
    await waitFor(() => verdicts.length > 0, 2_000, 'initial values').catch(() => undefined);
    const health = (source.health?.() ?? {}) as { endpoints?: Record<string, { url: string; variables: number }> };
    const endpoints = Object.values(health.endpoints ?? {});
    const readings = verdicts.reduce((n, v) => n + (v.ok ? v.readings.reduce((k, r) => k + Object.keys(r.values).length, 0) : 0), 0);
    const refused = verdicts.filter((v) => !v.ok).map((v) => (v.ok ? '' : v.reason));
    return {
      status: 'ok' as const,
      target: endpoints.map((e) => e.url).join(', '),
      detail: `${endpoints.length} endpoint(s), ${endpoints.reduce((n, e) => n + e.variables, 0)} variables monitored; initial values: ${readings} readings${refused.length > 0 ? `, ${refused.length} refused (${[...new Set(refused)].join(', ')})` : ''}`,
    };
  } finally {
    await source.stop();
    await started.close();
  }
}

async function waitFor(done: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const start = Date.now();
  while (!done()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
