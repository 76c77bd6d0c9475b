import { cfg, ConfigError, field, isValidName } from '@headstream/core';
import { createMqttPublisher, createMqttSource } from '../mqtt-source.js';
import { mqttConnectionOf, mqttConnectionSpec, type MqttTuning } from './mqtt.js';
import { loadSparkplugMap, rebirthRequest, SPARKPLUG_NAMESPACE, SparkplugDecoder } from './sparkplug-decoder.js';
import { defineSource } from './types.js';

const groupsOf = (value: string | undefined): string[] => (value ?? '').split(',').map((s) => s.trim()).filter((s) => s.length > 0);

const spec = {
  // The MQTT connection is the mqtt source's (HS_MQTT_URL, HS_MQTT_USERNAME, ... TLS files).
  ...mqttConnectionSpec,
  sparkplugGroups: field('HS_SPARKPLUG_GROUPS', cfg.string().optional(), 'Sparkplug B group ids separated by commas, e.g. factory (unset: the sparkplug source is off); subscribes spBv1.0/{group}/#'),
  sparkplugMap: field(
    'HS_SPARKPLUG_MAP',
    cfg.string().optional(),
    'a JSON file {"metrics": {name: metric}, "groups": {group: {"domain", "nodes": {node: {"site", "devices": {device: site}, "metrics"}}}}} (unset: group = domain, edge node = site, device = {site}-{device}, metric names as they are)',
  ),
  sparkplugHostId: field('HS_SPARKPLUG_HOST_ID', cfg.name().default('headstream'), 'the Primary Host id: ingest publishes spBv1.0/STATE/{id} (retained, online/offline)'),
  sparkplugRebirthMs: field('HS_SPARKPLUG_REBIRTH_MS', cfg.int(0, 3_600_000).default(2_000), 'milliseconds: least time between two rebirth requests to one edge node'),
};

/** Tuning keys: those of the mqtt source (clientId, ackMode, batch and queue bounds); `primaryHost` publishes STATE. */
export type SparkplugTuning = MqttTuning & { primaryHost?: boolean };

/**
 * Sparkplug B edge nodes over MQTT (Eclipse Tahu): subscribes spBv1.0/{group}/# for HS_SPARKPLUG_GROUPS;
 * its decoder (sparkplug-decoder.ts) keeps each edge node's metric aliases and seq, refuses what
 * breaks the session (and asks for a rebirth), and maps group/node/device/metric to domain/site/metric
 * (HS_SPARKPLUG_MAP). Ingest is the Primary Host: it publishes the retained STATE online/offline
 * message (offline also as its MQTT will). Nodes and devices online/offline: /healthz, the gauge
 * headstream_sparkplug_node_online{group,node,device}, and the verdicts' `nodes`, which ingest records
 * in edge_nodes (the live view's /api/edge-nodes).
 */
export const sparkplugSource = defineSource({
  kind: 'sparkplug',
  summary: 'Sparkplug B edge nodes on MQTT spBv1.0/{group}/# (HS_SPARKPLUG_GROUPS, HS_SPARKPLUG_MAP)',
  configSpec: spec,
  enabledByDefault: (config) => groupsOf(config.sparkplugGroups).length > 0,
  configProblems: (config) => {
    const groups = groupsOf(config.sparkplugGroups);
    if (groups.length === 0) return [{ key: 'HS_SPARKPLUG_GROUPS', line: 'config: HS_SPARKPLUG_GROUPS: expected Sparkplug group ids separated by commas for the sparkplug source; it is not set' }];
    const bad = groups.filter((g) => !isValidName(g) || g === 'STATE');
    return bad.length > 0 ? [{ key: 'HS_SPARKPLUG_GROUPS', line: `config: HS_SPARKPLUG_GROUPS: expected group ids of [A-Za-z0-9_.-] (not STATE); got ${bad.map((g) => JSON.stringify(g)).join(', ')}` }] : [];
  },
  async create(config, context) {
    const map = loadSparkplugMap(config.sparkplugMap);
    const groups = groupsOf(config.sparkplugGroups);
    const { primaryHost = context.app === 'ingest' || context.app === 'demo-ingest', ...tuning } = (context.tuning?.sparkplug ?? {}) as SparkplugTuning;
    const url = context.mqtt?.url ?? config.mqttUrl;
    if (url === undefined) throw new ConfigError([{ key: 'HS_MQTT_URL', line: 'config: HS_MQTT_URL: expected an mqtt://host:port URL for the sparkplug source; it is not set' }]);
    const connection = { ...mqttConnectionOf(config, url), ...context.mqtt, protocolVersion: context.mqtt?.protocolVersion ?? 5 };
    const clientId = tuning.clientId ?? `headstream-${context.app}-sparkplug-${context.replica}`;
    const stateTopic = `${SPARKPLUG_NAMESPACE}/STATE/${config.sparkplugHostId}`;
    const state = (online: boolean) => JSON.stringify({ online, timestamp: Date.now() });
    // Commands and the host's STATE go out on a connection of their own, whose will is STATE offline.
    const commands = await createMqttPublisher({
      ...connection,
      clientId: `${clientId}-host-${process.pid}`,
      qos: 1,
      ...(primaryHost ? { will: { topic: stateTopic, payload: state(false), qos: 1 as const, retain: true } } : {}),
      onError: (error) => context.log.warn({ err: error }, 'Sparkplug host connection error'),
    });
    if (primaryHost) await commands.publish(stateTopic, [{ payload: state(true) }], { retain: true });

    const online = context.metrics?.gauge('sparkplug_node_online', 'Sparkplug B edge nodes (device empty) and devices: 1 online (born), 0 offline (death, or a session broken until rebirth)', ['group', 'node', 'device']);
    const rebirths = context.metrics?.counter('sparkplug_rebirth_requests_total', 'Rebirth requests (NCMD Node Control/Rebirth) sent to edge nodes', ['group', 'node']);
    const decoder = new SparkplugDecoder({
      map,
      rebirthEveryMs: config.sparkplugRebirthMs,
      requestRebirth: (group, node, why) => {
        context.log.warn({ group, node, why }, 'Sparkplug: requesting a rebirth');
        rebirths?.inc({ group, node });
        online?.set({ group, node, device: '' }, 0);
        commands.publish(`${SPARKPLUG_NAMESPACE}/${group}/NCMD/${node}`, [{ payload: rebirthRequest() }]).catch((error: unknown) => context.log.warn({ err: error, group, node }, 'Sparkplug: rebirth request not sent'));
      },
      onStatus: (group, node, device, up) => online?.set({ group, node, device: device ?? '' }, up ? 1 : 0),
    });
    const source = createMqttSource({
      ...connection,
      onError: (error) => context.log.error({ err: error }, 'Sparkplug MQTT source error'),
      ...tuning,
      // One connection, never shared: the decoder must see each edge node's messages in order.
      connections: 1,
      filters: groups.map((g) => `${SPARKPLUG_NAMESPACE}/${g}/#`),
      clientId,
      kind: 'sparkplug',
    });
    return {
      source: Object.assign(source, {
        decode: decoder.decode.bind(decoder),
        health: () => decoder.health(),
      }),
      // Dead letters of Sparkplug messages are published beside the frames' ({root}/v1/deadletter).
      ...(context.deadLetters ? { deadLetters: commands } : {}),
      close: async () => {
        if (primaryHost) await commands.publish(stateTopic, [{ payload: state(false) }], { retain: true }).catch(() => undefined);
        await commands.close();
      },
    };
  },
});

