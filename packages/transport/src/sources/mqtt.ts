import { commonConfigSpec, decodeInbound, mqttReadingsFilter, type ConfigOf } from '@headstream/core';
import { transportConfigSpec, mqttFromConfig } from '../config.js';
import { createMqttPublisher, createMqttSource, type MqttSourceOptions } from '../mqtt-source.js';
import { defineSource } from './types.js';

/** The MQTT connection's settings (URL, credentials, TLS, topic root), shared by the sources on MQTT. */
export const mqttConnectionSpec = {
  mqttUrl: commonConfigSpec.mqttUrl,
  mqttUsername: transportConfigSpec.mqttUsername,
  mqttPassword: transportConfigSpec.mqttPassword,
  mqttCaFile: transportConfigSpec.mqttCaFile,
  mqttCertFile: transportConfigSpec.mqttCertFile,
  mqttKeyFile: transportConfigSpec.mqttKeyFile,
  topicRoot: commonConfigSpec.topicRoot,
};

const spec = {
  ...mqttConnectionSpec,
  // The predictor reads Kafka instead of MQTT by default when brokers are set.
  kafkaBrokers: commonConfigSpec.kafkaBrokers,
};

/** The transport config with only the MQTT fields set (what mqttFromConfig reads). */
export function mqttConnectionOf(config: ConfigOf<typeof mqttConnectionSpec>, url: string) {
  return mqttFromConfig(
    {
      ...config,
      kafkaSsl: false,
      kafkaAllowPlaintextSasl: false,
      kafkaCaFile: undefined,
      kafkaCertFile: undefined,
      kafkaKeyFile: undefined,
      kafkaSaslMechanism: undefined,
      kafkaUsername: undefined,
      kafkaPassword: undefined,
    },
    url,
  );
}

/** Tuning keys: any MqttSourceOptions (clientId, ackMode, filters, batch and queue bounds, session, connections, ...). */
export type MqttTuning = Partial<MqttSourceOptions>;

/**
 * Headstream JSON frames over MQTT: {root}/v1/readings/{domain}/{site}, QoS 1, decoded by core's
 * decodeInbound (the topic's site must be every frame's site). Dead letters: {root}/v1/deadletter.
 */
export const mqttSource = defineSource({
  kind: 'mqtt',
  summary: 'Headstream JSON frames on MQTT {root}/v1/readings/{domain}/{site} (HS_MQTT_URL; unset: ingest embeds a broker)',
  configSpec: spec,
  enabledByDefault: (config, app) => app !== 'predictor' || config.kafkaBrokers === undefined,
  async create(config, context) {
    const tuning = (context.tuning?.mqtt ?? {}) as MqttTuning;
    const url = context.mqtt?.url ?? config.mqttUrl;
    if (url === undefined) throw new Error('config: HS_MQTT_URL: expected an mqtt://host:port URL for the mqtt source; it is not set');
    const connection = { ...mqttConnectionOf(config, url), ...context.mqtt, protocolVersion: context.mqtt?.protocolVersion ?? 5 };
    const clientId = tuning.clientId ?? `headstream-${context.app}-${context.replica}`;
    const source = createMqttSource({
      ...connection,
      filters: [mqttReadingsFilter({ root: config.topicRoot })],
      onError: (error) => context.log.error({ err: error }, 'MQTT source error'),
      ...tuning,
      clientId,
    });
    const frames = Object.assign(source, { decode: decodeInbound });
    const deadLetters = context.deadLetters
      ? await createMqttPublisher({ ...connection, clientId: `${clientId}-deadletter-${process.pid}`, onError: (error) => context.log.warn({ err: error }, 'MQTT dead-letter publisher error') })
      : undefined;
    return {
      source: frames,
      ...(deadLetters ? { deadLetters } : {}),
      probes: { mqttQueue: () => source.queue() },
      close: async () => {
        await deadLetters?.close();
      },
    };
  },
});
