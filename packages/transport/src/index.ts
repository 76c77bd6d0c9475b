export { startEmbeddedMqttBroker, type EmbeddedMqttBroker } from './mqtt-broker.js';
export { connectMqtt, type MqttClient, type MqttConnectionOptions } from './mqtt.js';
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
export { createMqttSource, createMqttPublisher, type MqttSourceOptions, type MqttPublisherOptions } from './mqtt-source.js';
export { createKafkaSource, createKafkaPublisher, type KafkaSourceOptions } from './kafka-source.js';
