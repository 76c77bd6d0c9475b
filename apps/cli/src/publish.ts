import { DEFAULT_READINGS_PARTITIONS, kafkaTopic, maskUrl, mqttTopic, type Logger, type ReadingFrame } from '@headstream/core';
import { createKafkaPublisher, createMqttPublisher, kafkaFromConfig, mqttFromConfig, type MessagePublisher } from '@headstream/transport';
import type { CliConfig } from './config.js';
import { UsageError } from './usage-error.js';

export type Destination = 'mqtt' | 'kafka';


export { UsageError } from './usage-error.js';

/** Sends reading messages (frames of one domain and site) where the design says they go. */
export interface ReadingSink {
  send(domain: string, site: string, frames: ReadingFrame[]): Promise<void>;
  close(): Promise<void>;
  readonly target: string;
}

export async function openReadingSink(to: Destination, config: CliConfig, log: Logger, clientId: string): Promise<ReadingSink> {
  let publisher: MessagePublisher;
  let target: string;
  if (to === 'mqtt') {
    if (config.mqttUrl === undefined) throw new UsageError('--to mqtt needs HS_MQTT_URL (e.g. mqtt://127.0.0.1:1883)');
    // The same credentials and TLS as the services (HS_MQTT_USERNAME, HS_MQTT_PASSWORD, HS_MQTT_*_FILE).
    publisher = await createMqttPublisher({
      ...mqttFromConfig(config, config.mqttUrl),
      clientId: `${clientId}-${process.pid}`,
      onError: (error) => log.warn({ err: error }, 'MQTT publisher error'),
    });
    target = maskUrl(config.mqttUrl);
  } else {
    if (config.kafkaBrokers === undefined) throw new UsageError('--to kafka needs HS_KAFKA_BROKERS (e.g. 127.0.0.1:9092)');
    const kafka = await createKafkaPublisher(kafkaFromConfig(config, clientId, log));
    await kafka.connection.ensureTopics([{ name: kafkaTopic('readings', config.topicRoot), partitions: DEFAULT_READINGS_PARTITIONS }]);
    publisher = kafka;
    target = config.kafkaBrokers.join(',');
  }
  const readings = kafkaTopic('readings', config.topicRoot);
  return {
    target,
    async send(domain, site, frames) {
      const payload = JSON.stringify(frames.length === 1 ? frames[0] : frames);
      if (to === 'mqtt') await publisher.publish(mqttTopic({ kind: 'readings', domain, site }, config.topicRoot), [{ payload }]);
      // Kafka: the site is the key (one site's frames stay in order on one partition); the domain rides in each frame.
      else await publisher.publish(readings, [{ key: site, payload }]);
    },
    close: () => publisher.close(),
  };
}
