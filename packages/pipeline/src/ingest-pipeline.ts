import {
  kafkaTopic,
  mqttTopic,
  parseMqttTopic,
  parseReadingMessage,
  type Logger,
  type Metrics,
  type ParseOptions,
} from '@headstream/core';
import { ReadingWriter, type DeadLetter, type ReadingBatchItem, type SqlClient, type WriteMode, type WriteResult } from '@headstream/store';
import type { InboundMessage, MessagePublisher, MessageSource } from '@headstream/transport';
import { DEFAULT_RETRY, describeDbError, isStoreFailure, retry, type RetryOptions } from './retry.js';

/** The store refuses writes whatever the message (no privilege, read-only, disk full): restart needed. */
export class StoreUnavailableError extends Error {
  override name = 'StoreUnavailableError';
  constructor(
    readonly why: string,
    override readonly cause: unknown,
  ) {
    super(`store unavailable: ${why}: ${describeDbError(cause)}`);
  }
}

/** One source as /healthz shows it. */
export interface SourceHealth {
  kind: 'mqtt' | 'kafka';
  connected: boolean;
  /** ISO time of the last committed batch; null before the first. */
  lastCommittedAt: string | null;
  /** Failed write attempts and failed batches since the last commit. */
  consecutiveFailures: number;
  /** Age of the oldest batch in hand not yet committed, ms (0 when none). */
  pendingForMs: number;
  /** A batch has been in hand longer than the stall threshold. */
  stalled: boolean;
}

export interface PipelineHealth {
  ok: boolean;
  /** Set once the store has failed for good (see StoreUnavailableError). */
  fatal?: string;
  sources: SourceHealth[];
}

interface SourceState {
  source: MessageSource;
  lastCommittedAt: number | undefined;
  consecutiveFailures: number;
  /** Start time of each batch in hand. */
  inFlight: Map<object, number>;
}

interface ParsedMessage {
  message: InboundMessage;
  items: ReadingBatchItem[];
}

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
  /** A batch in hand longer than this makes its source "stalled" (health not ok). Default 120000 ms. */
  stallAfterMs?: number;
  /**
   * Called once when the store fails for good (StoreUnavailableError): the service exits
   * non-zero so a supervisor restarts it. The batch is not acknowledged either way.
   */
  onFatal?: (error: StoreUnavailableError) => void;
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
  /** Messages the database refused (dead-lettered as store_rejected after splitting their batch). */
  storeRejected: number;
}

/**
 * Sources → parse → one transaction per batch (readings + dead letters) → acknowledge.
 * Every valid reading is stored exactly once (ack after COMMIT + unique index), every bad
 * message lands in dead_letters with its reason, and a database outage only pauses the
 * flow: the batch in hand is retried until the database is back.
 *
 * A batch the database refuses for a reason that is not transient is split in halves
 * until the message(s) it refuses are found: those are dead-lettered as store_rejected,
 * the rest is stored and the batch acknowledged, so one poison message never stops a
 * source. When the store refuses everything (StoreUnavailableError), onFatal is called.
 */
export class IngestPipeline {
  readonly stats: IngestStats = { batches: 0, messages: 0, readings: 0, inserted: 0, duplicates: 0, deadLetters: 0, retries: 0, storeRejected: 0 };
  private readonly writer: ReadingWriter;
  private readonly root: string;
  private stopping = false;
  private fatal: StoreUnavailableError | undefined;
  private readonly states: SourceState[];
  private readonly instruments;

  constructor(private readonly options: IngestPipelineOptions) {
    this.writer = new ReadingWriter(options.db, { mode: options.writeMode ?? 'auto' });
    this.root = options.topicRoot ?? 'hs';
    this.states = options.sources.map((source) => ({ source, lastCommittedAt: undefined, consecutiveFailures: 0, inFlight: new Map() }));
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
    for (const state of this.states) await state.source.start((batch) => this.handleFor(state.source.kind, batch, state));
  }

  /** Per source: connected, last commit, failures in a row, stalled; ok when all are fine. */
  health(now = Date.now()): PipelineHealth {
    const stallAfterMs = this.options.stallAfterMs ?? 120_000;
    const sources = this.states.map((s): SourceHealth => {
      let oldest = now;
      for (const t of s.inFlight.values()) oldest = Math.min(oldest, t);
      const pendingForMs = now - oldest;
      return {
        kind: s.source.kind,
        connected: s.source.connected?.() ?? true,
        lastCommittedAt: s.lastCommittedAt === undefined ? null : new Date(s.lastCommittedAt).toISOString(),
        consecutiveFailures: s.consecutiveFailures,
        pendingForMs,
        stalled: pendingForMs > stallAfterMs,
      };
    });
    return {
      ok: this.fatal === undefined && sources.every((s) => s.connected && !s.stalled),
      ...(this.fatal ? { fatal: this.fatal.message } : {}),
      sources,
    };
  }

  /** Stops consuming, finishes and acknowledges the batches in hand. */
  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.options.sources.map((s) => s.stop()));
  }

  /** Parses and stores one batch; resolves only once it is committed. Public for replay and tests. */
  handle(kind: 'mqtt' | 'kafka', batch: InboundMessage[]): Promise<void> {
    return this.handleFor(kind, batch, undefined);
  }

  private async handleFor(kind: 'mqtt' | 'kafka', batch: InboundMessage[], state: SourceState | undefined): Promise<void> {
    const token = {};
    state?.inFlight.set(token, Date.now());
    try {
      await this.process(kind, batch, state);
      if (state) {
        state.lastCommittedAt = Date.now();
        state.consecutiveFailures = 0;
      }
    } catch (error) {
      if (state) state.consecutiveFailures++;
      if (error instanceof StoreUnavailableError && this.fatal === undefined) {
        this.fatal = error;
        this.options.log?.error({ err: error.cause, why: error.why }, error.message);
        this.options.onFatal?.(error);
      }
      throw error;
    } finally {
      state?.inFlight.delete(token);
    }
  }

  private async process(kind: 'mqtt' | 'kafka', batch: InboundMessage[], state: SourceState | undefined): Promise<void> {
    if (this.fatal) throw this.fatal;
    const started = performance.now();
    const parsed: ParsedMessage[] = [];
    const dead: DeadLetter[] = [];
    for (const message of batch) {
      const result = this.parse(kind, message);
      if (result.ok) parsed.push({ message, items: result.readings });
      else dead.push(deadLetter(kind, message, result.reason, result.detail));
    }
    const items = parsed.flatMap((p) => p.items);
    const retryOptions = this.options.retry ?? DEFAULT_RETRY;
    const hooks = {
      // On shutdown, give up: the batch stays unacknowledged and is delivered again later.
      shouldStop: () => this.stopping,
      onRetry: (error: unknown, attempt: number, delayMs: number) => {
        this.stats.retries++;
        if (state) state.consecutiveFailures++;
        this.instruments?.retries.inc();
        this.options.log?.warn({ err: error, attempt, delayMs, readings: items.length }, 'batch write failed; retrying');
      },
    };
    let written: WriteResult;
    try {
      written = await retry(() => this.writer.write(items, dead), retryOptions, hooks);
    } catch (error) {
      if (this.stopping) throw error;
      if (isStoreFailure(error)) throw new StoreUnavailableError('the database refuses writes', error);
      // Not transient, not the store as a whole: find the message(s) it refuses.
      this.options.log?.warn({ err: error, messages: batch.length }, 'batch refused by the database; splitting it to find the message(s) at fault');
      const rejected: DeadLetter[] = [];
      const stored = await this.bisect(kind, parsed, rejected, { ...retryOptions, maxPermanentAttempts: 1 }, hooks);
      dead.push(...rejected);
      try {
        await retry(() => this.writer.write([], dead), retryOptions, hooks);
      } catch (deadLetterError) {
        if (this.stopping) throw deadLetterError;
        throw new StoreUnavailableError('not even a dead letter can be stored', deadLetterError);
      }
      this.stats.storeRejected += rejected.length;
      written = { ...stored, deadLetters: dead.length };
    }
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

  /**
   * Writes the messages' readings; when the database refuses them, splits the list in
   * halves until the refused message(s) are alone, and dead-letters those (store_rejected).
   * Each part that is accepted commits on its own (re-delivery is harmless: ON CONFLICT).
   */
  private async bisect(
    kind: 'mqtt' | 'kafka',
    parts: ParsedMessage[],
    rejected: DeadLetter[],
    retryOptions: RetryOptions,
    hooks: Parameters<typeof retry>[2],
  ): Promise<Omit<WriteResult, 'deadLetters'>> {
    const items = parts.flatMap((p) => p.items);
    if (items.length === 0) return { rows: 0, inserted: 0, duplicates: 0 };
    try {
      return await retry(() => this.writer.write(items), retryOptions, hooks);
    } catch (error) {
      if (this.stopping) throw error;
      if (isStoreFailure(error)) throw new StoreUnavailableError('the database refuses writes', error);
      const [only] = parts;
      if (parts.length === 1 && only) {
        const detail = `the database refused it: ${describeDbError(error)}`;
        this.options.log?.warn({ topic: only.message.topic, partition: only.message.partition, offset: only.message.offset, detail }, 'message dead-lettered: store_rejected');
        rejected.push(deadLetter(kind, only.message, 'store_rejected', detail));
        return { rows: 0, inserted: 0, duplicates: 0 };
      }
      const mid = Math.ceil(parts.length / 2);
      const a = await this.bisect(kind, parts.slice(0, mid), rejected, retryOptions, hooks);
      const b = await this.bisect(kind, parts.slice(mid), rejected, retryOptions, hooks);
      return { rows: a.rows + b.rows, inserted: a.inserted + b.inserted, duplicates: a.duplicates + b.duplicates };
    }
  }

  private parse(kind: 'mqtt' | 'kafka', message: InboundMessage) {
    let domain: string | undefined;
    let site: string | undefined;
    if (kind === 'mqtt') {
      const topic = parseMqttTopic(message.topic, this.root);
      if (topic?.kind !== 'readings') {
        return { ok: false as const, reason: 'bad_topic', detail: `topic ${JSON.stringify(message.topic.slice(0, 200))} is not ${this.root}/v1/readings/{domain}/{site}` };
      }
      domain = topic.domain;
      site = topic.site;
    } else if (message.key) {
      // Kafka: the record key is the site (it picks the partition, so a site's readings stay in order).
      // A record without a key claims no site, and only its frames name one.
      site = message.key;
    }
    return parseReadingMessage(message.payload, {
      ...this.options.parse,
      ...(domain === undefined ? {} : { domain }),
      ...(site === undefined ? {} : { site }),
    });
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

function deadLetter(kind: 'mqtt' | 'kafka', message: InboundMessage, reason: string, detail: string): DeadLetter {
  return {
    source: kind,
    topic: message.topic,
    ...(message.partition === undefined ? {} : { partition: message.partition }),
    ...(message.offset === undefined ? {} : { offset: message.offset }),
    reason,
    detail,
    payload: message.payload,
  };
}
