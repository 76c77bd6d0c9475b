import { once } from 'node:events';
import { expect, it } from 'vitest';
import { mqttReadingsFilter, mqttTopic, parseMqttTopic, parseReadingMessage, type Reading } from '@headstream/core';
import { describeEachTarget, mqttTargets, uniqueName } from '@headstream/testkit';
import { connectMqtt, type MqttClient } from '@headstream/transport';

describeEachTarget(mqttTargets(), 'MQTT on $name', ({ url, protocolVersion }) => {
  const root = uniqueName('hstest').replace(/-/g, '_');

  async function receive(client: MqttClient, count: number, timeoutMs = 10_000): Promise<{ topic: string; payload: Buffer }[]> {
    const got: { topic: string; payload: Buffer }[] = [];
    const done = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`received ${got.length} of ${count} messages`)), timeoutMs);
      client.on('message', (topic, payload) => {
        got.push({ topic, payload });
        if (got.length >= count) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    await done;
    return got;
  }

  it('publishes reading frames at QoS 1 and receives them parsed', async () => {
    const sub = await connectMqtt({ url, protocolVersion, clientId: uniqueName('sub') });
    const pub = await connectMqtt({ url, protocolVersion, clientId: uniqueName('pub') });
    try {
      const granted = await sub.subscribeAsync(mqttReadingsFilter({ root }), { qos: 1 });
      expect(granted.map((g) => g.qos)).toEqual([1]);
      const arriving = receive(sub, 20);
      const now = Date.now();
      for (let i = 0; i < 20; i++) {
        const frame = { site: `s${i % 4}`, ts: now - i * 1000, values: { flow: i, speed: 50 + i / 10 } };
        await pub.publishAsync(mqttTopic({ kind: 'readings', domain: 'city', site: frame.site }, root), JSON.stringify(frame), { qos: 1 });
      }
      const readings: Reading[] = [];
      for (const message of await arriving) {
        const topic = parseMqttTopic(message.topic, root);
        expect(topic?.kind).toBe('readings');
        const parsed = parseReadingMessage(message.payload, { domain: topic?.kind === 'readings' ? topic.domain : 'x' });
        if (!parsed.ok) throw new Error(parsed.detail);
        readings.push(...parsed.readings);
      }
      expect(readings.map((r) => r.values.flow).sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual(Array.from({ length: 20 }, (_, i) => i));
      expect(new Set(readings.map((r) => r.domain))).toEqual(new Set(['city']));
    } finally {
      await Promise.all([sub.endAsync(), pub.endAsync()]);
    }
  });

  it('keeps QoS 1 messages for a persistent session while its client is away', async () => {
    const clientId = uniqueName('persist');
    const topic = mqttTopic({ kind: 'readings', domain: 'factory', site: 'm1' }, root);
    const first = await connectMqtt({ url, protocolVersion, clientId, clean: false });
    await first.subscribeAsync(topic, { qos: 1 });
    await first.endAsync();

    const pub = await connectMqtt({ url, protocolVersion, clientId: uniqueName('pub') });
    for (let i = 0; i < 10; i++) await pub.publishAsync(topic, JSON.stringify({ site: 'm1', ts: Date.now(), values: { n: i } }), { qos: 1 });
    await pub.endAsync();

    // Listen before the CONNACK: the broker replays the queue right after it.
    const got: number[] = [];
    const second = await connectMqtt({
      url,
      protocolVersion,
      clientId,
      clean: false,
      onMessage: (_topic, payload) => got.push((JSON.parse(payload.toString()) as { values: { n: number } }).values.n),
    });
    try {
      for (let waited = 0; got.length < 10 && waited < 10_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
      expect(got.sort((a, b) => a - b)).toEqual(Array.from({ length: 10 }, (_, i) => i));
    } finally {
      await second.endAsync();
      // Tidy the session away.
      const cleanup = await connectMqtt({ url, protocolVersion, clientId, clean: true });
      await cleanup.endAsync();
    }
  });

  it('rejects a connection to a port where no broker listens', async () => {
    const server = await import('node:net').then((net) => net.createServer());
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    await new Promise<void>((r) => server.close(() => r()));
    await expect(connectMqtt({ url: `mqtt://127.0.0.1:${port}`, protocolVersion, reconnectPeriodMs: 0, connectTimeoutMs: 2_000 })).rejects.toThrow();
  });
});
