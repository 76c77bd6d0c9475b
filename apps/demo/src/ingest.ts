import { mqttReadingsFilter, type Logger, type ParseOptions } from '@headstream/core';
import { IngestPipeline } from '@headstream/pipeline';
import { createMqttSource } from '@headstream/transport';
import type { DemoServices } from './services.js';

/**
 * The demo's MQTT consumers are one-off (a client id per process): clean sessions that the broker
 * forgets when the connection closes, a crash included, so a run leaves no session behind on a
 * stack's broker to queue every later reading for a client that never returns.
 */
export const DEMO_SESSION = 'one-off' as const;

/**
 * Acknowledge on receipt: with MQTT 5 (a stack's Mosquitto) acknowledging after the commit keeps one
 * message in flight per connection, which would make the live part crawl; what a crash of the demo
 * could lose (the batch in hand) does not matter here. The embedded 3.1.1 broker acks on receipt anyway.
 */
export const DEMO_ACK_MODE = 'on-receipt' as const;

export interface DemoIngest {
  pipeline: IngestPipeline;
  stop(): Promise<void>;
}

/**
 * Ingest as apps/ingest wires it, cut to what the demo uses: the MQTT readings source (QoS 1) → the
 * ingest pipeline (parse, validate, batch, dead letters) → the readings table.
 */
export async function startIngest(services: DemoServices, parse: Omit<ParseOptions, 'domain' | 'now'>, log: Logger): Promise<DemoIngest> {
  const source = createMqttSource({
    ...services.mqtt,
    clientId: `headstream-demo-ingest-${process.pid}`,
    filters: [mqttReadingsFilter({ root: services.topicRoot })],
    session: DEMO_SESSION,
    ackMode: DEMO_ACK_MODE,
    onError: (error) => log.error({ err: error }, 'MQTT source error (ingest)'),
  });
  const pipeline = new IngestPipeline({ db: services.db, sources: [source], topicRoot: services.topicRoot, parse, log: log.child({ component: 'ingest' }) });
  await pipeline.start();
  return { pipeline, stop: () => pipeline.stop() };
}
