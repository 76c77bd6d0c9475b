import { cfg, ConfigError, field } from '@headstream/core';
import { createMqttPublisher, createMqttSource } from '../mqtt-source.js';
import { JSON_SOURCES_ENV, JsonTopicDecoder, loadJsonSourcesConfig } from './json-mapping.js';
import { mqttConnectionOf, mqttConnectionSpec, type MqttTuning } from './mqtt.js';
import { defineSource } from './types.js';

const spec = {
  // The MQTT connection is the mqtt source's (HS_MQTT_URL, HS_MQTT_USERNAME, ... TLS files).
  ...mqttConnectionSpec,
  jsonSourcesConfig: field(
    JSON_SOURCES_ENV,
    cfg.string().optional(),
    'a JSON file {"topics": [{"topic": "plant/{site}/{metric}", "domain": "factory", "payload": {"value": "/v", "time": "/ts", "site": "/site"}}]} of topic templates and RFC 6901 payload pointers (unset: the json source is off)',
  ),
};

/** Tuning keys: those of the mqtt source (clientId, ackMode, batch and queue bounds). */
export type JsonTuning = MqttTuning;

/**
 * Vendor JSON on the vendor's own MQTT topics, mapped by HS_JSON_SOURCES_CONFIG (json-mapping.ts):
 * subscribes each template's filter; the decoder picks the template, reads value/time/site/metric by
 * JSON pointer and checks the frame as every source does (site identity rule, allow-lists).
 */
export const jsonSource = defineSource({
  kind: 'json',
  summary: 'vendor JSON on mapped MQTT topics, e.g. plant/{site}/{metric} (HS_JSON_SOURCES_CONFIG)',
  configSpec: spec,
  enabledByDefault: (config) => config.jsonSourcesConfig !== undefined,
  configProblems: (config) =>
    config.jsonSourcesConfig === undefined ? [{ key: JSON_SOURCES_ENV, line: `config: ${JSON_SOURCES_ENV}: expected a JSON file of topic templates for the json source; it is not set` }] : [],
  async create(config, context) {
    const decoder = new JsonTopicDecoder(loadJsonSourcesConfig(config.jsonSourcesConfig ?? ''));
    const tuning = (context.tuning?.json ?? {}) as JsonTuning;
    const url = context.mqtt?.url ?? config.mqttUrl;
    if (url === undefined) throw new ConfigError([{ key: 'HS_MQTT_URL', line: 'config: HS_MQTT_URL: expected an mqtt://host:port URL for the json source; it is not set' }]);
    const connection = { ...mqttConnectionOf(config, url), ...context.mqtt, protocolVersion: context.mqtt?.protocolVersion ?? 5 };
    const clientId = tuning.clientId ?? `headstream-${context.app}-json-${context.replica}`;
    const source = createMqttSource({
      ...connection,
      onError: (error) => context.log.error({ err: error }, 'JSON topics MQTT source error'),
      ...tuning,
      filters: decoder.filters(),
      clientId,
      kind: 'json',
    });
    const deadLetters = context.deadLetters
      ? await createMqttPublisher({ ...connection, clientId: `${clientId}-deadletter-${process.pid}`, onError: (error) => context.log.warn({ err: error }, 'MQTT dead-letter publisher error') })
      : undefined;
    return {
      source: Object.assign(source, { decode: decoder.decode.bind(decoder) }),
      ...(deadLetters ? { deadLetters } : {}),
      probes: { mqttQueue: () => source.queue() },
      close: async () => {
        await deadLetters?.close();
      },
    };
  },
});
