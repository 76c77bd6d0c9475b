import type { Logger, ParseOptions } from '@headstream/core';
import { IngestPipeline } from '@headstream/pipeline';
import { startSources, type StartedSources } from '@headstream/transport';
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
  /** Committed per source kind: messages and readings (rows written, duplicates included) and dead letters. */
  bySource: Map<string, { messages: number; readings: number; deadLetters: number }>;
  stop(): Promise<void>;
}

/** The demo's sources (startSources, the services' wiring) on the demo's broker, one-off sessions acked on receipt. */
export function startDemoSources(services: DemoServices, kinds: readonly string[], app: string, log: Logger): Promise<StartedSources> {
  const tuning = { clientId: `headstream-demo-${app}-${process.pid}`, session: DEMO_SESSION, ackMode: DEMO_ACK_MODE };
  return startSources(kinds, services.sourcesConfig, {
    app: `demo-${app}`,
    replica: String(process.pid),
    log: log.child({ component: app }),
    topicRoot: services.topicRoot,
    mqtt: services.mqtt,
    deadLetters: false,
    tuning: { mqtt: tuning, sparkplug: { ...tuning, clientId: `headstream-demo-${app}-sparkplug-${process.pid}` } },
  });
}

/**
 * Ingest as apps/ingest wires it, cut to what the demo uses: the readings sources (MQTT frames, QoS 1;
 * with --factory sparkplug, Sparkplug B too; with --factory opcua, OPC UA too) → the ingest pipeline (decode, validate, batch, dead
 * letters) → the readings table.
 */
export async function startIngest(services: DemoServices, parse: Omit<ParseOptions, 'domain' | 'now'>, log: Logger, kinds: readonly string[] = ['mqtt']): Promise<DemoIngest> {
  const started = await startDemoSources(services, kinds, 'ingest', log);
  const bySource: DemoIngest['bySource'] = new Map();
  const pipeline = new IngestPipeline({
    db: services.db,
    sources: started.sources,
    topicRoot: services.topicRoot,
    parse,
    log: log.child({ component: 'ingest' }),
    onCommitted: (batch) => {
      const counts = bySource.get(batch.source) ?? { messages: 0, readings: 0, deadLetters: 0 };
      counts.messages += batch.messages;
      counts.readings += batch.readings;
      counts.deadLetters += batch.deadLetters;
      bySource.set(batch.source, counts);
    },
  });
  await pipeline.start();
  return {
    pipeline,
    bySource,
    stop: async () => {
      await pipeline.stop();
      await started.close();
    },
  };
}
