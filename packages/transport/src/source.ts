/** One message as received from MQTT or Kafka, before parsing. */
export interface InboundMessage {
  source: 'mqtt' | 'kafka';
  topic: string;
  payload: Buffer;
  key?: string | null;
  partition?: number;
  offset?: string;
  /** When the transport received it (ms), for lag metrics. */
  receivedAt: number;
  /** When the producer sent it (Kafka CreateTime), if known. */
  publishedAt?: number;
}

/**
 * A stream of inbound messages delivered in batches. A batch is acknowledged (MQTT PUBACK,
 * Kafka offset commit) only after the handler's promise resolves; if it rejects, the batch
 * is not acknowledged and will be delivered again. Handlers should retry transient
 * failures themselves: a rejection means "give up on this delivery".
 */
export interface MessageSource {
  readonly kind: 'mqtt' | 'kafka';
  start(handler: (batch: InboundMessage[]) => Promise<void>): Promise<void>;
  /** Stops receiving; waits for the batch in hand to finish and be acknowledged. */
  stop(): Promise<void>;
  /** Whether the source is connected to its broker(s) now (for /healthz); absent = always. */
  connected?(): boolean;
}

/** Publishes messages to a topic (MQTT topic or Kafka topic). */
export interface MessagePublisher {
  readonly kind: 'mqtt' | 'kafka';
  publish(topic: string, messages: { key?: string; payload: Buffer | string }[], options?: { retain?: boolean }): Promise<void>;
  close(): Promise<void>;
}
