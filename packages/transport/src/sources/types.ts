import type { ConfigOf, ConfigSpec, Logger, Metrics } from '@headstream/core';
import type { MqttConnectionOptions } from '../mqtt.js';
import type { MqttQueueStats } from '../mqtt-source.js';
import type { MessagePublisher, MessageSource } from '../source.js';

/** What a source's create() is given besides its config: who builds it and with what. */
export interface SourceContext {
  /** The app building the source (ingest, predictor, demo, bench): names client ids and groups. */
  app: string;
  /** A name unique per replica of the app (client ids of sessions the broker keeps). */
  replica: string;
  log: Logger;
  /** The app's metrics registry: a source may add its own gauges (e.g. Sparkplug nodes online). */
  metrics?: Metrics;
  /** HS_TOPIC_ROOT. */
  topicRoot: string;
  /**
   * The MQTT broker to connect to, when the app decided it (ingest's embedded broker and its internal
   * credentials, the demo's): overrides HS_MQTT_URL and its credentials.
   */
  mqtt?: Pick<MqttConnectionOptions, 'url' | 'username' | 'password' | 'tls' | 'protocolVersion'>;
  /** Build a dead-letter topic publisher too (ingest: yes; the predictor writes dead letters to the table only). */
  deadLetters: boolean;
  /**
   * The app's tuning of a kind (ack mode, batch bounds, client id, consumer group, ...), merged over
   * the source's defaults: `{ mqtt: { ackMode: 'on-receipt' }, kafka: { groupId: 'x' } }`. Each source
   * documents the keys it reads (its create() options type).
   */
  tuning?: Readonly<Record<string, object | undefined>>;
}

/** A built source: the MessageSource (with its decoder), its dead-letter publisher, what to close. */
export interface BuiltSource {
  source: MessageSource;
  /** Where its dead letters are also published (MQTT {root}/v1/deadletter or Kafka {root}.deadletter). */
  deadLetters?: MessagePublisher;
  /** Extra gauges the app may sample (ingest: the MQTT queue, the Kafka consumer lag). */
  probes?: { mqttQueue?: () => MqttQueueStats; kafkaLag?: () => Promise<number> };
  /** Closes what create() opened besides the source (publishers, host STATE); the source itself is stopped by its reader. */
  close(): Promise<void>;
}

/**
 * A source kind: its config (validated and documented by the project's field()/cfg helpers: each
 * field names its env variable and what it expects), whether it runs by default, and how to build it.
 */
export interface SourceDefinition<S extends ConfigSpec = ConfigSpec> {
  /** The kind: HS_INGEST_SOURCES / HS_PREDICT_SOURCES entries, dead_letters.source, metric labels. */
  kind: string;
  /** One line for docs and --help. */
  summary: string;
  configSpec: S;
  /** Whether it runs when the app's source list (HS_INGEST_SOURCES, HS_PREDICT_SOURCES) is unset. */
  enabledByDefault(config: ConfigOf<S>, app: string): boolean;
  /** Problems with its config that the fields alone cannot see (one line each, naming the variable). */
  configProblems?(config: ConfigOf<S>, app: string): { key: string; line: string }[];
  /**
   * Builds the source. Its MessageSource's decode() turns an InboundMessage into readings or a reject
   * reason (frame-based sources: core's decodeInbound; Sparkplug B: its alias tables, kept in the instance).
   */
  create(config: ConfigOf<S>, context: SourceContext): Promise<BuiltSource>;
}

/** Types a source definition (the config spec's types flow into enabledByDefault and create). */
export function defineSource<S extends ConfigSpec>(definition: SourceDefinition<S>): SourceDefinition<S> {
  return definition;
}
