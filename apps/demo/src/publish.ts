import { mqttTopic, type Logger } from '@headstream/core';
import { replay, type ReadingBatch, type ReplayProgress } from '@headstream/datasets';
import type { OpcuaSimServer, SparkplugFactory } from '@headstream/sim';
import { createMqttPublisher, type MessagePublisher } from '@headstream/transport';
import type { FeedStream } from './feed.js';
import type { DemoServices } from './services.js';

/** Frames per MQTT message while history is sent as fast as possible (few, large messages). */
export const HISTORY_FRAMES_PER_MESSAGE = 500;
/** Frames per message while streaming live: small, so each step reaches the predictor on its own. */
export const LIVE_FRAMES_PER_MESSAGE = 10;

/** Publishes reading messages on {root}/v1/readings/{domain}/{site}, as a sensor gateway would, and counts them. */
export interface ReadingPublisher {
  /** messages: MQTT messages (frames and Sparkplug B); opcuaValues: values written to the OPC UA server; readings: all of them. */
  readonly sent: { messages: number; records: number; readings: number; opcuaValues: number };
  /**
   * Streams the records at their speeds (all streams at once); resolves when all are sent or `signal` aborts.
   * factoryAsFrames: the factory's readings go out as frames even with an OPC UA server (--factory opcua's history).
   */
  stream(streams: readonly FeedStream[], options: { framesPerMessage: number; signal?: AbortSignal; onProgress?: (p: ReplayProgress) => void; factoryAsFrames?: boolean }): Promise<void>;
  close(): Promise<void>;
}

/** How the factory's readings go out instead of frames: Sparkplug B edge nodes, or the variables of an OPC UA server. */
export interface FactoryProtocol {
  sparkplug?: SparkplugFactory;
  opcua?: OpcuaSimServer;
}

/**
 * With `sparkplug`, the factory's readings go out as Sparkplug B edge nodes (one DATA message per batch
 * of a site) instead of frames; with `opcua`, each value is written to its variable of the OPC UA
 * server with its reading's time (the server's timestamp too), unless a stream asks for frames.
 */
export async function openReadingPublisher(services: DemoServices, log: Logger, factory: FactoryProtocol = {}): Promise<ReadingPublisher> {
  const { sparkplug, opcua } = factory;
  const publisher: MessagePublisher = await createMqttPublisher({
    ...services.mqtt,
    clientId: `headstream-demo-sensors-${process.pid}`,
    onError: (error) => log.warn({ err: error }, 'MQTT publisher error (readings)'),
  });
  const sent = { messages: 0, records: 0, readings: 0, opcuaValues: 0 };
  const send = async (batch: ReadingBatch, factoryAsFrames: boolean) => {
    if (opcua && !factoryAsFrames && batch.domain === 'factory') {
      for (const f of batch.frames) {
        const written = opcua.write({ site: batch.site, time: typeof f.ts === 'number' ? f.ts : Date.parse(f.ts), values: f.values });
        sent.opcuaValues += written;
        sent.readings += written;
      }
      sent.records += batch.frames.length;
      return;
    }
    if (sparkplug && batch.domain === 'factory') {
      await sparkplug.sendMany(batch.frames.map((f) => ({ site: batch.site, time: typeof f.ts === 'number' ? f.ts : Date.parse(f.ts), values: f.values })));
      sent.messages++;
      sent.records += batch.frames.length;
      for (const frame of batch.frames) sent.readings += Object.keys(frame.values).length;
      return;
    }
    const payload = JSON.stringify(batch.frames.length === 1 ? batch.frames[0] : batch.frames);
    await publisher.publish(mqttTopic({ kind: 'readings', domain: batch.domain, site: batch.site }, services.topicRoot), [{ payload }]);
    sent.messages++;
    sent.records += batch.frames.length;
    for (const frame of batch.frames) sent.readings += Object.keys(frame.values).length;
  };
  return {
    sent,
    async stream(streams, options) {
      const before = sent.records;
      const started = Date.now();
      // Each stream paces itself (data sets of different eras and intervals); progress is their sum.
      const report = () => {
        const elapsedMs = Date.now() - started;
        const records = sent.records - before;
        options.onProgress?.({ records, messages: sent.messages, elapsedMs, ratePerSec: elapsedMs > 0 ? (records * 1000) / elapsedMs : 0 });
      };
      await Promise.all(
        streams.map((s) =>
          replay(s.records, {
            speed: s.speed,
            maxFrames: options.framesPerMessage,
            groundTruth: true,
            domainField: false,
            publish: (batch: ReadingBatch) => send(batch, options.factoryAsFrames === true),
            onProgress: report,
            ...(options.signal ? { signal: options.signal } : {}),
          }),
        ),
      );
      report();
    },
    close: async () => {
      await sparkplug?.close();
      await publisher.close();
    },
  };
}
