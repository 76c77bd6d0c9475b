export {
  startEmbeddedMqttBroker,
  brokerAuthHooks,
  filterCovers,
  topicMatches,
  isLoopback,
  DEFAULT_MAX_PACKET_BYTES,
  type EmbeddedMqttBroker,
  type EmbeddedBrokerOptions,
  type EmbeddedBrokerUser,
} from './mqtt-broker.js';
export { connectMqtt, endMqttSession, MQTT_MAX_PACKET_SIZE, type MqttClient, type MqttConnectionOptions } from './mqtt.js';
export {
  createKafkaConnection,
  type ConsumeOptions,
  type IncomingRecord,
  type KafkaConnection,
  type KafkaConnectionOptions,
  type KafkaConsumer,
  type KafkaProducer,
  type OutgoingMessage,
} from './kafka.js';
export type { InboundMessage, MessagePublisher, MessageSource } from './source.js';
export { createMqttSource, createMqttPublisher, MQTT_SOURCE_DEFAULTS, type MqttQueueStats, type MqttSourceOptions, type MqttPublisherOptions } from './mqtt-source.js';
export { createKafkaSource, createKafkaPublisher, type KafkaSourceOptions } from './kafka-source.js';
export {
  transportConfigSpec,
  embeddedBrokerConfigSpec,
  transportConfigProblems,
  checkTransportConfig,
  mqttFromConfig,
  kafkaFromConfig,
  embeddedBrokerUsersFromFile,
  type TransportConfig,
} from './config.js';
export type { DecodeVerdict } from './source.js';
export { defineSource, type BuiltSource, type SourceContext, type SourceDefinition } from './sources/types.js';
export { SOURCES, SOURCE_KINDS, sourcesConfigSpec, sourceDefinition, type SourcesConfigSpec } from './sources/registry.js';
export { startSources, sourceKindsOf, sourcesConfigProblems, type SourcesConfig, type StartedSources } from './sources/wiring.js';
export type { MqttTuning } from './sources/mqtt.js';
export type { KafkaTuning } from './sources/kafka.js';
export type { SparkplugTuning } from './sources/sparkplug.js';
export type { OpcuaTuning } from './sources/opcua.js';
export type { JsonTuning } from './sources/json.js';
export { JsonTopicDecoder, loadJsonSourcesConfig, parseJsonSourcesConfig, jsonSourcesConfigSchema, matchTopic, resolvePointer, topicFilterOf, JSON_SOURCES_ENV, JSON_SOURCE_REJECT_REASONS, type JsonSourcesConfig, type JsonTopicMapping } from './sources/json-mapping.js';
export { SparkplugDecoder, loadSparkplugMap, sparkplugMapSchema, encodeSparkplugPayload, rebirthRequest, REBIRTH_METRIC, SPARKPLUG_NAMESPACE, SPARKPLUG_REJECT_REASONS, type SparkplugMap } from './sources/sparkplug-decoder.js';
export { createOpcuaSource, opcuaTopic, OPCUA_SOURCE_DEFAULTS, type OpcuaSourceOptions, type OpcuaSourceStats } from './sources/opcua.js';
export { loadOpcuaConfig, parseOpcuaConfig, opcuaNodesOf, opcuaConfigSchema, OPCUA_SECURITY_MODES, OPCUA_SECURITY_POLICIES, type OpcuaConfig, type OpcuaEndpointConfig, type OpcuaNodeMapping } from './sources/opcua-config.js';
