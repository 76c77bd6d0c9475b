import type { IPublishPacket } from 'mqtt';
import { connectMqtt, type MqttClient, type MqttConnectionOptions } from './mqtt.js';
import type { InboundMessage, MessagePublisher, MessageSource } from './source.js';

export interface MqttSourceOptions extends Omit<MqttConnectionOptions, 'clean' | 'onMessage' | 'clientId' | 'handleMessage' | 'resubscribe'> {
  /** Fixed client id: the broker keeps this session's QoS 1 messages while ingest is down. */
  clientId: string;
  /**
   * 'persistent' (default): the session outlives the connection (clean start off, MQTT 5 session
   * expiry sessionExpirySeconds), so the broker keeps QoS 1 messages for a stable client id while
   * the service is away. 'one-off': clean start, session expiry 0: the broker forgets the session
   * and its subscriptions as soon as the connection closes (a crash included), so a run that never
   * comes back (a demo, a tool, a per-process client id) leaves nothing queued behind; what is
   * published while it is disconnected is not kept for it.
   */
  session?: 'persistent' | 'one-off';
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
  /** A batch is handed over once its payloads reach this many bytes (default 16 MiB; one larger message makes a batch of one). */
  maxBatchBytes?: number;
  maxBatchAgeMs?: number;
  /**
   * Bound of the messages received and not yet handled (batches waiting + the batch in
   * hand), by count (default 10000) and payload bytes (default 64 MiB). When it is full,
   * the client stops reading from its connection and acknowledging (the broker holds the
   * messages, TCP and the session's in-flight window push back on it) until batches
   * complete. The message that crosses the bytes bound is kept, so bytes stay under the
   * bound plus one message.
   */
  maxQueueMessages?: number;
  maxQueueBytes?: number;
  onError?: (error: Error) => void;
  /** The source kind its messages carry (default mqtt; sparkplug for Sparkplug B topics). */
  kind?: string;
}

/** The queue of received, not yet handled messages (see MqttSourceOptions.maxQueueMessages). */
export interface MqttQueueStats {
  messages: number;
  bytes: number;
  /** Highest values since start. */
  peakMessages: number;
  peakBytes: number;
  /** Reading is paused (queue full) on at least one connection. */
  paused: boolean;
  /** Times reading was paused. */
  pauses: number;
  maxMessages: number;
  maxBytes: number;
}

export const MQTT_SOURCE_DEFAULTS = {
  maxBatchMessages: 500,
  maxBatchBytes: 16 * 1024 * 1024,
  maxQueueMessages: 10_000,
  maxQueueBytes: 64 * 1024 * 1024,
} as const;

interface Pending {
  message: InboundMessage;
  ack: (() => void) | undefined;
}

interface Held {
  messageId: number | undefined;
  release: () => void;
}

/** MQTT readings source: QoS 1, persistent sessions (clean: false) unless session is 'one-off', batched delivery. */
export function createMqttSource(
  options: MqttSourceOptions,
): MessageSource & { readonly ackMode: 'after-commit' | 'on-receipt'; queue(): MqttQueueStats } {
  // mqtt.js defers PUBACKs only on MQTT 5. The 3.1.1 broker we meet is the embedded one,
  // in our own process: if we die it dies too, so acking on receipt loses nothing more.
  const ackMode = options.protocolVersion === 4 ? 'on-receipt' : (options.ackMode ?? 'after-commit');
  const connections = Math.max(1, options.connections ?? 1);
  if (connections > 1 && !options.filters.every((f) => f.startsWith('$share/'))) {
    throw new Error('several MQTT connections need shared subscriptions ($share/<group>/...) or each message arrives N times');
  }
  const kind = options.kind ?? 'mqtt';
  const maxBatchMessages = options.maxBatchMessages ?? MQTT_SOURCE_DEFAULTS.maxBatchMessages;
  const maxBatchBytes = options.maxBatchBytes ?? MQTT_SOURCE_DEFAULTS.maxBatchBytes;
  const maxQueueMessages = Math.max(1, options.maxQueueMessages ?? MQTT_SOURCE_DEFAULTS.maxQueueMessages);
  const maxQueueBytes = Math.max(1, options.maxQueueBytes ?? MQTT_SOURCE_DEFAULTS.maxQueueBytes);
  const maxBatchAgeMs = options.maxBatchAgeMs ?? (ackMode === 'after-commit' ? 10 : 100);
  const clients: MqttClient[] = [];
  let pending: Pending[] = [];
  let pendingBytes = 0;
  let timer: NodeJS.Timeout | undefined;
  let handler: ((batch: InboundMessage[]) => Promise<void>) | undefined;
  let chain: Promise<void> = Promise.resolve();
  let stopping = false;
  // Received and not yet handled: pending + batches waiting in the chain + the batch in hand.
  const queued = { messages: 0, bytes: 0, peakMessages: 0, peakBytes: 0, pauses: 0 };
  // Per connection, the delivery whose processing is held while the queue is full.
  const held = new Map<number, Held>();
  const full = () => queued.messages >= maxQueueMessages || queued.bytes >= maxQueueBytes;
  const releaseHeld = () => {
    if (full()) return;
    for (const [i, h] of [...held]) {
      held.delete(i);
      h.release();
    }
  };

  const flush = () => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    if (pending.length === 0 || !handler) return;
    const batch = pending;
    const batchBytes = pendingBytes;
    pending = [];
    pendingBytes = 0;
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
      } finally {
        queued.messages -= batch.length;
        queued.bytes -= batchBytes;
        releaseHeld();
      }
    });
  };

  const accept = (connection: number, topic: string, payload: Buffer, packet: IPublishPacket, ack: (() => void) | undefined) => {
    if (stopping) return; // not acknowledged: re-delivered after restart
    // After a reconnect while paused, the broker sends the held (unacknowledged) message
    // again: it is queued already.
    const h = held.get(connection);
    if (packet.dup && h && h.messageId !== undefined && h.messageId === packet.messageId) return;
    if (pending.length > 0 && pendingBytes + payload.length > maxBatchBytes) flush();
    pending.push({ message: { source: kind, topic, payload, receivedAt: Date.now() }, ack });
    pendingBytes += payload.length;
    queued.messages++;
    queued.bytes += payload.length;
    queued.peakMessages = Math.max(queued.peakMessages, queued.messages);
    queued.peakBytes = Math.max(queued.peakBytes, queued.bytes);
    if (pending.length >= maxBatchMessages || pendingBytes >= maxBatchBytes || (ackMode === 'after-commit' && pending.length >= connections)) flush();
    else timer ??= setTimeout(flush, maxBatchAgeMs);
  };

  // Per connection, whether its subscriptions were granted on the current connection.
  const subscribed: boolean[] = [];
  // Refuse to run deaf or lossy: a refused filter (0x80 and up: not authorized, quota…) or one
  // granted QoS 0 (messages would be dropped instead of kept for us) is a failure.
  const subscribe = async (client: MqttClient, i: number) => {
    // mqtt.js rejects when a reason code is 0x80 or more; the SUBACK rides on the error.
    const granted = await client.subscribeAsync(options.filters, { qos: 1, ...(options.protocolVersion === 4 ? {} : { rh: 1 as const }) }).catch((error: unknown) => {
      const codes = (error as { packet?: { granted?: unknown[] } }).packet?.granted;
      if (!Array.isArray(codes)) throw error;
      return options.filters.map((topic, k) => ({ topic, qos: typeof codes[k] === 'number' ? codes[k] : 0x80 }));
    });
    const bad = granted.filter((g) => g.qos !== 1 && g.qos !== 2);
    if (bad.length > 0) {
      throw new Error(`MQTT broker refused the subscription(s) ${bad.map((g) => `${g.topic} (${g.qos === 0 ? 'granted QoS 0, QoS 1 needed' : `reason code 0x${g.qos.toString(16)}`})`).join(', ')}`);
    }
    if (granted.length !== options.filters.length) throw new Error(`MQTT broker granted ${granted.length} of ${options.filters.length} subscription(s)`);
    subscribed[i] = true;
  };

  return {
    kind,
    ackMode,
    async start(onBatch) {
      handler = onBatch;
      for (let i = 0; i < connections; i++) {
        const clientId = connections === 1 ? options.clientId : `${options.clientId}-${i + 1}`;
        const base: MqttConnectionOptions = {
          ...options,
          clientId,
          clean: options.session === 'one-off',
          // We subscribe on every connection ourselves (below).
          resubscribe: false,
          reconnectPeriodMs: options.reconnectPeriodMs ?? 250,
          // QoS 0 deliveries (a broker may downgrade) have nothing to acknowledge; in
          // after-commit mode QoS 1 ones come through customHandleAcks instead.
          onMessage: (topic: string, payload: Buffer, packet: IPublishPacket) => {
            if (ackMode === 'on-receipt' || packet.qos === 0) accept(i, topic, payload, packet, undefined);
          },
          // Called after each delivery was queued, before its PUBACK (on receipt) and before
          // the next packet is read: holding it while the queue is full stops reading.
          handleMessage: (packet, callback) => {
            if (!full()) {
              callback();
              return;
            }
            queued.pauses++;
            held.set(i, { messageId: packet.cmd === 'publish' ? packet.messageId : undefined, release: () => callback() });
          },
        };
        const client = await connectMqtt(
          ackMode === 'after-commit'
            ? {
                ...base,
                customHandleAcks: (topic: string, payload: Buffer, packet: IPublishPacket, done: (code: number) => void) =>
                  accept(i, topic, payload, packet, () => done(0)),
              }
            : base,
        );
        client.on('error', (error) => options.onError?.(error));
        clients.push(client);
        subscribed.push(false);
        try {
          await subscribe(client, i);
        } catch (error) {
          stopping = true;
          await Promise.all(clients.map((c) => c.endAsync(true)));
          throw error;
        }
        // Subscribe again on every later connection, whatever the broker says of the session: a
        // broker may resume a session (session present) without its subscriptions. Mosquitto 2
        // does with a $share subscription after a restart: it restores the session and its queued
        // messages from its persistence file, which holds no shared subscription, so the member
        // would stay connected and receive nothing more (mqtt.js re-subscribes only when the session
        // is new). Subscribing again to a subscription the session has is harmless.
        client.on('connect', () => {
          subscribed[i] = false;
          if (stopping) return;
          subscribe(client, i).catch((error: unknown) => {
            options.onError?.(new Error(`MQTT re-subscription after a reconnect failed: ${error instanceof Error ? error.message : String(error)}`));
            // Deaf is worse than down: drop the connection and try again on the next one (a
            // connection lost meanwhile subscribes again on its own next 'connect').
            if (!stopping && client.connected) client.end(true, () => client.reconnect());
          });
        });
      }
    },
    async stop() {
      stopping = true;
      flush();
      await chain;
      held.clear(); // not acknowledged: re-delivered after restart
      await Promise.all(clients.map((c) => c.endAsync()));
    },
    connected: () => !stopping && clients.length === connections && clients.every((c, i) => c.connected && subscribed[i] === true),
    queue: () => ({ ...queued, paused: held.size > 0, maxMessages: maxQueueMessages, maxBytes: maxQueueBytes }),
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
