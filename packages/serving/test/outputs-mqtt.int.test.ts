import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { mqttTopic, predictionSchema, type Prediction } from '@headstream/core';
import { realServiceOrSkip, skipOrFailInCi, uniqueName, waitUntil } from '@headstream/testkit';
import { connectMqtt } from '@headstream/transport';
import { createMqttPredictionPublisher, type PredictionPublisher } from '../src/outputs/publishers.js';
import { committedSchemaErrors, samplePredictions } from './outputs-fixtures.js';

// The predictions as a third-party consumer sees them: Mosquitto's own client, mosquitto_sub
// (Debian mosquitto-clients), subscribed to {root}/v1/predictions/# on the real broker.

function mosquittoSubBinary(): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir && existsSync(join(dir, 'mosquitto_sub'))) return join(dir, 'mosquitto_sub');
  return null;
}

interface Received {
  retained: boolean;
  qos: number;
  topic: string;
  payload: string;
}

interface Subscriber {
  /** The messages printed so far (mosquitto_sub flushes after each message). */
  received(): Received[];
  /** Resolves with all `count` messages once mosquitto_sub has exited after them. */
  done: Promise<Received[]>;
}

const children = new Set<ChildProcess>();
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
  children.clear();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
});

/** Runs mosquitto_sub for `count` messages at QoS 1, each printed as "retain qos topic payload". */
function subscribe(binary: string, url: string, filter: string, count: number): Subscriber {
  const { hostname, port } = new URL(url);
  const args = ['-h', hostname, '-p', port || '1883', '-t', filter, '-q', '1', '-C', String(count), '-W', '30', '-F', '%r %q %t %p'];
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (err += chunk));
  const received = () =>
    out
      .split('\n')
      .filter((line) => /^[01] [012] /.test(line))
      .map((line) => {
        const [retained, qos, topic] = line.split(' ', 3) as [string, string, string];
        return { retained: retained === '1', qos: Number(qos), topic, payload: line.slice(retained.length + qos.length + topic.length + 3) };
      });
  const done = new Promise<Received[]>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve(received()) : reject(new Error(`mosquitto_sub ${args.join(' ')} exited with ${code}: ${err.trim() || 'no error output'}`))));
  });
  done.catch(() => undefined); // awaited by the test; never an unhandled rejection meanwhile
  return { received, done };
}

describe('predictions on the real Mosquitto', () => {
  it('publishes each prediction retained at QoS 1 to {root}/v1/predictions/{task}/{site}: late and live subscribers get valid payloads', { timeout: 60_000 }, async (ctx) => {
    const url = realServiceOrSkip(ctx, 'mqtt');
    const binary = mosquittoSubBinary();
    if (!binary) return skipOrFailInCi(ctx, 'mosquitto_sub is not installed (Debian package mosquitto-clients)');
    const root = uniqueName('hstest');
    const filter = `${root}/v1/predictions/#`;
    const publisher: PredictionPublisher = await createMqttPredictionPublisher({ url, root, clientId: uniqueName('hs-predictor'), reconnectPeriodMs: 0 });
    cleanups.push(() => publisher.close());
    expect(publisher.destination).toBe(`mqtt ${root}/v1/predictions/+/+`);
    const validate = committedSchemaErrors();
    const first = samplePredictions('2025-06-01T12:00:00.000Z');
    const second = samplePredictions('2025-06-01T12:05:00.000Z');
    const topics = first.map((p) => mqttTopic({ kind: 'predictions', task: p.task, site: p.site }, root));
    // The broker keeps retained messages after the test: clear them (an empty retained message).
    cleanups.push(async () => {
      const client = await connectMqtt({ url, reconnectPeriodMs: 0 });
      await Promise.all(topics.map((t) => client.publishAsync(t, '', { qos: 1, retain: true })));
      await client.endAsync();
    });

    // Retained first batch: a subscriber that connects later gets it at once (and so shows it has subscribed).
    await publisher.publish(first);
    const subscriber = subscribe(binary, url, filter, first.length + second.length);
    await waitUntil(() => subscriber.received().length >= first.length, 'the retained predictions', 30_000);
    // Then the next batch reaches it live.
    await publisher.publish(second);
    const received = await subscriber.done;
    const check = (m: Received, retained: boolean, expected: readonly Prediction[]) => {
      expect(m).toMatchObject({ retained, qos: 1 });
      const payload: unknown = JSON.parse(m.payload);
      expect(validate(payload)).toBeNull();
      expect(predictionSchema.safeParse(payload).success).toBe(true);
      // Exactly the prediction object, on its own task/site topic.
      expect(payload).toEqual(expected[topics.indexOf(m.topic)]);
    };
    expect(received.map((m) => m.topic).sort()).toEqual([...topics, ...topics].sort());
    for (const m of received.slice(0, first.length)) check(m, true, first);
    for (const m of received.slice(first.length)) check(m, false, second);

    // Another late subscriber gets each topic's latest prediction only.
    const late = await subscribe(binary, url, filter, topics.length).done;
    expect(late.map((m) => m.topic).sort()).toEqual([...topics].sort());
    for (const m of late) check(m, true, second);
  });

  it('publishes nothing from a batch with an invalid prediction', { timeout: 60_000 }, async (ctx) => {
    const url = realServiceOrSkip(ctx, 'mqtt');
    const root = uniqueName('hstest');
    const publisher = await createMqttPredictionPublisher({ url, root, clientId: uniqueName('hs-predictor'), reconnectPeriodMs: 0 });
    cleanups.push(() => publisher.close());
    const received: string[] = [];
    const client = await connectMqtt({ url, reconnectPeriodMs: 0, onMessage: (topic) => received.push(topic) });
    cleanups.push(() => client.endAsync());
    await client.subscribeAsync(`${root}/v1/predictions/#`, { qos: 1 });
    const [good, , bad] = samplePredictions('2025-06-01T12:00:00.000Z');
    if (!good || bad?.kind !== 'classification') throw new Error('unexpected samples');
    const markerTopic = mqttTopic({ kind: 'predictions', task: good.task, site: 'marker' }, root);
    cleanups.push(async () => {
      const clearer = await connectMqtt({ url, reconnectPeriodMs: 0 });
      await clearer.publishAsync(markerTopic, '', { qos: 1, retain: true });
      await clearer.endAsync();
    });
    await expect(publisher.publish([good, { ...bad, label: '' }])).rejects.toThrow(/task fault, site pump-1/);
    // A marker published after the rejected batch arrives alone: nothing of that batch went out.
    await publisher.publish([{ ...good, site: 'marker' }]);
    await waitUntil(() => received.length > 0, 'the marker prediction', 10_000);
    expect(received).toEqual([markerTopic]);
  });
});
