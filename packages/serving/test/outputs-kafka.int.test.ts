import { afterEach, describe, expect, it } from 'vitest';
import { kafkaTopic, predictionSchema, type Prediction } from '@headstream/core';
import { kafkaBrokersOrSkip, uniqueName, waitUntil } from '@headstream/testkit';
import { createKafkaConnection, type IncomingRecord } from '@headstream/transport';
import { createKafkaPredictionPublisher } from '../src/outputs/publishers.js';
import { committedSchemaErrors, samplePredictions } from './outputs-fixtures.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

describe('predictions on the real Kafka', () => {
  it('publishes each prediction as JSON to {root}.predictions keyed by site; a consumer group reads them all, valid', { timeout: 90_000 }, async (ctx) => {
    const brokers = kafkaBrokersOrSkip(ctx);
    const root = uniqueName('hstest');
    const topic = kafkaTopic('predictions', root);
    const publisher = await createKafkaPredictionPublisher({ connection: { brokers, clientId: uniqueName('hs-predictor') }, root, partitions: 3 });
    cleanups.push(() => publisher.close());
    expect(publisher.destination).toBe(`kafka ${topic}`);

    const batches = [samplePredictions('2025-06-01T12:00:00.000Z'), samplePredictions('2025-06-01T12:05:00.000Z'), samplePredictions('2025-06-01T12:05:00.000Z', 'v2')];
    for (const batch of batches) await publisher.publish(batch);
    await publisher.publish([]);
    const sent = batches.flat();

    const kafka = createKafkaConnection({ brokers, clientId: uniqueName('hs-test') });
    cleanups.push(() => kafka.close());
    // The publisher created the topic with the partitions asked for.
    expect(await kafka.endOffsets(topic)).toHaveLength(3);
    const received: IncomingRecord[] = [];
    const consumer = await kafka.consume({
      groupId: uniqueName('hs-test-group'),
      topics: [topic],
      onBatch: (records) => {
        received.push(...records);
      },
    });
    cleanups.push(() => consumer.close());
    await waitUntil(() => received.length >= sent.length, `${sent.length} predictions`, 60_000, 100);
    expect(received).toHaveLength(sent.length);

    const validate = committedSchemaErrors();
    const payloads = received.map((r) => {
      const payload: unknown = JSON.parse(r.value?.toString() ?? 'null');
      expect(validate(payload)).toBeNull();
      const parsed = predictionSchema.parse(payload);
      // The key is the site, so each site's predictions share a partition, in issue order.
      expect(r.key?.toString()).toBe(parsed.site);
      return { partition: r.partition, prediction: parsed };
    });
    const key = (p: Prediction) => `${p.site} ${p.issued_at} ${p.model_version}`;
    expect(payloads.map((p) => p.prediction).sort((a, b) => key(a).localeCompare(key(b)))).toEqual([...sent].sort((a, b) => key(a).localeCompare(key(b))));
    for (const site of new Set(sent.map((p) => p.site))) {
      const ofSite = payloads.filter((p) => p.prediction.site === site);
      expect(new Set(ofSite.map((p) => p.partition)).size).toBe(1);
      expect(ofSite.map((p) => key(p.prediction))).toEqual(sent.filter((p) => p.site === site).map(key));
    }
  });
});
