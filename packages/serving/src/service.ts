import { decodeInbound, type InboundOptions, type Logger, type Metrics, type Prediction } from '@headstream/core';
import { type TaskName } from '@headstream/tasks';
import { alignTime, contextSteps, deviationBaseline } from '@headstream/features';
import { insertDeadLetters, type DeadLetter, type SqlClient } from '@headstream/store';
import { activeVersion, MODEL_PROMOTED_CHANNEL, readSiteFrames } from '@headstream/registry';
import type { InboundMessage, MessageSource } from '@headstream/transport';
import { PredictionEngine, type DueWindow, type EngineOptions, type EngineReading } from './engine/engine.js';
import { loadServingVersion } from './engine/version.js';
import type { PredictionPublisher } from './outputs/publishers.js';

export interface PredictorOptions {
  db: SqlClient;
  sources: readonly MessageSource[];
  /** Where predictions go (a fanOut of MQTT, Kafka and the database). */
  publisher: PredictionPublisher;
  topicRoot: string;
  /**
   * decodeInbound's limits and allow-lists, the same as ingest's (inboundOptionsOf): a message ingest
   * refuses (site_mismatch, site_not_allowed, ...) is refused here too, never predicted from, counted
   * by reason and dead-lettered (app predictor). The topic root is topicRoot.
   */
  parse: Omit<InboundOptions, 'topicRoot' | 'now'>;
  log: Logger;
  metrics: Metrics;
  engine?: EngineOptions;
  /** How often to look for a newly promoted version when a notification was missed (ms). */
  pollMs?: number;
}

export interface PredictorStatus {
  ok: boolean;
  version: string | null;
  /** Why the last version that should have been served did not load (the previous one kept serving). */
  loadError: string | null;
  lastPredictionAt: string | null;
  windows: number;
  /** Per source: its kind, whether it is connected, and what its health() adds (Sparkplug: nodes online/offline). */
  sources: ({ kind: string; connected: boolean } & Record<string, unknown>)[];
}

export interface Predictor {
  status(): PredictorStatus;
  /** Stops the sources (the batch in hand is predicted and published first), then the listener. */
  stop(): Promise<void>;
}

/**
 * Rebuilds one (task, site) window from the readings table (its input's window, which every task reading
 * the input shares): the recent buckets a window reads (lookback + context), the readings so far of the
 * bucket the reading in hand (at `readingTime`) falls in, the site's first buckets for deviation baselines,
 * and the last issue time already predicted (by any predictor) — so a restarted predictor, or one that takes
 * a site over from another, predicts the next step at once and never repeats one.
 */
export async function seedSite(db: SqlClient, engine: PredictionEngine, taskName: TaskName, site: string, readingTime: number): Promise<void> {
  const task = engine.version.tasks.get(taskName);
  if (!task) return;
  const before = alignTime(readingTime, task.spec.intervalMs);
  const metrics = Object.fromEntries(Object.entries(task.binding.metrics).filter(([source]) => task.spec.sources.includes(source)));
  const { rows } = await db.query<{ first: number | null; last: number | null }>(
    `SELECT (extract(epoch FROM min(r.time)) * 1000)::float8 AS first, (extract(epoch FROM max(r.time)) * 1000)::float8 AS last
     FROM readings r JOIN series s ON s.id = r.series_id WHERE s.domain = $1 AND s.site = $2 AND s.metric = ANY($3::text[]) AND r.time < $4`,
    [task.binding.domain, site, Object.values(metrics), new Date(readingTime)],
  );
  const issued = await db.query<{ ms: number | null }>('SELECT (extract(epoch FROM max(issued_at)) * 1000)::float8 AS ms FROM predictions WHERE task = $1 AND site = $2', [taskName, site]);
  const lastIssued = issued.rows[0]?.ms ?? undefined;
  const range = rows[0];
  const interval = task.spec.intervalMs;
  if (range?.first === null || range?.first === undefined || range.last === null) {
    engine.seed(taskName, site, [], lastIssued === undefined || lastIssued === null ? {} : { lastIssued: Number(lastIssued) });
    return;
  }
  const first = Number(range.first);
  const from = Math.max(first, Number(range.last) - (task.spec.lookback + contextSteps(task.spec) + 1) * interval);
  // Only what came before the reading in hand: ingest may already hold later readings, which this
  // predictor will receive in order (seeding them would mark their steps as done).
  const frame = (await readSiteFrames(db, { domain: task.binding.domain, sites: [site], metrics, intervalMs: interval, from, to: before, useRollups: true }))[site];
  const buckets: { time: number; values: Record<string, number> }[] = [];
  for (let i = 0; frame && i < frame.length; i++) {
    const values: Record<string, number> = {};
    frame.channels.forEach((c, k) => {
      const v = frame.values[k]?.[i] ?? NaN;
      if (Number.isFinite(v)) values[c] = v;
    });
    if (Object.keys(values).length) buckets.push({ time: frame.start + i * interval, values });
  }
  // The bucket in progress, reading by reading: its mean so far is no complete bucket's, and the readings
  // still to come join these (a predictor started mid-hour otherwise averaged the hour's later readings only).
  buckets.push(...(await readingsBetween(db, task.binding.domain, site, metrics, before, readingTime)));
  let baselines: Record<string, number> | undefined;
  const deviations = task.spec.derived.filter((d) => d.kind === 'deviation');
  if (deviations.length && from > first) {
    const steps = Math.max(...deviations.map((d) => (d.kind === 'deviation' ? d.baselineSteps : 0)));
    const head = (await readSiteFrames(db, { domain: task.binding.domain, sites: [site], metrics, intervalMs: interval, to: first + (steps + 1) * interval, useRollups: true }))[site];
    baselines = {};
    for (const d of deviations) if (d.kind === 'deviation' && head) baselines[d.name] = deviationBaseline(head.values[head.channels.indexOf(d.of)] ?? new Float64Array(), d.baselineSteps);
  }
  engine.seed(taskName, site, buckets, { origin: first, ...(baselines ? { baselines } : {}), ...(lastIssued === undefined || lastIssued === null ? {} : { lastIssued: Number(lastIssued) }) });
}

/** The site's readings of `metrics` (source → metric) in [from, to), one entry per time, in time order. */
async function readingsBetween(db: SqlClient, domain: string, site: string, metrics: Record<string, string>, from: number, to: number): Promise<{ time: number; values: Record<string, number> }[]> {
  if (to <= from) return [];
  const { rows } = await db.query<{ metric: string; ms: number; value: number }>(
    `SELECT s.metric, (extract(epoch FROM r.time) * 1000)::float8 AS ms, r.value::float8 AS value
     FROM readings r JOIN series s ON s.id = r.series_id
     WHERE s.domain = $1 AND s.site = $2 AND s.metric = ANY($3::text[]) AND r.time >= $4 AND r.time < $5
     ORDER BY r.time`,
    [domain, site, Object.values(metrics), new Date(from), new Date(to)],
  );
  const out = new Map<number, Record<string, number>>();
  for (const row of rows) {
    const time = Number(row.ms);
    let values = out.get(time);
    if (!values) out.set(time, (values = {}));
    for (const [source, metric] of Object.entries(metrics)) if (metric === row.metric) values[source] = Number(row.value);
  }
  return [...out].map(([time, values]) => ({ time, values }));
}

/**
 * The predictor service: readings from the sources → the engine's windows → one prediction per
 * completed step, micro-batched per source batch → the publisher; the batch is acknowledged after it
 * is published. Serves the registry's active version and switches on promotion (NOTIFY, or polling)
 * between two batches, so every issue time is predicted by exactly one version; a version that fails
 * to load leaves the previous one serving and says why in the status.
 */
export async function startPredictor(options: PredictorOptions): Promise<Predictor> {
  const { db, log, metrics } = options;
  const counters = {
    predictions: metrics.counter('predictor_predictions_total', 'Predictions published', ['task']),
    skipped: metrics.counter('predictor_skipped_total', 'Due windows that gave no prediction', ['reason']),
    ignored: metrics.counter('predictor_ignored_readings_total', 'Readings no served task reads (unknown sites, domains or metrics)'),
    rejected: metrics.counter('predictor_rejected_messages_total', 'Messages refused by the inbound decoder (never predicted from; dead-lettered), by reason', ['reason']),
    deadLetterFailures: metrics.counter('predictor_dead_letter_failures_total', 'Refused messages whose dead letter could not be written'),
    evicted: metrics.gauge('predictor_windows_evicted', 'Windows evicted to keep memory bounded, since start'),
    windows: metrics.gauge('predictor_windows', 'Per (input, site) windows in memory (tasks that read one input share its window)'),
    batch: metrics.histogram('predictor_inference_batch_size', 'Windows per inference micro-batch', [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 5000]),
    inference: metrics.histogram('predictor_inference_seconds', 'Inference time per micro-batch', [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1]),
    latency: metrics.histogram('predictor_reading_to_publish_seconds', 'From a reading received to its prediction published', [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5]),
  };
  let engine: PredictionEngine | undefined;
  let loadError: string | null = null;
  let lastPredictionAt: number | null = null;
  let loading: Promise<void> = Promise.resolve();

  const serve = async (version: string) => {
    if (engine?.version.version === version) return;
    try {
      const loaded = await loadServingVersion(db, version);
      if (engine) {
        const previous = engine.version;
        engine.use(loaded);
        previous.dispose();
      } else {
        // Windows are rebuilt from the readings table lazily, at each site's first reading (seedSite).
        engine = new PredictionEngine(loaded, options.engine);
      }
      loadError = null;
      log.info({ version, tasks: [...loaded.tasks.keys()] }, 'serving model version');
    } catch (error) {
      loadError = error instanceof Error ? error.message : String(error);
      log.error({ version, err: error }, engine ? 'new version failed to load: the previous one keeps serving' : 'model version failed to load');
    }
  };
  const checkActive = () => {
    loading = loading.then(async () => {
      const active = await activeVersion(db).catch(() => undefined);
      if (active) await serve(active.version);
    });
    return loading;
  };
  await checkActive();

  const unlisten = db.listen ? await db.listen(MODEL_PROMOTED_CHANNEL, () => void checkActive()) : undefined;
  const poller = setInterval(() => void checkActive(), options.pollMs ?? 10_000);
  poller.unref();

  // Each source's decoder, the one ingest uses too (frames: core's decodeInbound): a refused message is never predicted from.
  const inbound = { ...options.parse, topicRoot: options.topicRoot };
  const decode = (source: MessageSource, batch: InboundMessage[]) => {
    const accepted: { message: InboundMessage; readings: EngineReading[] }[] = [];
    const dead: DeadLetter[] = [];
    for (const message of batch) {
      const verdict = source.decode ? source.decode(message, inbound) : decodeInbound(message, inbound);
      if (verdict.ok) {
        accepted.push({ message, readings: verdict.readings.map((r) => ({ domain: r.domain, site: r.site, time: r.time, values: r.values })) });
        continue;
      }
      counters.rejected.inc({ reason: verdict.reason });
      dead.push({
        app: 'predictor',
        source: message.source,
        topic: message.topic,
        ...(message.partition === undefined ? {} : { partition: message.partition }),
        ...(message.offset === undefined ? {} : { offset: message.offset }),
        reason: verdict.reason,
        detail: verdict.detail,
        payload: message.payload,
      });
    }
    return { accepted, dead };
  };
  const deadLetter = async (dead: DeadLetter[]) => {
    if (dead.length === 0) return;
    try {
      await insertDeadLetters(db, dead);
    } catch (error) {
      // Never holds predictions: the refusal is counted and logged either way.
      counters.deadLetterFailures.inc(dead.length);
      log.warn({ err: error, messages: dead.length }, 'refused messages could not be dead-lettered');
    }
  };

  const handle = async (source: MessageSource, batch: InboundMessage[]) => {
    const { accepted: parsed, dead } = decode(source, batch);
    await deadLetter(dead);
    await loading;
    const current = engine;
    if (!current) return; // nothing to serve yet: readings are in the database for later windows
    const due: DueWindow[] = [];
    let oldest = Infinity;
    // A (task, site) this predictor has no window for (start, restart, a site taken over from another member):
    // rebuild it from the database before its first reading goes in.
    const seen = new Set<string>();
    for (const { readings } of parsed) {
      for (const r of readings) {
        for (const pair of current.unseeded(r)) {
          const key = `${pair.task}\u0000${pair.site}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const task = current.version.tasks.get(pair.task);
          if (task) await seedSite(db, current, pair.task, pair.site, r.time);
        }
      }
    }
    for (const { message, readings } of parsed) {
      for (const r of readings) {
        const before = current.counters.ignored;
        due.push(...current.add(r));
        if (current.counters.ignored > before) counters.ignored.inc();
      }
      oldest = Math.min(oldest, message.receivedAt);
    }
    counters.windows.set(current.size);
    counters.evicted.set(current.counters.evicted);
    if (due.length === 0) return;
    const t0 = performance.now();
    const { predictions, skipped } = current.predict(due);
    counters.inference.observe((performance.now() - t0) / 1000);
    counters.batch.observe(due.length);
    for (const s of skipped) counters.skipped.inc({ reason: s.reason });
    if (predictions.length === 0) return;
    await options.publisher.publish(predictions);
    const now = Date.now();
    lastPredictionAt = now;
    counters.latency.observe(Math.max(0, now - oldest) / 1000);
    countByTask(predictions, (task, n) => counters.predictions.inc({ task }, n));
  };

  for (const source of options.sources) await source.start((batch) => handle(source, batch));
  return {
    status: () => ({
      ok: engine !== undefined && options.sources.every((s) => s.connected?.() ?? true),
      version: engine?.version.version ?? null,
      loadError,
      lastPredictionAt: lastPredictionAt === null ? null : new Date(lastPredictionAt).toISOString(),
      windows: engine?.size ?? 0,
      sources: options.sources.map((s) => ({ kind: s.kind, connected: s.connected?.() ?? true, ...(s.health?.() ?? {}) })),
    }),
    async stop() {
      clearInterval(poller);
      for (const source of options.sources) await source.stop();
      await unlisten?.();
      await loading;
      engine?.version.dispose();
    },
  };
}

function countByTask(predictions: readonly Prediction[], add: (task: string, n: number) => void): void {
  const counts = new Map<string, number>();
  for (const p of predictions) counts.set(p.task, (counts.get(p.task) ?? 0) + 1);
  for (const [task, n] of counts) add(task, n);
}

