import type { EdgeNodeStatus, InboundOptions, Reading } from '@headstream/core';

/** One message as received from a source (MQTT, Kafka, Sparkplug B, ...), before decoding. */
export interface InboundMessage {
  /** The kind of source that received it (a registered source kind, see sources/registry.ts). */
  source: string;
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
  /** A registered source kind (sources/registry.ts): mqtt, kafka, sparkplug, ... */
  readonly kind: string;
  /**
   * The source's decoder: a message's readings, or why it is refused (the reader dead-letters it
   * with that reason). Ingest and the predictor both decode through it, with the same options
   * (limits, allow-lists, topic root). A stateful decoder (Sparkplug B's alias tables) keeps its
   * state in the source instance. Absent: the message is a Headstream frame message (core's decodeInbound).
   */
  decode?(message: InboundMessage, options: InboundOptions): DecodeVerdict;
  /** Extra /healthz detail (e.g. Sparkplug nodes online/offline); absent = none. */
  health?(): Record<string, unknown>;
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

/**
 * What a source's decoder says of one message: its readings, or a reason (dead_letters.reason) and a
 * detail. `nodes`: edge nodes or devices the message took online or offline (Sparkplug B BIRTH/DEATH),
 * whether or not its readings are accepted; ingest records them with the batch (edge_nodes).
 */
export type DecodeVerdict = ({ ok: true; readings: Reading[] } | { ok: false; reason: string; detail: string }) & { nodes?: EdgeNodeStatus[] };
