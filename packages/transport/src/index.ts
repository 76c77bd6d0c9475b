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
