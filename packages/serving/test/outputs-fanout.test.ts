import { afterEach, describe, expect, it } from 'vitest';
import type { Prediction } from '@headstream/core';
import { migrate } from '@headstream/store';
import { embeddedDatabase } from '@headstream/testkit';
import { startEmbeddedMqttBroker } from '@headstream/transport';
import { readPredictions } from '../src/outputs/predictions-table.js';
import { createMqttPredictionPublisher, databasePredictionPublisher, fanOut, PredictionDeliveryError, type PredictionPublisher } from '../src/outputs/publishers.js';
import { InvalidPredictionError } from '../src/outputs/validate.js';
import { samplePredictions } from './outputs-fixtures.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** A destination of the test's own: keeps what it is given, or fails the way it is told to. */
function destination(name: string, behaviour: 'accept' | 'reject' | 'throw' | 'hang' = 'accept') {
  const batches: (readonly Prediction[])[] = [];
  let closed = false;
  const publisher: PredictionPublisher = {
    destination: name,
    publish(batch) {
      if (behaviour === 'throw') throw new Error(`${name} threw at once`);
      if (behaviour === 'reject') return Promise.reject(new Error(`${name} is down`));
      if (behaviour === 'hang') return new Promise<void>(() => undefined);
      batches.push(batch);
      return Promise.resolve();
    },
    close() {
      closed = true;
      return behaviour === 'accept' ? Promise.resolve() : Promise.reject(new Error(`${name} did not close cleanly`));
    },
  };
  return { publisher, batches, closed: () => closed };
}

const batch = samplePredictions('2025-06-01T12:00:00.000Z');

describe('fanOut', () => {
  it('delivers to every working destination when others fail, then names each failed one in an AggregateError', async () => {
    const first = destination('first');
    const down = destination('kafka hs.predictions', 'reject');
    const thrower = destination('mqtt hs/v1/predictions/+/+', 'throw');
    const last = destination('last');
    const all = fanOut([first.publisher, down.publisher, thrower.publisher, last.publisher]);
    expect(all.destination).toBe('first, kafka hs.predictions, mqtt hs/v1/predictions/+/+, last');

    const error = await all.publish(batch).catch((e: unknown) => e);
    expect(first.batches).toEqual([batch]);
    expect(last.batches).toEqual([batch]);
    expect(error).toBeInstanceOf(AggregateError);
    expect(error).toBeInstanceOf(PredictionDeliveryError);
    const delivery = error as PredictionDeliveryError;
    expect(delivery.failed).toEqual(['kafka hs.predictions', 'mqtt hs/v1/predictions/+/+']);
    expect(delivery.delivered).toEqual(['first', 'last']);
    expect(delivery.errors.map((e: Error) => e.message)).toEqual([
      'publishing to kafka hs.predictions: kafka hs.predictions is down',
      'publishing to mqtt hs/v1/predictions/+/+: mqtt hs/v1/predictions/+/+ threw at once',
    ]);
    expect(delivery.message).toMatch(/not delivered to 2 of 4 destination\(s\): publishing to kafka hs\.predictions: .*; publishing to mqtt/);

    // Closing closes every destination, whatever the others do, and names the ones that failed.
    await expect(all.close()).rejects.toThrow(/closing kafka hs\.predictions: kafka hs\.predictions did not close cleanly/);
    expect([first, down, thrower, last].every((d) => d.closed())).toBe(true);
  });

  it('counts a destination that does not answer in time as failed, without holding up the others', async () => {
    const ok = destination('database');
    const stuck = destination('mqtt hs/v1/predictions/+/+', 'hang');
    const started = Date.now();
    await expect(fanOut([stuck.publisher, ok.publisher], { timeoutMs: 200 }).publish(batch)).rejects.toThrow(/publishing to mqtt hs\/v1\/predictions\/\+\/\+: no answer within 200 ms/);
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(ok.batches).toEqual([batch]);
  });

  it('resolves when every destination took the batch; sends an invalid batch nowhere', async () => {
    const a = destination('a');
    const b = destination('b');
    const both = fanOut([a.publisher, b.publisher]);
    await both.publish(batch);
    const [, , classification] = batch;
    if (classification?.kind !== 'classification') throw new Error('unexpected samples');
    await expect(both.publish([{ ...classification, anomaly_score: 2 }])).rejects.toThrow(InvalidPredictionError);
    expect(a.batches).toEqual([batch]);
    expect(b.batches).toEqual([batch]);
    await both.close();
  });

  it('still stores predictions in the database while the MQTT broker is gone', { timeout: 30_000 }, async () => {
    const db = await embeddedDatabase();
    cleanups.push(() => db.dispose());
    await migrate(db);
    const broker = await startEmbeddedMqttBroker({ drainTimeoutMs: 100 });
    let brokerClosed = false;
    cleanups.push(() => (brokerClosed ? Promise.resolve() : broker.close()));
    const mqttErrors: Error[] = [];
    const mqtt = await createMqttPredictionPublisher({ url: broker.url, protocolVersion: broker.protocolVersion, root: 'hs', onError: (e) => mqttErrors.push(e) });
    const all = fanOut([mqtt, databasePredictionPublisher(db)], { timeoutMs: 1_000 });
    cleanups.push(() => all.close());

    await all.publish(batch);
    await broker.close();
    brokerClosed = true;
    const later = samplePredictions('2025-06-01T12:05:00.000Z');
    const error = await all.publish(later).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PredictionDeliveryError);
    expect((error as PredictionDeliveryError).failed).toEqual(['mqtt hs/v1/predictions/+/+']);
    expect((error as PredictionDeliveryError).delivered).toEqual([`database ${db.schema}.predictions`]);
    expect(await readPredictions(db, { since: '2025-06-01T12:05:00Z' })).toHaveLength(later.length);
    // Closing does not wait for the absent broker (mqtt.js would wait for its PUBACKs forever).
    const closing = Date.now();
    await all.close();
    expect(Date.now() - closing).toBeLessThan(5_000);
  });
});
