import {
  kafkaTopic,
  mqttTopic,
  decodeInbound,
  type EdgeNodeStatus,
  type InboundOptions,
  type Logger,
  type Metrics,
} from '@headstream/core';
import { ReadingWriter, seriesKeyOf, type DeadLetter, type ReadingBatchItem, type SqlClient, type WriteMode, type WriteResult } from '@headstream/store';
import type { InboundMessage, MessagePublisher, MessageSource } from '@headstream/transport';
import { chunkByBudget, SeriesQuota } from './bounds.js';
import { DEFAULT_RETRY, describeDbError, isStoreFailure, retry, type RetryOptions } from './retry.js';

/** Default bound of the values (readings × metrics) written in one transaction. */
export const DEFAULT_MAX_WRITE_VALUES = 200_000;

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
  kind: string;
  connected: boolean;
  /** ISO time of the last committed batch; null before the first. */
  lastCommittedAt: string | null;
  /** Failed write attempts and failed batches since the last commit. */
  consecutiveFailures: number;
  /** Age of the oldest batch in hand not yet committed, ms (0 when none). */
  pendingForMs: number;
  /** A batch has been in hand longer than the stall threshold. */
  stalled: boolean;
  /** What the source's health() adds (Sparkplug: its edge nodes and devices online/offline). */
  [detail: string]: unknown;
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
  /**
   * Where dead letters are also published, per source kind (startSources builds them): an MQTT
   * publisher to {root}/v1/deadletter, a Kafka one to {root}.deadletter.
   */
  deadLetterPublishers?: Partial<Record<string, MessagePublisher>>;
  /** A dead-letter topic copy not acknowledged in this time counts as failed (default 5000 ms). */
  deadLetterPublishTimeoutMs?: number;
  topicRoot?: string;
  /** The decoders' limits and allow-lists (inboundOptionsOf); the topic root is topicRoot. */
  parse?: Omit<InboundOptions, 'topicRoot' | 'now'>;
  writeMode?: WriteMode | 'auto';
  retry?: RetryOptions;
  log?: Logger;
  metrics?: Metrics;
  /**
   * Values (frames × metrics) written per transaction: a batch holding more is written in
   * several transactions, each of whole messages (one message larger than this is written
   * alone), and acknowledged after the last. Default 200000.
   */
  maxWriteValues?: number;
  /** Bound of the series id cache (LRU). Default 250000. */
  seriesCacheEntries?: number;
  /**
   * New series allowed per minute (token bucket): a message that would create more than
   * what is left is dead-lettered as series_quota. Unset: no quota.
   */
  seriesQuotaPerMinute?: number;
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
  source: string;
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
  /** Messages dead-lettered as series_quota (they would have created too many new series). */
  seriesQuota: number;
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
  readonly stats: IngestStats = { batches: 0, messages: 0, readings: 0, inserted: 0, duplicates: 0, deadLetters: 0, retries: 0, storeRejected: 0, seriesQuota: 0 };
  private readonly writer: ReadingWriter;
  private readonly root: string;
  private stopping = false;
  private fatal: StoreUnavailableError | undefined;
  private readonly states: SourceState[];
  private readonly instruments;
  private readonly quota: SeriesQuota | undefined;

  constructor(private readonly options: IngestPipelineOptions) {
    this.writer = new ReadingWriter(options.db, {
      mode: options.writeMode ?? 'auto',
      ...(options.seriesCacheEntries === undefined ? {} : { seriesCacheEntries: options.seriesCacheEntries }),
    });
    this.quota = options.seriesQuotaPerMinute === undefined ? undefined : new SeriesQuota(options.seriesQuotaPerMinute);
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
    for (const state of this.states) await state.source.start((batch) => this.handleFor(state.source.kind, batch, state, state.source));
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
        ...(s.source.health?.() ?? {}),
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
    await Promise.allSettled([...this.deadLetterPublishes]);
  }

  /** Dead-letter topic copies in flight (each bounded by deadLetterPublishTimeoutMs). */
  private readonly deadLetterPublishes = new Set<Promise<void>>();
  /** Dead-letter topic copies that failed or timed out (also a metric). */
  deadLetterPublishFailures = 0;

  private publishDeadLettersLater(kind: string, dead: DeadLetter[]): void {
    if (!this.options.deadLetterPublishers?.[kind]) return;
    const timeoutMs = this.options.deadLetterPublishTimeoutMs ?? 5_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no acknowledgement in ${timeoutMs} ms`)), timeoutMs);
    });
    const publish = new Promise<void>((resolve) => setImmediate(resolve)).then(() => this.publishDeadLetters(kind, dead));
    const done: Promise<void> = Promise.race([publish, timeout])
      .catch((error: unknown) => {
        this.deadLetterPublishFailures++;
        this.deadLetterPublishFailed ??= this.options.metrics?.counter(
          'ingest_dead_letter_publish_failures_total',
          'Dead-letter topic copies that failed or timed out (the dead_letters table has them)',
          ['source'],
        );
        this.deadLetterPublishFailed?.inc({ source: kind });
        this.options.log?.warn({ err: error, count: dead.length }, 'could not publish dead letters to the topic (they are in the table)');
      })
      .finally(() => {
        clearTimeout(timer);
        this.deadLetterPublishes.delete(done);
      });
    this.deadLetterPublishes.add(done);
  }

  private deadLetterPublishFailed: { inc(labels: { source: string }): void } | undefined;

  /**
   * Decodes (with `source`'s decoder; none: Headstream frames, core's decodeInbound) and stores one
   * batch; resolves only once it is committed. Public for replay and tests.
   */
  handle(kind: string, batch: InboundMessage[], source?: Pick<MessageSource, 'decode'>): Promise<void> {
    return this.handleFor(kind, batch, undefined, source);
  }

  private async handleFor(kind: string, batch: InboundMessage[], state: SourceState | undefined, source: Pick<MessageSource, 'decode'> | undefined): Promise<void> {
    const token = {};
    state?.inFlight.set(token, Date.now());
    try {
      await this.process(kind, batch, state, source);
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

  private async process(kind: string, batch: InboundMessage[], state: SourceState | undefined, source: Pick<MessageSource, 'decode'> | undefined): Promise<void> {
    if (this.fatal) throw this.fatal;
    const started = performance.now();
    let parsed: ParsedMessage[] = [];
    const dead: DeadLetter[] = [];
    // Edge nodes and devices the messages took online or offline (Sparkplug B BIRTH/DEATH), in message order.
    const edgeNodes: EdgeNodeStatus[] = [];
    const options = { ...this.options.parse, topicRoot: this.root };
    for (const message of batch) {
      // The source's decoder, shared with the predictor: site identity, allow-lists, the parser's limits.
      const result = source?.decode ? source.decode(message, options) : decodeInbound(message, options);
      if ('nodes' in result && result.nodes) edgeNodes.push(...result.nodes);
      if (result.ok) parsed.push({ message, items: result.readings });
      else dead.push(deadLetter(kind, message, result.reason, result.detail));
    }
    const retryOptions = this.options.retry ?? DEFAULT_RETRY;
    const hooks = {
      // On shutdown, give up: the batch stays unacknowledged and is delivered again later.
      shouldStop: () => this.stopping,
      onRetry: (error: unknown, attempt: number, delayMs: number) => {
        this.stats.retries++;
        if (state) state.consecutiveFailures++;
        this.instruments?.retries.inc();
        this.options.log?.warn({ err: error, attempt, delayMs, messages: batch.length }, 'batch write failed; retrying');
      },
    };
    if (this.quota && parsed.length > 0) parsed = await this.applySeriesQuota(kind, parsed, dead, retryOptions, hooks);

    // Transactions of at most maxWriteValues values, of whole messages; dead letters and edge-node changes go with the last.
    const chunks = chunkByBudget(parsed, (p) => countValues(p.items), this.options.maxWriteValues ?? DEFAULT_MAX_WRITE_VALUES);
    if (chunks.length === 0) chunks.push([]);
    const written: WriteResult = { rows: 0, inserted: 0, duplicates: 0, deadLetters: 0 };
    for (let c = 0; c < chunks.length; c++) {
      const last = c === chunks.length - 1;
      const part = await this.writeChunk(kind, chunks[c] ?? [], last ? dead : [], last ? edgeNodes : [], retryOptions, hooks);
      written.rows += part.rows;
      written.inserted += part.inserted;
      written.duplicates += part.duplicates;
      if (last) dead.push(...part.rejected);
      else dead.unshift(...part.rejected);
    }
    written.deadLetters = dead.length;
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
    // The topic copy goes out after the batch is acknowledged, bounded in time: a slow or absent
    // broker never holds the batch (the table already holds the dead letters).
    if (dead.length > 0) this.publishDeadLettersLater(kind, dead);
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
   * Keeps the messages whose new series (not stored yet) fit in the quota, in order; the
   * others are dead-lettered (series_quota). A series new to several messages of the batch
   * is charged once.
   */
  private async applySeriesQuota(
    kind: string,
    parsed: ParsedMessage[],
    dead: DeadLetter[],
    retryOptions: RetryOptions,
    hooks: Parameters<typeof retry>[2],
  ): Promise<ParsedMessage[]> {
    const quota = this.quota;
    if (!quota) return parsed;
    let unknown: Map<string, unknown>;
    try {
      unknown = await retry(() => this.writer.unknownSeries(parsed.flatMap((p) => p.items)), retryOptions, hooks);
    } catch (error) {
      if (!this.stopping && isStoreFailure(error)) throw new StoreUnavailableError('the database refuses reads of series', error);
      throw error;
    }
    if (unknown.size === 0) return parsed;
    const charged = new Set<string>();
    const kept: ParsedMessage[] = [];
    for (const p of parsed) {
      const fresh = new Set<string>();
      for (const item of p.items) {
        for (const metric in item.values) {
          const key = seriesKeyOf(item.domain, item.site, metric);
          if (unknown.has(key) && !charged.has(key)) fresh.add(key);
        }
      }
      if (quota.tryTake(fresh.size)) {
        for (const key of fresh) charged.add(key);
        kept.push(p);
      } else {
        this.stats.seriesQuota++;
        dead.push(
          deadLetter(kind, p.message, 'series_quota', `the message would create ${fresh.size} new series; the quota of ${quota.perMinute} new series a minute is used up`),
        );
      }
    }
    return kept;
  }

  /** One transaction: the parts' readings, `dead` and `edgeNodes`; if the database refuses it, bisect (store_rejected). */
  private async writeChunk(
    kind: string,
    parts: ParsedMessage[],
    dead: DeadLetter[],
    edgeNodes: EdgeNodeStatus[],
    retryOptions: RetryOptions,
    hooks: Parameters<typeof retry>[2],
  ): Promise<Omit<WriteResult, 'deadLetters'> & { rejected: DeadLetter[] }> {
    const items = parts.flatMap((p) => p.items);
    try {
      return { ...(await retry(() => this.writer.write(items, dead, edgeNodes), retryOptions, hooks)), rejected: [] };
    } catch (error) {
      if (this.stopping) throw error;
      if (isStoreFailure(error)) throw new StoreUnavailableError('the database refuses writes', error);
      // Not transient, not the store as a whole: find the message(s) it refuses.
      this.options.log?.warn({ err: error, messages: parts.length }, 'batch refused by the database; splitting it to find the message(s) at fault');
      const rejected: DeadLetter[] = [];
      const stored = await this.bisect(kind, parts, rejected, { ...retryOptions, maxPermanentAttempts: 1 }, hooks);
      try {
        await retry(() => this.writer.write([], [...dead, ...rejected], edgeNodes), retryOptions, hooks);
      } catch (deadLetterError) {
        if (this.stopping) throw deadLetterError;
        throw new StoreUnavailableError('not even a dead letter can be stored', deadLetterError);
      }
      this.stats.storeRejected += rejected.length;
      return { ...stored, rejected };
    }
  }

  /**
   * Writes the messages' readings; when the database refuses them, splits the list in
   * halves until the refused message(s) are alone, and dead-letters those (store_rejected).
   * Each part that is accepted commits on its own (re-delivery is harmless: ON CONFLICT).
   */
  private async bisect(
    kind: string,
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

  private async publishDeadLetters(kind: string, dead: DeadLetter[]): Promise<void> {
    const publisher = this.options.deadLetterPublishers?.[kind];
    if (!publisher) return;
    const topic = publisher.kind === 'mqtt' ? mqttTopic({ kind: 'deadletter' }, this.root) : kafkaTopic('deadletter', this.root);
    // Errors go to publishDeadLettersLater, which counts and logs them.
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
  }
}

function countValues(items: readonly ReadingBatchItem[]): number {
  let n = 0;
  for (const item of items) n += Object.keys(item.values).length;
  return n;
}

function deadLetter(kind: string, message: InboundMessage, reason: string, detail: string): DeadLetter {
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
