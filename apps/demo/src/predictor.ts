import { Metrics, type Logger, type ParseOptions } from '@headstream/core';
import { createKafkaPredictionPublisher, createMqttPredictionPublisher, databasePredictionPublisher, fanOut, startPredictor, type PredictionPublisher, type Predictor } from '@headstream/serving';
import { startDemoSources } from './ingest.js';
import type { DemoServices } from './services.js';

export interface DemoPredictor {
  predictor: Predictor;
  /** Where predictions go, for the summary. */
  outputs: string[];
  stop(): Promise<void>;
}

/**
 * The predictor as apps/predictor wires it: live readings from MQTT → the registry's active version →
 * predictions to MQTT {root}/v1/predictions/{task}/{site} (retained), the predictions table, and Kafka
 * {root}.predictions when the stack has Kafka.
 */
export async function startDemoPredictor(services: DemoServices, parse: Omit<ParseOptions, 'domain' | 'now'>, log: Logger, kinds: readonly string[] = ['mqtt']): Promise<DemoPredictor> {
  const publishers: PredictionPublisher[] = [databasePredictionPublisher(services.db)];
  const closers: (() => Promise<unknown>)[] = [];
  try {
    publishers.push(
      await createMqttPredictionPublisher({
        ...services.mqtt,
        clientId: `headstream-demo-predictor-out-${process.pid}`,
        root: services.topicRoot,
        onError: (error) => log.warn({ err: error }, 'MQTT publisher error (predictions)'),
      }),
    );
    if (services.kafka) publishers.push(await createKafkaPredictionPublisher({ connection: { ...services.kafka, clientId: 'headstream-demo-predictor-out' }, root: services.topicRoot }));
    const publisher = fanOut(publishers);
    closers.push(() => publisher.close());
    const started = await startDemoSources(services, kinds, 'predictor', log);
    closers.push(() => started.close());
    const predictor = await startPredictor({ db: services.db, sources: started.sources, publisher, topicRoot: services.topicRoot, parse, log: log.child({ component: 'predictor' }), metrics: new Metrics('predictor') });
    return {
      predictor,
      outputs: publishers.map((p) => p.destination),
      async stop() {
        await predictor.stop();
        for (const close of closers.reverse()) await close();
      },
    };
  } catch (error) {
    for (const close of closers.reverse()) await close().catch(() => undefined);
    if (closers.length === 0) for (const p of publishers) await p.close().catch(() => undefined);
    throw error;
  }
}
