import { readFileSync } from 'node:fs';
import { cfg, checkReadingFrames, ConfigError, field, type InboundOptions } from '@headstream/core';
import type * as OpcuaClientModule from 'node-opcua-client';
import type { ClientSession, ClientSubscription, DataValue, OPCUAClient, UserIdentityInfo } from 'node-opcua-client';
import type { DecodeVerdict, InboundMessage, MessageSource } from '../source.js';
import { defineSource } from './types.js';
import { loadOpcuaConfig, opcuaNodesOf, type OpcuaConfig, type OpcuaEndpointConfig, type OpcuaNodeMapping } from './opcua-config.js';

/**
 * OPC UA source: one client session per endpoint, one subscription with a monitored item per mapped
 * variable (never polling). The Good values of one publish response become one InboundMessage per
 * site (topic `opcua/{endpoint}/{site}`, payload a JSON array of NodeId, value, StatusCode and both
 * timestamps); any other value is a message of its own, so it is dead-lettered alone. The source's
 * decode maps a message to readings (values of one time make one frame), or to a reason:
 *   bad_status    the StatusCode is not Good (the detail names it, e.g. BadSensorFailure)
 *   site_mismatch the mapping names a site the endpoint may not publish for (its `sites`)
 *   site_not_allowed / domain_not_allowed / bad_timestamp / ...: the same checks as every frame (checkReadingFrames)
 *
 * Reconnects: node-opcua's client reconnects on its own (connectionStrategy), re-activates the
 * session or creates a new one, and transfers the subscription to it or, when the server lost it
 * (a restart), recreates it with its monitored items. What is lost is what the server did not keep:
 * a monitored item queues at most `queueSize` values between two publish responses (oldest
 * discarded beyond: the next value carries the Overflow bit, counted in stats().overflows), and a
 * server restart loses its queues and every change made while no subscription existed (only each
 * variable's value at re-subscription comes again). Values are acknowledged to the server with the
 * next publish request, before ingest commits: a crash of the reader loses the values in hand.
 *
 * Bounded memory: at most maxQueueMessages values received and not yet handled; beyond it the
 * subscription's publishing is turned off, so the server holds (and bounds, queueSize per item)
 * the changes until the queue drains.
 */
export interface OpcuaSourceOptions {
  config: OpcuaConfig;
  /** Client application name (and the session's name). */
  applicationName?: string;
  maxBatchMessages?: number;
  maxQueueMessages?: number;
  onError?: (error: Error) => void;
  /** node-opcua's own warnings (slow handlers, certificate checks), one line each. */
  onWarning?: (line: string) => void;
}

export interface OpcuaSourceStats {
  /** Data changes received. */
  values: number;
  /** Values that arrived with the Overflow bit: the server discarded older ones of that item before them. */
  overflows: number;
  /** Values skipped because the server had none yet (BadWaitingForInitialData, e.g. right after a server start). */
  waiting: number;
  /** Sessions restored after a connection loss (transferred or recreated subscription). */
  restored: number;
  /** Queued (received, not yet handled) now and at most. */
  queued: number;
  peakQueued: number;
  /** Times publishing was paused because the queue was full. */
  pauses: number;
}

export const OPCUA_SOURCE_DEFAULTS = { maxBatchMessages: 2_000, maxQueueMessages: 50_000 } as const;

/** One value as a message carries it (a message's payload is a JSON array of these). */
interface Item {
  /** NodeId. */
  id: string;
  v: unknown;
  /** StatusCode value and name. */
  s: number;
  n: string;
  /** Server and source timestamps, epoch ms (absent: the server sent none). */
  st?: number;
  dt?: number;
}

interface Endpoint {
  config: OpcuaEndpointConfig;
  nodes: OpcuaNodeMapping[];
  /** NodeId → mapping */
  byNode: Map<string, OpcuaNodeMapping>;
  sites: Set<string>;
  client?: OPCUAClient;
  session?: ClientSession;
  subscription?: ClientSubscription;
  connected: boolean;
  /** Resolved NodeIds, in nodes' order. */
  resolved: string[];
}

/** A message's topic: the endpoint and the site its values are mapped to. */
export const opcuaTopic = (endpoint: string, site: string): string => `opcua/${endpoint}/${site}`;

type OpcuaModule = typeof OpcuaClientModule;

let loaded: Promise<OpcuaModule> | undefined;
/**
 * node-opcua-client, loaded on first use: importing it runs a 4096-bit RSA self-test and prints its
 * warnings, which no app that does not read OPC UA should pay for. Its warnings and errors go to `log`.
 */
function loadOpcua(log: (level: 'warn' | 'error', line: string) => void): Promise<OpcuaModule> {
  loaded ??= import('node-opcua-client').then((ua) => {
    const sink = (level: 'warn' | 'error') => (...args: unknown[]) => {
      const line = args.filter((a) => typeof a === 'string' || typeof a === 'number').join(' ').trim();
      // W27: RSA PKCS#1 v1.5 is unusable on this Node; only Basic128Rsa15 needs it, which is not offered.
      if (line !== '' && !/W27|security-revert/.test(line)) log(level, line);
    };
    ua.setWarningLogger(sink('warn'));
    ua.setErrorLogger(sink('error'));
    ua.setDebugLogger(() => undefined);
    return ua;
  });
  return loaded;
}

function numberOf(ua: OpcuaModule, dv: DataValue): number | undefined {
  const { DataType } = ua;
  const v: unknown = dv.value.value;
  switch (dv.value.dataType) {
    case DataType.Double:
    case DataType.Float:
    case DataType.Int16:
    case DataType.UInt16:
    case DataType.Int32:
    case DataType.UInt32:
    case DataType.SByte:
    case DataType.Byte:
      return typeof v === 'number' ? v : undefined;
    case DataType.Boolean:
      return v === true ? 1 : v === false ? 0 : undefined;
    case DataType.Int64:
    case DataType.UInt64:
      // node-opcua's [high, low] 32-bit words.
      return Array.isArray(v) && v.length === 2 ? (v[0] as number) * 2 ** 32 + (v[1] as number) : undefined;
    default:
      return undefined;
  }
}

/** Creates the source; start() connects to every endpoint and subscribes. */
export function createOpcuaSource(options: OpcuaSourceOptions): MessageSource & { stats(): OpcuaSourceStats } {
  const maxBatchMessages = options.maxBatchMessages ?? OPCUA_SOURCE_DEFAULTS.maxBatchMessages;
  const maxQueueMessages = Math.max(1, options.maxQueueMessages ?? OPCUA_SOURCE_DEFAULTS.maxQueueMessages);
  const endpoints: Endpoint[] = options.config.endpoints.map((config) => {
    const nodes = opcuaNodesOf(config);
    return { config, nodes, byNode: new Map(), sites: new Set(config.sites), connected: false, resolved: [] };
  });
  const byName = new Map(endpoints.map((e) => [e.config.name, e]));
  const stats: OpcuaSourceStats = { values: 0, overflows: 0, waiting: 0, restored: 0, queued: 0, peakQueued: 0, pauses: 0 };
  let pending: InboundMessage[] = [];
  /** Values per message in hand (for the queue bound). */
  const valuesOf = new WeakMap<InboundMessage, number>();
  /** Good values of this burst (one publish response), by endpoint and site: one message each. */
  const groups = new Map<string, Item[]>();
  let scheduled = false;
  let handler: ((batch: InboundMessage[]) => Promise<void>) | undefined;
  let chain: Promise<void> = Promise.resolve();
  let stopping = false;
  let paused = false;
  const fail = (error: unknown) => options.onError?.(error instanceof Error ? error : new Error(String(error)));

  const setPublishing = (on: boolean) => {
    paused = !on;
    if (!on) stats.pauses++;
    for (const e of endpoints) e.subscription?.setPublishingMode(on).catch(fail);
  };

  const enqueue = (topic: string, items: Item[]) => {
    const message: InboundMessage = { source: 'opcua', topic, payload: Buffer.from(JSON.stringify(items)), receivedAt: Date.now() };
    valuesOf.set(message, items.length);
    pending.push(message);
  };

  const flush = () => {
    scheduled = false;
    for (const [topic, items] of groups) enqueue(topic, items);
    groups.clear();
    if (pending.length === 0 || !handler) return;
    const run = handler;
    while (pending.length > 0) {
      const batch = pending.slice(0, maxBatchMessages);
      pending = pending.slice(batch.length);
      const values = batch.reduce((n, m) => n + (valuesOf.get(m) ?? 1), 0);
      chain = chain.then(async () => {
        try {
          await run(batch);
        } catch (error) {
          // OPC UA has no re-delivery of acknowledged notifications: the batch is lost. Say so.
          fail(new Error(`OPC UA: a batch of ${values} values was not handled and is lost: ${error instanceof Error ? error.message : String(error)}`));
        } finally {
          stats.queued -= values;
          if (paused && stats.queued <= maxQueueMessages / 2 && !stopping) setPublishing(true);
        }
      });
    }
  };

  const accept = (ua: OpcuaModule, e: Endpoint, index: number, dv: DataValue) => {
    if (stopping) return;
    const nodeId = e.resolved[index];
    const mapping = nodeId === undefined ? undefined : e.byNode.get(nodeId);
    if (nodeId === undefined || mapping === undefined) return;
    const value = numberOf(ua, dv);
    const item: Item = {
      id: nodeId,
      v: value ?? (dv.value.value === null || dv.value.value === undefined ? null : String(dv.value.value as unknown)),
      s: dv.statusCode.value,
      n: dv.statusCode.name,
      ...(dv.serverTimestamp ? { st: dv.serverTimestamp.getTime() } : {}),
      ...(dv.sourceTimestamp ? { dt: dv.sourceTimestamp.getTime() } : {}),
    };
    stats.values++;
    if (dv.statusCode.hasOverflowBit) stats.overflows++;
    // No value yet (a variable the server has not sampled since it started): nothing to read, not a fault.
    if (dv.statusCode.value === ua.StatusCodes.BadWaitingForInitialData.value) {
      stats.waiting++;
      return;
    }
    const topic = opcuaTopic(e.config.name, mapping.site);
    // A Good number joins its site's message of this burst; anything else is a message of its own, so
    // that it is dead-lettered alone (the decoder checks every value again either way).
    if (value !== undefined && (dv.statusCode.value >>> 30) === 0) {
      const group = groups.get(topic);
      if (group) group.push(item);
      else groups.set(topic, [item]);
    } else enqueue(topic, [item]);
    stats.queued++;
    stats.peakQueued = Math.max(stats.peakQueued, stats.queued);
    if (stats.queued >= maxQueueMessages && !paused) setPublishing(false);
    if (!scheduled) {
      scheduled = true;
      // One publish response delivers its notifications synchronously: batch them together.
      setImmediate(flush);
    }
  };

  const identityOf = (ua: OpcuaModule, c: OpcuaEndpointConfig): UserIdentityInfo => {
    const { UserTokenType } = ua;
    if (c.x509Identity && c.certificateFile !== undefined && c.privateKeyFile !== undefined) {
      return { type: UserTokenType.Certificate, certificateData: readFileSync(c.certificateFile), privateKey: readFileSync(c.privateKeyFile, 'utf8') } as unknown as UserIdentityInfo;
    }
    if (c.username !== undefined) {
      const password = c.passwordEnv !== undefined ? (process.env[c.passwordEnv] ?? '') : (c.password ?? '');
      return { type: UserTokenType.UserName, userName: c.username, password };
    }
    return { type: UserTokenType.Anonymous };
  };

  const connect = async (ua: OpcuaModule, e: Endpoint) => {
    const c = e.config;
    const { AttributeIds, ClientMonitoredItemGroup, DataChangeFilter, DataChangeTrigger, DeadbandType, makeBrowsePath, MessageSecurityMode, OPCUAClient, SecurityPolicy, TimestampsToReturn } = ua;
    const securityModeOf = { None: MessageSecurityMode.None, Sign: MessageSecurityMode.Sign, SignAndEncrypt: MessageSecurityMode.SignAndEncrypt } as const;
    const securityPolicyOf = {
      None: SecurityPolicy.None,
      Basic256Sha256: SecurityPolicy.Basic256Sha256,
      Aes128_Sha256_RsaOaep: SecurityPolicy.Aes128_Sha256_RsaOaep,
      Aes256_Sha256_RsaPss: SecurityPolicy.Aes256_Sha256_RsaPss,
    } as const;
    const client = OPCUAClient.create({
      applicationName: options.applicationName ?? 'headstream',
      endpointMustExist: false,
      securityMode: securityModeOf[c.securityMode],
      securityPolicy: securityPolicyOf[c.securityPolicy],
      keepSessionAlive: true,
      requestedSessionTimeout: 60_000,
      connectionStrategy: { initialDelay: 100, maxDelay: 2_000, maxRetry: 1_000_000_000 },
      ...(c.certificateFile !== undefined ? { certificateFile: c.certificateFile, privateKeyFile: c.privateKeyFile } : {}),
    });
    e.client = client;
    client.on('connection_lost', () => {
      e.connected = false;
    });
    client.on('backoff', (retry: number) => {
      if (retry > 0 && retry % 10 === 0) fail(new Error(`OPC UA ${c.name}: ${c.url} unreachable, retry ${retry}`));
    });
    await client.connect(c.url);
    const session = await client.createSession(identityOf(ua, c));
    e.session = session;
    session.on('session_restored', () => {
      stats.restored++;
      e.connected = true;
    });
    // Browse paths → NodeIds, once (a recreated subscription monitors the same NodeIds).
    e.resolved = [];
    const paths = e.nodes.map((n, i) => ({ n, i })).filter(({ n }) => n.browsePath !== undefined);
    const results = paths.length === 0 ? [] : await session.translateBrowsePath(paths.map(({ n }) => makeBrowsePath('RootFolder', n.browsePath ?? '')));
    const byIndex = new Map(paths.map(({ i }, k) => [i, results[k]]));
    for (const [i, n] of e.nodes.entries()) {
      if (n.nodeId !== undefined) e.resolved.push(n.nodeId);
      else {
        const r = byIndex.get(i);
        const target = r?.targets?.[0]?.targetId;
        if (!r || !r.statusCode.isGood() || !target) throw new Error(`OPC UA ${c.name}: browse path ${n.browsePath ?? ''} (${n.site}/${n.metric}) does not resolve: ${r?.statusCode.name ?? 'no result'}`);
        e.resolved.push(target.toString());
      }
    }
    e.byNode = new Map(e.nodes.map((n, i) => [e.resolved[i] ?? '', n]));
    const subscription = await session.createSubscription2({
      requestedPublishingInterval: c.publishingIntervalMs,
      // The subscription outlives a connection loss of lifetime × publishing interval (≥ 60 s) so it can be transferred.
      requestedLifetimeCount: Math.max(600, Math.ceil(60_000 / c.publishingIntervalMs)),
      requestedMaxKeepAliveCount: Math.max(10, Math.ceil(5_000 / c.publishingIntervalMs / 3)),
      maxNotificationsPerPublish: 0,
      publishingEnabled: true,
      priority: 10,
    });
    e.subscription = subscription;
    // Monitored items in groups (a few thousand per CreateMonitoredItems call).
    const chunk = 1_000;
    for (let from = 0; from < e.resolved.length; from += chunk) {
      const ids = e.resolved.slice(from, from + chunk);
      const group = ClientMonitoredItemGroup.create(
        subscription,
        ids.map((nodeId) => ({ nodeId, attributeId: AttributeIds.Value })),
        {
          samplingInterval: c.samplingIntervalMs,
          queueSize: c.queueSize,
          discardOldest: true,
          // Every sample is a reading, an unchanged value at a new time too (the default trigger, StatusValue, drops repeats).
          filter: new DataChangeFilter({ trigger: DataChangeTrigger.StatusValueTimestamp, deadbandType: DeadbandType.None }),
        },
        TimestampsToReturn.Both,
      );
      group.on('changed', (_item, dv, index) => accept(ua, e, from + index, dv));
      group.on('err', (message) => fail(new Error(`OPC UA ${c.name}: monitored items: ${message}`)));
      await new Promise<void>((resolve, reject) => {
        group.once('initialized', () => resolve());
        group.once('terminated', (error: unknown) => reject(error instanceof Error ? error : new Error(String(error))));
      });
      // A NodeId the server does not know (or may not be read) is refused item by item: a config error, named.
      const refused = group.monitoredItems.map((item, k) => ({ item, k })).filter(({ item }) => !item.statusCode.isGood());
      if (refused.length > 0) {
        const { item, k } = refused[0] as (typeof refused)[number];
        const n = e.nodes[from + k];
        throw new Error(`OPC UA ${c.name}: ${refused.length} of ${ids.length} monitored items refused, e.g. ${ids[k] ?? ''} (${n?.site ?? ''}/${n?.metric ?? ''}): ${item.statusCode.name}`);
      }
    }
    e.connected = true;
  };

  return {
    kind: 'opcua',
    decode(message: InboundMessage, inbound: InboundOptions): DecodeVerdict {
      const [, endpointName = '', site = ''] = message.topic.split('/', 3);
      const e = byName.get(endpointName);
      if (!e) return { ok: false, reason: 'bad_topic', detail: `${message.topic.slice(0, 200)} names no configured OPC UA endpoint` };
      let items: Item[];
      try {
        items = JSON.parse(message.payload.toString('utf8')) as Item[];
      } catch (error) {
        return { ok: false, reason: 'not_json', detail: (error as Error).message };
      }
      if (!Array.isArray(items) || items.length === 0) return { ok: false, reason: 'bad_shape', detail: 'expected a non-empty array of OPC UA values' };
      // Values of one site at one time make one frame.
      const frames = new Map<string, { site: string; domain: string; ts: number; values: Record<string, number> }>();
      for (const p of items) {
        const mapping = e.byNode.get(p.id);
        if (!mapping || mapping.site !== site) return { ok: false, reason: 'bad_topic', detail: `${e.config.name} ${String(p.id).slice(0, 200)} is no variable mapped to site ${site}` };
        const where = `${e.config.name} ${p.id} (${mapping.site}/${mapping.metric})`;
        // Severity bits 30-31: 00 Good, 01 Uncertain, 10 Bad. Only Good values are readings.
        if (p.s >>> 30 !== 0) return { ok: false, reason: 'bad_status', detail: `${p.n} (0x${(p.s >>> 0).toString(16).padStart(8, '0')}) from ${where}` };
        if (!e.sites.has(mapping.site)) {
          return { ok: false, reason: 'site_mismatch', detail: `${where}: endpoint ${e.config.name} may not publish for site ${mapping.site} (its sites: ${[...e.sites].join(', ')})` };
        }
        const ts = e.config.timestamps === 'server' ? p.st : p.dt;
        if (ts === undefined) return { ok: false, reason: 'bad_timestamp', detail: `${where}: the server sent no ${e.config.timestamps} timestamp` };
        if (typeof p.v !== 'number') return { ok: false, reason: 'bad_value', detail: `${where}: value ${JSON.stringify(p.v)?.slice(0, 100)} is not a number` };
        const key = `${mapping.domain}/${ts}`;
        const frame = frames.get(key) ?? { site: mapping.site, domain: mapping.domain, ts, values: {} };
        frame.values[mapping.metric] = p.v;
        frames.set(key, frame);
      }
      return checkReadingFrames([...frames.values()], inbound, frames.size > 1);
    },
    async start(onBatch) {
      handler = onBatch;
      const ua = await loadOpcua((level, line) => (level === 'error' ? options.onError?.(new Error(`node-opcua: ${line}`)) : options.onWarning?.(`node-opcua: ${line}`)));
      try {
        for (const e of endpoints) await connect(ua, e);
      } catch (error) {
        stopping = true;
        for (const e of endpoints) await e.client?.disconnect().catch(() => undefined);
        throw error;
      }
    },
    async stop() {
      stopping = true;
      flush();
      await chain;
      for (const e of endpoints) {
        await e.subscription?.terminate().catch(() => undefined);
        await e.session?.close().catch(() => undefined);
        await e.client?.disconnect().catch(() => undefined);
        e.connected = false;
      }
    },
    connected: () => !stopping && endpoints.every((e) => e.connected),
    health: () => ({ endpoints: Object.fromEntries(endpoints.map((e) => [e.config.name, { url: e.config.url, connected: e.connected, variables: e.nodes.length }])), ...stats }),
    stats: () => ({ ...stats }),
  };
}

/** Tuning keys: maxBatchMessages, maxQueueMessages. */
export type OpcuaTuning = Partial<Pick<OpcuaSourceOptions, 'maxBatchMessages' | 'maxQueueMessages'>>;

/**
 * OPC UA variables by subscription (HS_OPCUA_CONFIG: endpoints, security, identity, the sites each
 * may publish for, NodeIds or browse paths mapped to site and metric). Dead letters: the table only.
 */
export const opcuaSource = defineSource({
  kind: 'opcua',
  summary: 'OPC UA variables by subscription, mapped to sites and metrics by the HS_OPCUA_CONFIG file',
  configSpec: {
    opcuaConfig: field('HS_OPCUA_CONFIG', cfg.string().optional(), 'a JSON file mapping OPC UA endpoints and variables to sites and metrics (README, OPC UA)'),
  },
  enabledByDefault: (config) => config.opcuaConfig !== undefined,
  configProblems: (config) => {
    if (config.opcuaConfig === undefined) return [{ key: 'HS_OPCUA_CONFIG', line: 'config: HS_OPCUA_CONFIG: expected a JSON file mapping OPC UA variables to sites and metrics, since the opcua source is on; it is not set' }];
    try {
      loadOpcuaConfig(config.opcuaConfig);
      return [];
    } catch (error) {
      if (error instanceof ConfigError) return error.problems;
      throw error;
    }
  },
  create(config, context) {
    if (config.opcuaConfig === undefined) throw new Error('config: HS_OPCUA_CONFIG: expected a JSON file mapping OPC UA variables to sites and metrics; it is not set');
    const tuning = (context.tuning?.opcua ?? {}) as OpcuaTuning;
    const source = createOpcuaSource({
      config: loadOpcuaConfig(config.opcuaConfig),
      onWarning: (line) => context.log.info(line),
      onError: (error) => context.log.warn({ err: error }, 'OPC UA source error'),
      ...tuning,
    });
    return Promise.resolve({ source, close: () => Promise.resolve() });
  },
});
