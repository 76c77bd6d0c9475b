import { describe, expect, it } from 'vitest';
import * as sparkplugPayload from 'sparkplug-payload';
import { SparkplugDecoder, sparkplugMapSchema } from '../src/sources/sparkplug-decoder.js';
import type { InboundMessage } from '../src/index.js';

// The Sparkplug B host's state machine (seq, bdSeq, aliases, rebirth) on payloads encoded by Tahu's codec.

const codec = sparkplugPayload.get('spBv1.0');
if (!codec) throw new Error('no spBv1.0 codec');
const T0 = Date.UTC(2026, 0, 1);

function msg(topic: string, payload: Parameters<NonNullable<typeof codec>['encodePayload']>[0]): InboundMessage {
  return { source: 'sparkplug', topic, payload: Buffer.from(codec!.encodePayload(payload)), receivedAt: T0 };
}

function setup(map: unknown = {}) {
  const rebirths: string[] = [];
  const status: string[] = [];
  const decoder = new SparkplugDecoder({
    map: sparkplugMapSchema.parse(map),
    requestRebirth: (group, node, why) => rebirths.push(`${group}/${node}: ${why}`),
    onStatus: (group, node, device, online) => status.push(`${group}/${node}${device ? `/${device}` : ''}=${online ? 1 : 0}`),
    rebirthEveryMs: 0,
    now: () => T0,
  });
  const decode = (m: InboundMessage) => decoder.decode(m, { now: T0 + 1000 });
  return { decoder, decode, rebirths, status };
}

const nbirth = (seq = 0, bdSeq = 0) =>
  msg('spBv1.0/factory/NBIRTH/line-01', {
    timestamp: T0,
    seq,
    metrics: [
      { name: 'throughput', alias: 1, type: 'Double', value: 100, timestamp: T0 },
      { name: 'Node Control/Rebirth', alias: 2, type: 'Boolean', value: false },
      { name: 'bdSeq', type: 'UInt64', value: bdSeq },
    ],
  });
const dbirth = (seq: number, device = 'm1') =>
  msg(`spBv1.0/factory/DBIRTH/line-01/${device}`, {
    timestamp: T0,
    seq,
    metrics: [
      { name: 'Motor/Temperature', alias: 10, type: 'Float', value: 40, timestamp: T0 },
      { name: 'vibration', alias: 11, type: 'Double', value: 2, timestamp: T0 },
      { name: 'label', alias: 12, type: 'String', value: 'x' },
    ],
  });
const ddata = (seq: number, t: number, device = 'm1') =>
  msg(`spBv1.0/factory/DDATA/line-01/${device}`, { timestamp: t, seq, metrics: [{ alias: 10, type: 'Float', value: 41.5, timestamp: t }, { alias: 11, type: 'Double', value: 2.5, timestamp: t }] });

describe('Sparkplug B decoder', () => {
  it('births set names and aliases; data is resolved by alias with metric timestamps; group = domain, node = site, device = {site}-{device}', () => {
    const { decode, rebirths, status } = setup();
    expect(decode(nbirth())).toMatchObject({ ok: true, readings: [{ domain: 'factory', site: 'line-01', time: T0, values: { throughput: 100 } }] });
    expect(decode(dbirth(1))).toMatchObject({ ok: true, readings: [{ domain: 'factory', site: 'line-01-m1', time: T0, values: { Motor_Temperature: 40, vibration: 2 } }] });
    expect(decode(ddata(2, T0 + 500))).toEqual({ ok: true, readings: [{ domain: 'factory', site: 'line-01-m1', time: T0 + 500, values: { Motor_Temperature: 41.5, vibration: 2.5 } }] });
    expect(rebirths).toEqual([]);
    expect(status).toEqual(['factory/line-01=1', 'factory/line-01/m1=1']);
  });

  it('seq runs 0..255 and wraps; a gap is refused and asks for a rebirth until the next NBIRTH', () => {
    const { decode, rebirths } = setup();
    decode(nbirth(0));
    decode(dbirth(1));
    for (let s = 2; s <= 255; s++) expect(decode(ddata(s, T0 + s)).ok).toBe(true);
    expect(decode(ddata(0, T0 + 256)).ok).toBe(true); // 255 → 0
    const gap = decode(ddata(2, T0 + 258)); // 1 was lost
    expect(gap).toMatchObject({ ok: false, reason: 'sparkplug_seq_gap' });
    expect(rebirths).toEqual(['factory/line-01: seq 2 instead of 1']);
    // Until it is born again, nothing it says is used.
    expect(decode(ddata(3, T0 + 259))).toMatchObject({ ok: false, reason: 'sparkplug_no_birth' });
    decode(nbirth(0));
    expect(decode(dbirth(1)).ok).toBe(true);
    expect(decode(ddata(2, T0 + 300)).ok).toBe(true);
  });

  it('DATA before BIRTH, or an alias the BIRTH did not name, is refused with a rebirth request', () => {
    const { decode, rebirths } = setup();
    expect(decode(ddata(5, T0))).toMatchObject({ ok: false, reason: 'sparkplug_no_birth' });
    decode(nbirth(0));
    expect(decode(ddata(1, T0, 'm2'))).toMatchObject({ ok: false, reason: 'sparkplug_no_birth' });
    decode(nbirth(0));
    decode(dbirth(1));
    const unknown = msg('spBv1.0/factory/DDATA/line-01/m1', { seq: 2, metrics: [{ alias: 99, type: 'Double', value: 1, timestamp: T0 }] });
    expect(decode(unknown)).toMatchObject({ ok: false, reason: 'sparkplug_unknown_alias' });
    expect(rebirths).toHaveLength(3);
  });

  it('NDEATH with the session bdSeq marks the node and its devices offline; a stale death (older bdSeq) does not', () => {
    const { decode, decoder, status } = setup();
    decode(nbirth(0, 7));
    decode(dbirth(1));
    decode(msg('spBv1.0/factory/NDEATH/line-01', { metrics: [{ name: 'bdSeq', type: 'UInt64', value: 6 }] }));
    expect(decoder.isOnline('factory', 'line-01')).toBe(true);
    decode(msg('spBv1.0/factory/NDEATH/line-01', { metrics: [{ name: 'bdSeq', type: 'UInt64', value: 7 }] }));
    expect(decoder.isOnline('factory', 'line-01')).toBe(false);
    expect(decoder.health()).toEqual({ nodesOnline: 0, nodesOffline: 1, nodes: { 'factory/line-01': { online: false, devices: { m1: false } } } });
    expect(status.slice(-2)).toEqual(['factory/line-01=0', 'factory/line-01/m1=0']);
    expect(decode(ddata(2, T0))).toMatchObject({ ok: false, reason: 'sparkplug_no_birth' });
  });

  it('reports each BIRTH and DEATH in the verdict (nodes: what ingest records in edge_nodes), with the mapped site and the session bdSeq', () => {
    const { decode, decoder } = setup({ groups: { factory: { domain: 'plant', nodes: { 'line-01': { site: 'L1', devices: { m1: 'L1-motor' } } } } } });
    const node = { source: 'sparkplug', group: 'factory', node: 'line-01', domain: 'plant', site: 'L1', at: T0 };
    expect(decode(nbirth(0, 7)).nodes).toEqual([{ ...node, online: true, bdSeq: 7, cause: 'NBIRTH' }]);
    expect(decode(dbirth(1)).nodes).toEqual([{ ...node, device: 'm1', site: 'L1-motor', online: true, bdSeq: 7, cause: 'DBIRTH' }]);
    // Data changes nothing; a stale will (older bdSeq) neither.
    expect(decode(ddata(2, T0 + 1)).nodes).toBeUndefined();
    expect(decode(msg('spBv1.0/factory/NDEATH/line-01', { metrics: [{ name: 'bdSeq', type: 'UInt64', value: 6 }] })).nodes).toBeUndefined();
    // The session's death: the node and its device online until then.
    expect(decode(msg('spBv1.0/factory/NDEATH/line-01', { metrics: [{ name: 'bdSeq', type: 'UInt64', value: 7 }] })).nodes).toEqual([
      { ...node, online: false, bdSeq: 7, cause: 'NDEATH' },
      { ...node, device: 'm1', site: 'L1-motor', online: false, bdSeq: 7, cause: 'NDEATH' },
    ]);
    // DDEATH of a device online.
    decode(nbirth(0, 8));
    decode(dbirth(1));
    expect(decode(msg('spBv1.0/factory/DDEATH/line-01/m1', { seq: 2 })).nodes).toEqual([{ ...node, device: 'm1', site: 'L1-motor', online: false, bdSeq: 8, cause: 'DDEATH' }]);
    // A death of a node this decoder never saw born (ingest restarted): reported with its bdSeq, which the
    // recorded session must match; /healthz shows the node offline.
    expect(decode(msg('spBv1.0/factory/NDEATH/line-02', { metrics: [{ name: 'bdSeq', type: 'UInt64', value: 3 }] })).nodes).toEqual([
      { source: 'sparkplug', group: 'factory', node: 'line-02', domain: 'plant', site: 'line-02', at: T0, online: false, bdSeq: 3, cause: 'NDEATH' },
    ]);
    expect(decoder.health().nodes['factory/line-02']).toEqual({ online: false, devices: {} });
    // A refused BIRTH still reports the device online (it is, as far as Sparkplug goes; its readings are dead-lettered).
    const refused = decoder.decode(msg('spBv1.0/factory/DBIRTH/line-01/m2', { seq: 3, metrics: [{ name: 'x', alias: 1, type: 'Double', value: 1, timestamp: T0 }] }), { now: T0 + 1000, allowedSites: /^L1$/ });
    expect(refused).toMatchObject({ ok: false, reason: 'site_not_allowed', nodes: [{ device: 'm2', site: 'L1-m2', online: true, cause: 'DBIRTH' }] });
  });

  it('the mapping file renames; a device mapped to another site is refused (site_mismatch), as are names off the allow-lists', () => {
    const { decode } = setup({ metrics: { 'Motor/Temperature': 'temperature' }, groups: { factory: { domain: 'plant', nodes: { 'line-01': { devices: { m9: 'line-02-m1' } } } } } });
    decode(nbirth(0));
    expect(decode(dbirth(1))).toMatchObject({ ok: true, readings: [{ domain: 'plant', site: 'line-01-m1', values: { temperature: 40, vibration: 2 } }] });
    expect(decode(dbirth(2, 'm9'))).toMatchObject({ ok: false, reason: 'site_mismatch' });
    const d = setup();
    d.decoder.decode(nbirth(0), {});
    expect(d.decoder.decode(dbirth(1), { allowedSites: /^line-02/ })).toMatchObject({ ok: false, reason: 'site_not_allowed' });
  });

  it('refuses a payload that is not Sparkplug B and a topic outside the namespace', () => {
    const { decode } = setup();
    expect(decode({ source: 'sparkplug', topic: 'spBv1.0/factory/NDATA/line-01', payload: Buffer.from([0xff, 0xff, 0xff]), receivedAt: T0 })).toMatchObject({ ok: false, reason: 'sparkplug_bad_payload' });
    expect(decode({ source: 'sparkplug', topic: 'spBv1.0/factory/NDATA', payload: Buffer.alloc(0), receivedAt: T0 })).toMatchObject({ ok: false, reason: 'sparkplug_bad_topic' });
    expect(decode(msg('spBv1.0/factory/NCMD/line-01', { metrics: [] }))).toEqual({ ok: true, readings: [] });
  });
});
