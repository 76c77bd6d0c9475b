import {
  kafkaTopic,
  mqttTopic,
  parseMqttTopic,
  parseReadingMessage,
  type Logger,
  type Metrics,
  type ParseOptions,
} from '@headstream/core';
import { ReadingWriter, type DeadLetter, type ReadingBatchItem, type SqlClient, type WriteMode } from '@headstream/store';
import type { InboundMessage, MessagePublisher, MessageSource } from '@headstream/transport';
import { DEFAULT_RETRY, retry, type RetryOptions } from './retry.js';

export interface IngestPipelineOptions {
  db: SqlClient;
  sources: MessageSource[];
  /** Where dead letters are also published, per source kind (MQTT hs/v1/deadletter, Kafka hs.deadletter). */
  deadLetterPublishers?: Partial<Record<'mqtt' | 'kafka', MessagePublisher>>;
  topicRoot?: string;
  parse?: Omit<ParseOptions, 'domain' | 'now'>;
  writeMode?: WriteMode | 'auto';
  retry?: RetryOptions;
  log?: Logger;
  metrics?: Metrics;
  /** Called after each batch commits (tests, benchmarks). */
  onCommitted?: (event: CommittedBatch) => void;
}

export interface CommittedBatch {
  source: 'mqtt' | 'kafka';
  messages: number;
  readings: number;
  inserted: number;
  duplicates: number;
  deadLetters: number;
  /** Per message: commit time − producer time (Kafka) or − receive time (MQTT), ms. */
  lagsMs: number[];
  /** Earliest receive time in the batch (ms): with the commit time, the batch's span. */
  firstReceivedAt: number;
  committedAt: number;
}

export interface IngestStats {
  batches: number;
  messages: number;
  readings: number;
  inserted: number;
  duplicates: number;
  deadLetters: number;
  retries: number;
}

/**
 * Sources → parse → one transaction per batch (readings + dead letters) → acknowledge.
 * Every valid reading is stored exactly once (ack after COMMIT + unique index), every bad
 * message lands in dead_letters with its reason, and a database outage only pauses the
 * flow: the batch in hand is retried until the database is back.
 */
export class IngestPipeline {
  readonly stats: IngestStats = { batches: 0, messages: 0, readings: 0, inserted: 0, duplicates: 0, deadLetters: 0, retries: 0 };
  private readonly writer: ReadingWriter;
  private readonly root: string;
  private stopping = false;
  private readonly instruments;

  constructor(private readonly options: IngestPipelineOptions) {
    this.writer = new ReadingWriter(options.db, { mode: options.writeMode ?? 'auto' });
    this.root = options.topicRoot ?? 'hs';
    const m = options.metrics;
    this.instruments = m && {
      messages: m.counter('ingest_messages_total', 'Messages received, by source', ['source']),
      readings: m.counter('ingest_readings_total', 'Readings stored (new rows)', ['source']),
      duplicates: m.counter('ingest_duplicate_readings_total', 'Re-delivered readings skipped', ['source']),
      deadLetters: m.counter('ingest_dead_letters_total', 'Messages dead-lettered, by reason', ['source', 'reason']),
      retries: m.counter('ingest_write_retries_total', 'Batch writes retried after a database error'),
      batchSize: m.histogram('ingest_batch_readings', 'Readings per committed batch', [10, 100, 1_000, 5_000, 20_000, 100_000], ['source']),
      batchSeconds: m.histogram('ingest_batch_seconds', 'Parse + write + commit time of one batch', [0.001, 0.005, 0.02, 0.05, 0.1, 0.5, 2, 10], ['source']),
      lagSeconds: m.histogram('ingest_lag_seconds', 'Producer/receive time to committed row', [0.005, 0.02, 0.05, 0.1, 0.25, 1, 5, 30], ['source']),
    };
  }

  get writeMode(): WriteMode {
    return this.writer.mode;
  }

  async start(): Promise<void> {
    for (const source of this.options.sources) await source.start((batch) => this.handle(source.kind, batch));
  }

  /** Stops consuming, finishes and acknowledges the batches in hand. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.options.sources.map((s) => s.stop()));
  }

  /** Parses and stores one batch; resolves only once it is committed. Public for replay and tests. */
  async handle(kind: 'mqtt' | 'kafka', batch: InboundMessage[]): Promise<void> {
    const started = performance.now();
    const items: ReadingBatchItem[] = [];
    const dead: DeadLetter[] = [];
    for (const message of batch) {
      const result = this.parse(kind, message);
      if (result.ok) for (const r of result.readings) items.push(r);
      else {
        dead.push({
          source: kind,
          topic: message.topic,
          ...(message.partition === undefined ? {} : { partition: message.partition }),
          ...(message.offset === undefined ? {} : { offset: message.offset }),
          reason: result.reason,
          detail: result.detail,
          payload: message.payload,
        });
      }
    }
    const written = await retry(() => this.writer.write(items, dead), this.options.retry ?? DEFAULT_RETRY, {
      // On shutdown, give up: the batch stays unacknowledged and is delivered again later.
      shouldStop: () => this.stopping,
      onRetry: (error, attempt, delayMs) => {
        this.stats.retries++;
        this.instruments?.retries.inc();
        this.options.log?.warn({ err: error, attempt, delayMs, readings: items.length }, 'batch write failed; retrying');
      },
    });
    const committedAt = Date.now();
    const lagsMs = batch.map((m) => committedAt - (m.publishedAt ?? m.receivedAt));
    this.stats.batches++;
    this.stats.messages += batch.length;
    this.stats.readings += written.rows;
    this.stats.inserted += written.inserted;
    this.stats.duplicates += written.duplicates;
    this.stats.deadLetters += dead.length;
    const i = this.instruments;
    if (i) {
      i.messages.inc({ source: kind }, batch.length);
      i.readings.inc({ source: kind }, written.inserted);
      if (written.duplicates > 0) i.duplicates.inc({ source: kind }, written.duplicates);
      for (const d of dead) i.deadLetters.inc({ source: kind, reason: d.reason });
      i.batchSize.observe({ source: kind }, written.rows);
      i.batchSeconds.observe({ source: kind }, (performance.now() - started) / 1000);
      for (const lag of lagsMs) i.lagSeconds.observe({ source: kind }, lag / 1000);
    }
    if (dead.length > 0) await this.publishDeadLetters(kind, dead);
    this.options.onCommitted?.({
      source: kind,
      messages: batch.length,
      readings: written.rows,
      inserted: written.inserted,
      duplicates: written.duplicates,
      deadLetters: dead.length,
      lagsMs,
      firstReceivedAt: batch.reduce((min, m) => Math.min(min, m.receivedAt), committedAt),
      committedAt,
    });
  }

  private parse(kind: 'mqtt' | 'kafka', message: InboundMessage) {
    let domain: string | undefined;
    if (kind === 'mqtt') {
      const topic = parseMqttTopic(message.topic, this.root);
      if (topic?.kind !== 'readings') {
        return { ok: false as const, reason: 'bad_topic', detail: `topic ${JSON.stringify(message.topic.slice(0, 200))} is not ${this.root}/v1/readings/{domain}/{site}` };
      }
      domain = topic.domain;
    }
    return parseReadingMessage(message.payload, { ...this.options.parse, ...(domain === undefined ? {} : { domain }) });
  }

  private async publishDeadLetters(kind: 'mqtt' | 'kafka', dead: DeadLetter[]): Promise<void> {
    const publisher = this.options.deadLetterPublishers?.[kind];
    if (!publisher) return;
    const topic = kind === 'mqtt' ? mqttTopic({ kind: 'deadletter' }, this.root) : kafkaTopic('deadletter', this.root);
    try {
      await publisher.publish(
        topic,
        dead.map((d) => ({
          payload: JSON.stringify({
            reason: d.reason,
            detail: d.detail,
            source: d.source,
            topic: d.topic,
            partition: d.partition,
            offset: d.offset,
            payload_size: d.payload.length,
            payload_base64: d.payload.subarray(0, 16 * 1024).toString('base64'),
          }),
        })),
      );
    } catch (error) {
      // The table already holds them; the topic copy is a convenience for subscribers.
      this.options.log?.warn({ err: error, count: dead.length }, 'could not publish dead letters');
    }
  }
}
