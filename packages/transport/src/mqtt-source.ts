import type { IPublishPacket } from 'mqtt';
import { connectMqtt, type MqttClient, type MqttConnectionOptions } from './mqtt.js';
import type { InboundMessage, MessagePublisher, MessageSource } from './source.js';

export interface MqttSourceOptions extends Omit<MqttConnectionOptions, 'clean' | 'onMessage' | 'clientId'> {
  /** Fixed client id: the broker keeps this session's QoS 1 messages while ingest is down. */
  clientId: string;
  /** Topic filters, e.g. mqttReadingsFilter({ shareGroup: 'ingest' }). */
  filters: string[];
  /**
   * 'after-commit' (default): PUBACK only once the batch is stored, so a crash loses
   * nothing; each connection then has one message in flight, so use several connections
   * with a shared subscription for throughput. 'on-receipt': PUBACK at once (faster; a
   * crash loses the batch in hand). MQTT 3.1.1 connections always ack on receipt.
   */
  ackMode?: 'after-commit' | 'on-receipt';
  /** Parallel connections (client ids suffixed -1..-N); > 1 needs $share/ filters. */
  connections?: number;
  maxBatchMessages?: number;
  maxBatchAgeMs?: number;
  onError?: (error: Error) => void;
}

interface Pending {
  message: InboundMessage;
  ack: (() => void) | undefined;
}

/** MQTT readings source: QoS 1, persistent sessions (clean: false), batched delivery. */
export function createMqttSource(options: MqttSourceOptions): MessageSource & { readonly ackMode: 'after-commit' | 'on-receipt' } {
  // mqtt.js defers PUBACKs only on MQTT 5. The 3.1.1 broker we meet is the embedded one,
  // in our own process: if we die it dies too, so acking on receipt loses nothing more.
  const ackMode = options.protocolVersion === 4 ? 'on-receipt' : (options.ackMode ?? 'after-commit');
  const connections = Math.max(1, options.connections ?? 1);
  if (connections > 1 && !options.filters.every((f) => f.startsWith('$share/'))) {
    throw new Error('several MQTT connections need shared subscriptions ($share/<group>/...) or each message arrives N times');
  }
  const maxBatchMessages = options.maxBatchMessages ?? 500;
  const maxBatchAgeMs = options.maxBatchAgeMs ?? (ackMode === 'after-commit' ? 10 : 100);
  const clients: MqttClient[] = [];
  let pending: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;
  let handler: ((batch: InboundMessage[]) => Promise<void>) | undefined;
  let chain: Promise<void> = Promise.resolve();
  let stopping = false;

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0 || !handler) return;
    const batch = pending;
    pending = [];
    const run = handler;
    // Batches are handled one after another, in arrival order.
    chain = chain.then(async () => {
      try {
        await run(batch.map((p) => p.message));
        for (const p of batch) p.ack?.();
      } catch (error) {
        options.onError?.(error instanceof Error ? error : new Error(String(error)));
        // Not acknowledged. A QoS 1 message the broker sent is re-delivered only on the
        // session's next connection, and mqtt.js reads nothing more from a connection with an
        // acknowledgement outstanding: reconnect (session kept) so the batch comes again and
        // consuming goes on. Never just end the clients: the process would be alive but deaf.
        if (ackMode === 'after-commit' && !stopping) {
          for (const c of clients) c.end(true, () => c.reconnect());
        }
      }
    });
  };

  const accept = (topic: string, payload: Buffer, ack: (() => void) | undefined) => {
    if (stopping) return; // not acknowledged: re-delivered after restart
    pending.push({ message: { source: 'mqtt', topic, payload, receivedAt: Date.now() }, ack });
    if (pending.length >= maxBatchMessages || (ackMode === 'after-commit' && pending.length >= connections)) flush();
    else timer ??= setTimeout(flush, maxBatchAgeMs);
  };

  return {
    kind: 'mqtt',
    ackMode,
    async start(onBatch) {
      handler = onBatch;
      for (let i = 0; i < connections; i++) {
        const clientId = connections === 1 ? options.clientId : `${options.clientId}-${i + 1}`;
        const base: MqttConnectionOptions = {
          ...options,
          clientId,
          clean: false,
          // QoS 0 deliveries (a broker may downgrade) have nothing to acknowledge; in
          // after-commit mode QoS 1 ones come through customHandleAcks instead.
          onMessage: (topic: string, payload: Buffer, packet: IPublishPacket) => {
            if (ackMode === 'on-receipt' || packet.qos === 0) accept(topic, payload, undefined);
          },
        };
        const client = await connectMqtt(
          ackMode === 'after-commit'
            ? {
                ...base,
                customHandleAcks: (topic: string, payload: Buffer, _packet: IPublishPacket, done: (code: number) => void) =>
                  accept(topic, payload, () => done(0)),
              }
            : base,
        );
        client.on('error', (error) => options.onError?.(error));
        clients.push(client);
        // Re-subscribing is harmless for a resumed session and needed for a new one.
        await client.subscribeAsync(options.filters, { qos: 1 });
      }
    },
    async stop() {
      stopping = true;
      flush();
      await chain;
      await Promise.all(clients.map((c) => c.endAsync()));
    },
    connected: () => !stopping && clients.length === connections && clients.every((c) => c.connected),
  };
}

export interface MqttPublisherOptions extends Omit<MqttConnectionOptions, 'onMessage'> {
  qos?: 0 | 1;
  /** Connection errors while reconnecting (broker gone); without a listener they would crash the process. */
  onError?: (error: Error) => void;
}

export async function createMqttPublisher(options: MqttPublisherOptions): Promise<MessagePublisher> {
  const client = await connectMqtt(options);
  client.on('error', (error) => options.onError?.(error));
  const qos = options.qos ?? 1;
  return {
    kind: 'mqtt',
    async publish(topic, messages, publishOptions) {
      await Promise.all(messages.map((m) => client.publishAsync(topic, m.payload, { qos, retain: publishOptions?.retain ?? false })));
    },
    close: () => client.endAsync(),
  };
}
