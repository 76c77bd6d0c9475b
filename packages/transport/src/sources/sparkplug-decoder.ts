import { readFileSync } from 'node:fs';
import { checkReadingFrames, ConfigError, isValidName, NAME_PATTERN, type EdgeNodeStatus, type InboundOptions } from '@headstream/core';
import * as sparkplugPayload from 'sparkplug-payload';
import { z } from 'zod';
import type { DecodeVerdict, InboundMessage } from '../source.js';

/**
 * Sparkplug B (Eclipse Tahu) as a Primary Host application reads it: NBIRTH/DBIRTH name the metrics
 * and give their aliases and datatypes, NDATA/DDATA are resolved by alias, `seq` (0-255, per edge node)
 * must follow on from the previous message, NDEATH (with the NBIRTH's bdSeq) and DDEATH mark the node
 * or device offline. A gap, DATA before BIRTH or an alias the BIRTH did not announce is refused with a
 * reason and asks the edge node for a rebirth (NCMD `Node Control/Rebirth` = true). Each BIRTH and DEATH
 * is reported in the verdict's `nodes` (ingest records them in edge_nodes).
 */

const codec = (() => {
  const c = sparkplugPayload.get('spBv1.0');
  if (!c) throw new Error('sparkplug-payload has no spBv1.0 codec');
  return c;
})();
type Payload = ReturnType<typeof codec.decodePayload>;
type Metric = NonNullable<Payload['metrics']>[number];

export const SPARKPLUG_NAMESPACE = 'spBv1.0';
export const REBIRTH_METRIC = 'Node Control/Rebirth';

/** Why a Sparkplug message is refused (dead_letters.reason), beside core's (site_mismatch, site_not_allowed, ...). */
export const SPARKPLUG_REJECT_REASONS = ['sparkplug_bad_topic', 'sparkplug_bad_payload', 'sparkplug_bad_birth', 'sparkplug_no_birth', 'sparkplug_seq_gap', 'sparkplug_unknown_alias'] as const;

/** The mapping file (HS_SPARKPLUG_MAP): group → domain, edge node → site, device → site, metric → metric. */
const nameSchema = z.string().regex(NAME_PATTERN).max(128);
export const sparkplugMapSchema = z.strictObject({
  /** Metric renames for every group ("Motor/Temp": "temperature"); unmapped names keep theirs, `/` and spaces as `_`. */
  metrics: z.record(z.string().min(1), nameSchema).default({}),
  groups: z
    .record(
      nameSchema,
      z.strictObject({
        /** The readings' domain (default: the group id). */
        domain: nameSchema.optional(),
        nodes: z
          .record(
            nameSchema,
            z.strictObject({
              /** The edge node's own site (default: its id). */
              site: nameSchema.optional(),
              /** A device's site (default: {node site}-{device id}). It must be the node's site or start with "{node site}-". */
              devices: z.record(nameSchema, nameSchema).default({}),
              /** Metric renames for this node only. */
              metrics: z.record(z.string().min(1), nameSchema).default({}),
            }),
          )
          .default({}),
      }),
    )
    .default({}),
});
export type SparkplugMap = z.infer<typeof sparkplugMapSchema>;

/** Reads and validates the mapping file; a bad file is a ConfigError naming the file and the field. */
export function loadSparkplugMap(path: string | undefined): SparkplugMap {
  if (path === undefined) return sparkplugMapSchema.parse({});
  const fail = (why: string): never => {
    throw new ConfigError([{ key: 'HS_SPARKPLUG_MAP', line: `config: HS_SPARKPLUG_MAP: ${path}: ${why}` }]);
  };
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    fail(`cannot read it: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    fail(`not JSON: ${(error as Error).message}`);
  }
  const parsed = sparkplugMapSchema.safeParse(doc);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    fail(`${issue?.path.join('.') || '(top)'}: ${issue?.message ?? 'invalid'} (expected {"metrics": {name: metric}, "groups": {group: {"domain", "nodes": {node: {"site", "devices": {device: site}, "metrics"}}}}})`);
  }
  return parsed.data as SparkplugMap;
}

interface MetricDef {
  name: string;
  type: string;
  /** The reading's metric name (mapped), once computed; null: not a reading (bdSeq, controls, properties). */
  metric?: string | null;
}

interface DeviceState {
  online: boolean;
  byAlias: Map<number, MetricDef>;
  byName: Map<string, MetricDef>;
}

interface NodeState {
  group: string;
  node: string;
  online: boolean;
  /** bdSeq of the NBIRTH of the current session. */
  bdSeq: number | undefined;
  /** seq of the last message of this session (undefined: needs a BIRTH first). */
  seq: number | undefined;
  byAlias: Map<number, MetricDef>;
  byName: Map<string, MetricDef>;
  devices: Map<string, DeviceState>;
  lastRebirthAt: number;
}

export interface SparkplugDecoderOptions {
  map: SparkplugMap;
  /** Asks an edge node to publish its births again (the source publishes the NCMD). */
  requestRebirth: (group: string, node: string, why: string) => void;
  /** Called when a node or device goes online or offline (gauges); the verdict's `nodes` say so too. */
  onStatus?: (group: string, node: string, device: string | undefined, online: boolean) => void;
  /** Least time between two rebirth requests to one node (default 2000 ms). */
  rebirthEveryMs?: number;
  now?: () => number;
}

const reject = (reason: string, detail: string): DecodeVerdict => ({ ok: false, reason, detail });

function toNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'object' && value !== null && 'toNumber' in value && typeof (value).toNumber === 'function') {
    return (value as { toNumber(): number }).toNumber();
  }
  return undefined;
}

const NUMERIC_TYPES = new Set(['Int8', 'Int16', 'Int32', 'Int64', 'UInt8', 'UInt16', 'UInt32', 'UInt64', 'Float', 'Double', 'Boolean']);

/** The stateful decoder of one source instance (its alias tables and seq per edge node). */
export class SparkplugDecoder {
  private readonly nodes = new Map<string, NodeState>();
  private readonly now: () => number;

  constructor(private readonly options: SparkplugDecoderOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Edge nodes and devices as /healthz shows them. */
  health(): { nodesOnline: number; nodesOffline: number; nodes: Record<string, { online: boolean; devices: Record<string, boolean> }> } {
    const nodes: Record<string, { online: boolean; devices: Record<string, boolean> }> = {};
    let online = 0;
    for (const n of this.nodes.values()) {
      if (n.online) online++;
      nodes[`${n.group}/${n.node}`] = { online: n.online, devices: Object.fromEntries([...n.devices].map(([id, d]) => [id, n.online && d.online])) };
    }
    return { nodesOnline: online, nodesOffline: this.nodes.size - online, nodes };
  }

  /** Whether an edge node (or one of its devices) is online now. */
  isOnline(group: string, node: string, device?: string): boolean {
    const n = this.nodes.get(`${group}/${node}`);
    if (!n?.online) return false;
    return device === undefined || n.devices.get(device)?.online === true;
  }

  /** A message's readings or reject reason, and (`nodes`) the edge nodes and devices it took online or offline. */
  decode(message: InboundMessage, inbound: InboundOptions): DecodeVerdict {
    const changes: EdgeNodeStatus[] = [];
    const verdict = this.decodeMessage(message, inbound, changes);
    return changes.length === 0 ? verdict : { ...verdict, nodes: changes };
  }

  private decodeMessage(message: InboundMessage, inbound: InboundOptions, changes: EdgeNodeStatus[]): DecodeVerdict {
    const parts = message.topic.split('/');
    const [namespace, group, type, node, device] = parts;
    if (namespace !== SPARKPLUG_NAMESPACE || group === undefined || type === undefined) {
      return reject('sparkplug_bad_topic', `topic ${JSON.stringify(message.topic.slice(0, 200))} is not ${SPARKPLUG_NAMESPACE}/{group}/{type}/{node}[/{device}]`);
    }
    // Commands (ours included) and host STATE are not readings.
    if (type === 'NCMD' || type === 'DCMD' || group === 'STATE') return { ok: true, readings: [] };
    const deviceTypes = type === 'DBIRTH' || type === 'DDATA' || type === 'DDEATH';
    if (node === undefined || (deviceTypes ? parts.length !== 5 || device === undefined : parts.length !== 4) || !['NBIRTH', 'NDATA', 'NDEATH', 'DBIRTH', 'DDATA', 'DDEATH'].includes(type)) {
      return reject('sparkplug_bad_topic', `topic ${JSON.stringify(message.topic.slice(0, 200))} is not ${SPARKPLUG_NAMESPACE}/{group}/{NBIRTH|NDATA|NDEATH}/{node} or .../{DBIRTH|DDATA|DDEATH}/{node}/{device}`);
    }
    const maxBytes = inbound.maxPayloadBytes;
    if (maxBytes !== undefined && message.payload.byteLength > maxBytes) return reject('payload_too_large', `payload is ${message.payload.byteLength} bytes (max ${maxBytes})`);
    let payload: Payload;
    try {
      payload = codec.decodePayload(message.payload);
    } catch (error) {
      return reject('sparkplug_bad_payload', `not a Sparkplug B payload: ${(error as Error).message}`);
    }
    const key = `${group}/${node}`;
    let state = this.nodes.get(key);
    const seq = toNumber(payload.seq);

    if (type === 'NBIRTH') {
      const bdSeq = toNumber(payload.metrics?.find((m) => m.name === 'bdSeq')?.value);
      if (bdSeq === undefined || seq === undefined || seq < 0 || seq > 255) {
        this.rebirth(group, node, 'NBIRTH without bdSeq or seq');
        return reject('sparkplug_bad_birth', `NBIRTH of ${key} has ${bdSeq === undefined ? 'no bdSeq metric' : `seq ${String(seq)}`}`);
      }
      state = { group, node, online: true, bdSeq, seq, byAlias: new Map(), byName: new Map(), devices: new Map(), lastRebirthAt: state?.lastRebirthAt ?? -Infinity };
      this.nodes.set(key, state);
      learn(state, payload.metrics ?? []);
      this.status(changes, message, 'NBIRTH', state, undefined, true);
      return this.readings(message, payload, state, undefined, inbound);
    }
    if (type === 'NDEATH') {
      // Only the death of the current session counts (a will left over from an older session does not).
      const bdSeq = toNumber(payload.metrics?.find((m) => m.name === 'bdSeq')?.value);
      if (!state) {
        // Born before this process started (ingest restarted): reported with its bdSeq, which the
        // recorded session (edge_nodes) must match for the death to count.
        state = { group, node, online: false, bdSeq, seq: undefined, byAlias: new Map(), byName: new Map(), devices: new Map(), lastRebirthAt: -Infinity };
        this.nodes.set(key, state);
        this.status(changes, message, 'NDEATH', state, undefined, false, bdSeq);
      } else if (bdSeq === undefined || state.bdSeq === undefined || bdSeq === state.bdSeq) {
        state.online = false;
        state.seq = undefined;
        this.status(changes, message, 'NDEATH', state, undefined, false, bdSeq ?? state.bdSeq);
        for (const [id, d] of state.devices) {
          if (!d.online) continue;
          d.online = false;
          this.status(changes, message, 'NDEATH', state, id, false, bdSeq ?? state.bdSeq);
        }
      }
      return { ok: true, readings: [] };
    }
    // Every other message continues the node's session: it must have been born, and seq must follow on.
    if (!state?.online || state.seq === undefined) {
      this.rebirth(group, node, `${type} before NBIRTH`);
      return reject('sparkplug_no_birth', `${type} of ${key}${device ? `/${device}` : ''} before its edge node's NBIRTH (a rebirth was requested)`);
    }
    const expected = (state.seq + 1) % 256;
    if (seq !== expected) {
      // Messages were lost: what the node says from now on cannot be trusted until it is born again.
      state.seq = undefined;
      this.rebirth(group, node, `seq ${String(seq)} instead of ${expected}`);
      return reject('sparkplug_seq_gap', `${type} of ${key}${device ? `/${device}` : ''} has seq ${String(seq)}, expected ${expected}: message(s) lost (a rebirth was requested)`);
    }
    state.seq = expected;
    if (type === 'NDATA') return this.readings(message, payload, state, undefined, inbound);
    const id = device as string;
    if (type === 'DBIRTH') {
      const d: DeviceState = { online: true, byAlias: new Map(), byName: new Map() };
      learn(d, payload.metrics ?? []);
      state.devices.set(id, d);
      this.status(changes, message, 'DBIRTH', state, id, true);
      return this.readings(message, payload, state, id, inbound);
    }
    const d = state.devices.get(id);
    if (type === 'DDEATH') {
      if (d?.online) {
        d.online = false;
        this.status(changes, message, 'DDEATH', state, id, false);
      }
      return { ok: true, readings: [] };
    }
    if (!d?.online) {
      this.rebirth(group, node, `DDATA of ${id} before its DBIRTH`);
      return reject('sparkplug_no_birth', `DDATA of ${key}/${id} before its DBIRTH (a rebirth was requested)`);
    }
    return this.readings(message, payload, state, id, inbound);
  }

  /** Where a node's or device's readings go: the mapping's domain and site (devices: {node site}-{device} by default). */
  private placeOf(group: string, node: string, device: string | undefined): { domain: string; nodeSite: string; site: string } {
    const groupMap = this.options.map.groups[group];
    const nodeMap = groupMap?.nodes[node];
    const nodeSite = nodeMap?.site ?? node;
    return { domain: groupMap?.domain ?? group, nodeSite, site: device === undefined ? nodeSite : (nodeMap?.devices[device] ?? `${nodeSite}-${device}`) };
  }

  /** A node or device went online or offline: the gauges (onStatus) and the verdict's `nodes`. */
  private status(changes: EdgeNodeStatus[], message: InboundMessage, cause: string, state: NodeState, device: string | undefined, online: boolean, bdSeq = state.bdSeq): void {
    const { domain, site } = this.placeOf(state.group, state.node, device);
    changes.push({
      source: message.source,
      group: state.group,
      node: state.node,
      ...(device === undefined ? {} : { device }),
      domain,
      site,
      online,
      at: message.receivedAt,
      ...(bdSeq === undefined ? {} : { bdSeq }),
      cause,
    });
    this.options.onStatus?.(state.group, state.node, device, online);
  }

  private rebirth(group: string, node: string, why: string): void {
    const key = `${group}/${node}`;
    const state = this.nodes.get(key);
    const now = this.now();
    if (state && now - state.lastRebirthAt < (this.options.rebirthEveryMs ?? 2_000)) return;
    if (state) state.lastRebirthAt = now;
    else this.nodes.set(key, { group, node, online: false, bdSeq: undefined, seq: undefined, byAlias: new Map(), byName: new Map(), devices: new Map(), lastRebirthAt: now });
    this.options.requestRebirth(group, node, why);
  }

  /** The message's numeric metrics as frames (one per site and time), checked as every source's frames are. */
  private readings(message: InboundMessage, payload: Payload, state: NodeState, device: string | undefined, inbound: InboundOptions): DecodeVerdict {
    const { map } = this.options;
    const nodeMap = map.groups[state.group]?.nodes[state.node];
    const { domain, nodeSite, site } = this.placeOf(state.group, state.node, device);
    const where = `${state.group}/${state.node}${device === undefined ? '' : `/${device}`}`;
    // An edge node publishes only its own site and its devices' ({site}-{device}): a mapping that puts
    // one of its devices on another site is refused, as a frame naming another site than its topic.
    if (site !== nodeSite && !site.startsWith(`${nodeSite}-`)) {
      return reject('site_mismatch', `${where} maps to site "${site}", which is not its edge node's site "${nodeSite}" or one of its devices' ("${nodeSite}-...")`);
    }
    if (!isValidName(site) || !isValidName(domain)) return reject('bad_name', `${where} maps to domain "${domain}", site "${site}": not names of [A-Za-z0-9_.-]`);
    const tables = device === undefined ? state : state.devices.get(device);
    const fallbackTime = toNumber(payload.timestamp) ?? message.receivedAt;
    const byTime = new Map<number, Record<string, number>>();
    for (const metric of payload.metrics ?? []) {
      const alias = toNumber(metric.alias);
      const def = metric.name ? (tables?.byName.get(metric.name) ?? { name: metric.name, type: metric.type ?? '' }) : alias === undefined ? undefined : tables?.byAlias.get(alias);
      if (!def) {
        state.seq = undefined;
        this.rebirth(state.group, state.node, `unknown alias ${String(alias)}`);
        return reject('sparkplug_unknown_alias', `${where}: metric alias ${String(alias)} was not in its BIRTH (a rebirth was requested)`);
      }
      def.metric ??= isControl(def.name) ? null : (nodeMap?.metrics[def.name] ?? map.metrics[def.name] ?? def.name.replace(/[/ ]/g, '_'));
      const name = def.metric;
      if (name === null || metric.isNull) continue;
      const type = metric.type ?? def.type;
      if (!NUMERIC_TYPES.has(type)) continue;
      const value = toNumber(metric.value);
      if (value === undefined) continue;
      const time = toNumber(metric.timestamp) ?? fallbackTime;
      let values = byTime.get(time);
      if (!values) byTime.set(time, (values = {}));
      values[name] = value;
    }
    if (byTime.size === 0) return { ok: true, readings: [] };
    const frames = [...byTime].map(([ts, values]) => ({ domain, site, ts, values }));
    const { topicRoot: _root, ...parse } = inbound;
    return checkReadingFrames(frames, parse);
  }
}

function isControl(name: string): boolean {
  return name === 'bdSeq' || name.startsWith('Node Control/') || name.startsWith('Device Control/') || name.startsWith('Properties/');
}

function learn(tables: { byAlias: Map<number, MetricDef>; byName: Map<string, MetricDef> }, metrics: readonly Metric[]): void {
  for (const m of metrics) {
    if (!m.name) continue;
    const def = { name: m.name, type: m.type ?? '' };
    tables.byName.set(m.name, def);
    const alias = toNumber(m.alias);
    if (alias !== undefined) tables.byAlias.set(alias, def);
  }
}

/** Encodes a Sparkplug B payload (NCMD rebirth requests; tests and the simulator use Tahu's client). */
export function encodeSparkplugPayload(payload: Parameters<typeof codec.encodePayload>[0]): Buffer {
  return Buffer.from(codec.encodePayload(payload));
}

/** NCMD `Node Control/Rebirth` = true, as a host asks an edge node for its births. */
export function rebirthRequest(now = Date.now()): Buffer {
  return encodeSparkplugPayload({ timestamp: now, metrics: [{ name: REBIRTH_METRIC, type: 'Boolean', value: true }] });
}
