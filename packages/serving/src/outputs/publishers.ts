import { DEFAULT_READINGS_PARTITIONS, DEFAULT_TOPIC_ROOT, kafkaTopic, mqttPredictionsFilter, mqttTopic, type Prediction } from '@headstream/core';
import type { SqlClient } from '@headstream/store';
import { connectMqtt, createKafkaConnection, type KafkaConnectionOptions, type MqttPublisherOptions } from '@headstream/transport';
import { writePredictions } from './predictions-table.js';
import { checkPredictions } from './validate.js';

/** Where predictions go: MQTT, Kafka, the database, or all of them (fanOut). */
export interface PredictionPublisher {
  /** Names the destination in logs and errors, e.g. "kafka hs.predictions" (never credentials). */
  readonly destination: string;
  /**
   * Delivers the batch; resolves once the destination has accepted all of it (MQTT PUBACKs,
   * Kafka acks from all in-sync replicas, database commit). Throws InvalidPredictionError,
   * before delivering anything, when a prediction breaks the contract.
   */
  publish(batch: readonly Prediction[]): Promise<void>;
  close(): Promise<void>;
}

export interface MqttPredictionPublisherOptions extends Omit<MqttPublisherOptions, 'qos'> {
  /** Topic root (default "hs"): predictions go to {root}/v1/predictions/{task}/{site}. */
  root?: string;
}

/** How long close() lets the broker acknowledge messages still in flight. */
const MQTT_CLOSE_GRACE_MS = 5_000;

/**
 * Publishes each prediction as JSON to {root}/v1/predictions/{task}/{site}, QoS 1 and retained,
 * so a subscriber that connects later still gets each site's latest prediction at once. While
 * the broker is away, publish() waits for it (the client reconnects and resends); fanOut bounds
 * that wait.
 */
export async function createMqttPredictionPublisher(options: MqttPredictionPublisherOptions): Promise<PredictionPublisher> {
  const { root = DEFAULT_TOPIC_ROOT, onError, ...connection } = options;
  const client = await connectMqtt(connection);
  // Without a listener, a connection error (broker gone, reconnect refused) would crash the process.
  client.on('error', (error) => onError?.(error));
  const unacknowledged = () => Object.keys(client.outgoing).length;
  let closing: Promise<void> | undefined;
  return {
    destination: `mqtt ${mqttPredictionsFilter({ root })}`,
    async publish(batch) {
      checkPredictions(batch);
      await Promise.all(batch.map((p) => client.publishAsync(mqttTopic({ kind: 'predictions', task: p.task, site: p.site }, root), JSON.stringify(p), { qos: 1, retain: true })));
    },
    // Once only: ending an ended mqtt.js client can wait forever for a socket that has closed already.
    close: () => (closing ??= end()),
  };

  async function end(): Promise<void> {
    // mqtt.js's graceful end waits for every PUBACK still due, forever once the broker is gone:
    // give those a grace period, then end forcibly if the broker is gone or still owes some.
    const deadline = Date.now() + MQTT_CLOSE_GRACE_MS;
    while (client.connected && unacknowledged() > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const ended = client.endAsync(!client.connected || unacknowledged() > 0);
    // Should the broker vanish during the DISCONNECT itself, dropping the socket completes the end.
    const timer = setTimeout(() => client.stream.destroy(), MQTT_CLOSE_GRACE_MS);
    try {
      await ended;
    } finally {
      clearTimeout(timer);
    }
  }
}

export interface KafkaPredictionPublisherOptions {
  connection: KafkaConnectionOptions;
  /** Topic root (default "hs"): predictions go to {root}.predictions, key = site. */
  root?: string;
  /** Partitions of {root}.predictions when this publisher creates it (default: as many as hs.readings). */
  partitions?: number;
}

/**
 * Publishes each prediction as JSON to {root}.predictions with the site as key, so one site's
 * predictions stay in order on one partition. Creates the topic when it is missing (producers
 * never auto-create topics).
 */
export async function createKafkaPredictionPublisher(options: KafkaPredictionPublisherOptions): Promise<PredictionPublisher> {
  const topic = kafkaTopic('predictions', options.root ?? DEFAULT_TOPIC_ROOT);
  const connection = createKafkaConnection(options.connection);
  try {
    await connection.ensureTopics([{ name: topic, partitions: options.partitions ?? DEFAULT_READINGS_PARTITIONS }]);
    const producer = await connection.producer();
    return {
      destination: `kafka ${topic}`,
      async publish(batch) {
        checkPredictions(batch);
        if (batch.length === 0) return;
        await producer.send(
          topic,
          batch.map((p) => ({ key: p.site, value: JSON.stringify(p) })),
        );
      },
      // Closing the connection disconnects its producer and admin client too.
      close: () => connection.close(),
    };
  } catch (error) {
    await connection.close().catch(() => undefined);
    throw error;
  }
}

/**
 * Stores predictions in the database's `predictions` table (writePredictions: idempotent, one
 * statement per batch). The connection stays the caller's: close() leaves it open.
 */
export function databasePredictionPublisher(db: SqlClient): PredictionPublisher {
  return {
    destination: `database ${db.schema}.predictions`,
    async publish(batch) {
      await writePredictions(db, batch);
    },
    close: () => Promise.resolve(),
  };
}

/** A fanOut batch that some destinations did not take; `errors` holds one Error per failed destination. */
export class PredictionDeliveryError extends AggregateError {
  override name = 'PredictionDeliveryError';
  constructor(
    errors: Error[],
    /** Destinations that took the whole batch. */
    readonly delivered: string[],
    /** Destinations that failed, in the order of `errors`. */
    readonly failed: string[],
  ) {
    super(errors, `predictions not delivered to ${failed.length} of ${failed.length + delivered.length} destination(s): ${errors.map((e) => e.message).join('; ')}`);
  }
}

export interface FanOutOptions {
  /**
   * A destination that has not taken the batch after this long counts as failed, so one that
   * hangs (an MQTT broker away: the client queues until it is back) cannot hold up the caller.
   * Its delivery may still complete later. Also bounds each destination's close(). Default 30 s.
   */
  timeoutMs?: number;
}

const DEFAULT_FAN_OUT_TIMEOUT_MS = 30_000;

function settleWithin(promise: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Runs `action` on every publisher at once; after all settle, throws PredictionDeliveryError naming each one that failed. */
async function onEach(publishers: readonly PredictionPublisher[], verb: string, action: (p: PredictionPublisher) => Promise<void>): Promise<void> {
  // async: a publisher that throws synchronously still settles like the others.
  const results = await Promise.allSettled(publishers.map(async (p) => action(p)));
  const delivered: string[] = [];
  const failed: string[] = [];
  const errors: Error[] = [];
  results.forEach((result, i) => {
    const destination = publishers[i]?.destination ?? `destination ${i}`;
    if (result.status === 'fulfilled') {
      delivered.push(destination);
      return;
    }
    failed.push(destination);
    errors.push(new Error(`${verb} ${destination}: ${reason(result.reason)}`, { cause: result.reason }));
  });
  if (errors.length > 0) throw new PredictionDeliveryError(errors, delivered, failed);
}

/**
 * Publishes each batch to all `publishers` at once. A failing destination does not stop the
 * others: once every one has settled, the failures surface together as a PredictionDeliveryError
 * (an AggregateError) that names each failed destination and lists the ones that got the batch.
 * An invalid batch throws InvalidPredictionError and goes nowhere.
 */
export function fanOut(publishers: readonly PredictionPublisher[], options: FanOutOptions = {}): PredictionPublisher {
  const timeoutMs = options.timeoutMs ?? DEFAULT_FAN_OUT_TIMEOUT_MS;
  return {
    destination: publishers.map((p) => p.destination).join(', '),
    async publish(batch) {
      checkPredictions(batch);
      await onEach(publishers, 'publishing to', (p) => settleWithin(p.publish(batch), timeoutMs));
    },
    close: () => onEach(publishers, 'closing', (p) => settleWithin(p.close(), timeoutMs)),
  };
}
