import { createServer, type AddressInfo, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { connectMqtt, createMqttSource, startEmbeddedMqttBroker, type InboundMessage } from '../src/index.js';

// Item 4 (bounded memory): batches bounded by bytes; item 2: the queue of received, unhandled
// messages is bounded and reading stops while it is full. Against the embedded broker (no service needed).

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

async function waitFor(check: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function setup(options: Partial<Parameters<typeof createMqttSource>[0]>, handle: (batch: InboundMessage[]) => Promise<void>) {
  const broker = await startEmbeddedMqttBroker({ port: 0 });
  cleanups.push(() => broker.close());
  const source = createMqttSource({ url: broker.url, protocolVersion: 4, clientId: `bounds-${process.pid}-${Date.now()}`, filters: ['t/#'], ...options });
  await source.start(handle);
  cleanups.push(() => source.stop());
  const pub = await connectMqtt({ url: broker.url, protocolVersion: 4 });
  cleanups.push(() => pub.endAsync());
  return { source, pub };
}

describe('MQTT source bounds', () => {
  it('a batch holds at most maxBatchBytes of payload (one larger message alone)', async () => {
    const batches: number[][] = [];
    const { pub } = await setup({ maxBatchBytes: 10_000, maxBatchMessages: 500, maxBatchAgeMs: 200 }, (batch) => {
      batches.push(batch.map((m) => m.payload.length));
      return Promise.resolve();
    });
    const sizes = [4_000, 4_000, 4_000, 4_000, 30_000, 1_000, 1_000, 4_000, 4_000, 4_000];
    await Promise.all(sizes.map((n) => pub.publishAsync('t/x', Buffer.alloc(n, 97), { qos: 1 })));
    await waitFor(() => batches.flat().length === sizes.length, 'every message to be handed over');
    expect(batches.flat()).toEqual(sizes); // in order, each once
    for (const b of batches) {
      const bytes = b.reduce((s, n) => s + n, 0);
      if (b.length > 1) expect(bytes).toBeLessThanOrEqual(10_000);
    }
    expect(batches).toContainEqual([30_000]);
  });

  it('the queue of received, unhandled messages never exceeds maxQueueMessages; reading resumes once it drains', async () => {
    let release: (() => void) | undefined;
    const blocked = new Promise<void>((r) => (release = r));
    const handled: string[] = [];
    const { source, pub } = await setup({ maxQueueMessages: 20, maxBatchMessages: 5, maxBatchAgeMs: 20 }, async (batch) => {
      await blocked; // the database is down
      handled.push(...batch.map((m) => m.payload.toString()));
    });
    const N = 300;
    const published = Promise.all(Array.from({ length: N }, (_, i) => pub.publishAsync('t/x', String(i), { qos: 1 })));
    await waitFor(() => source.queue().paused, 'the source to pause reading');
    let peak = 0;
    for (let i = 0; i < 20; i++) {
      peak = Math.max(peak, source.queue().messages);
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(source.queue()).toMatchObject({ messages: 20, paused: true, maxMessages: 20 });
    expect(peak).toBeLessThanOrEqual(20);
    release?.();
    await published;
    await waitFor(() => handled.length >= N, 'every message to be handled');
    expect(handled.map(Number)).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(source.queue()).toMatchObject({ messages: 0, bytes: 0, peakMessages: 20, paused: false });
    expect(source.queue().pauses).toBeGreaterThan(0);
  });

  it('asks an MQTT 5 broker for a maximum packet size (CONNECT property 39)', async () => {
    // A bare TCP server that keeps the CONNECT packet's bytes.
    let received = Buffer.alloc(0);
    const open: Socket[] = [];
    const server = createServer((socket) => {
      open.push(socket);
      socket.on('data', (d: Buffer) => (received = Buffer.concat([received, d])));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => server.close(r)));
    const port = (server.address() as AddressInfo).port;
    const connecting = connectMqtt({ url: `mqtt://127.0.0.1:${port}`, protocolVersion: 5, maximumPacketSize: 1_200_000, reconnectPeriodMs: 0, connectTimeoutMs: 2_000 });
    await waitFor(() => received.length > 0, 'the CONNECT packet');
    const property = Buffer.from([39, 0, 0, 0, 0]);
    property.writeUInt32BE(1_200_000, 1);
    expect(received[0]).toBe(0x10); // CONNECT
    expect(received.includes(property)).toBe(true);
    for (const socket of open) socket.destroy(); // no CONNACK: the connect attempt fails
    await connecting.catch(() => undefined);
  });
});
