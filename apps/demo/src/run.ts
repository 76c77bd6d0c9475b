import { mqttPredictionsFilter, parseOptionsOf, type Logger } from '@headstream/core';
import { TASK_NAMES, type TaskName } from '@headstream/tasks';
import { startSparkplugFactory } from '@headstream/sim';
import type { DemoConfig } from './config.js';
import { replayFeed, SIM_SIZE, simulatorFeed, type Feed, type FeedStream } from './feed.js';
import { startIngest, type DemoIngest } from './ingest.js';
import { liveScores, openLiveView, type LiveView } from './live-view.js';
import { startDemoOpcua, type DemoOpcua } from './opcua.js';
import type { DemoOptions } from './options.js';
import { startDemoPredictor, type DemoPredictor } from './predictor.js';
import type { Progress } from './progress.js';
import { HISTORY_FRAMES_PER_MESSAGE, LIVE_FRAMES_PER_MESSAGE, openReadingPublisher, type ReadingPublisher } from './publish.js';
import { openServices, settleStorage, type DemoServices } from './services.js';
import { factoryDescription, taskSummaries, timeRange, type DemoSummary, type LiveScore } from './summary.js';
import { DEMO_EPOCHS, trainAndPromote } from './training.js';
import { watchPredictions, type PredictionWatch } from './watch.js';

export const PHASES = 5;

/** Predictions count as complete once none has arrived for this long after the live part was sent. */
const SETTLE_MS = 2_000;
/** The longest wait for ingest or the predictor to catch up after the last reading was sent. */
const CATCH_UP_MS = 120_000;

export interface DemoRun {
  summary: DemoSummary;
  /**
   * --serve: keeps streaming (simulated real time, or the rest of the replayed files) until `signal`
   * aborts, then closes everything. Without --serve everything is closed already.
   */
  serve?: (signal: AbortSignal) => Promise<void>;
  /** Closes whatever is still open (a failed or interrupted run). */
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(done: () => boolean | Promise<boolean>, what: string, limitMs: number, signal: AbortSignal, onTick?: () => void): Promise<void> {
  const deadline = Date.now() + limitMs;
  while (!(await done())) {
    if (signal.aborted) throw new InterruptedError();
    if (Date.now() > deadline) throw new Error(`${what}: not done after ${Math.round(limitMs / 1000)} s`);
    onTick?.();
    await sleep(200);
  }
  onTick?.();
}

/** The run was stopped by a signal before it finished. */
export class InterruptedError extends Error {
  override name = 'InterruptedError';
  constructor() {
    super('interrupted');
  }
}

/** The live scores with the simulator's own forecast of the same targets, where the feed has one (the simulated city's regression tasks). */
function withOracle(scores: DemoSummary['live_scores'], feed: Feed): DemoSummary['live_scores'] {
  const out: DemoSummary['live_scores'] = {};
  for (const [task, score] of Object.entries(scores) as [TaskName, LiveScore][]) {
    const oracle = score.n > 0 ? feed.oracle?.(task) : undefined;
    out[task] = oracle ? { ...score, oracle } : score;
  }
  return out;
}

/**
 * The whole loop in one process: services → history through MQTT and ingest → training from the
 * database → registry and guard → predictor on live readings → summary. `signal` stops it between steps.
 */
export async function runDemo(options: DemoOptions, config: DemoConfig, progress: Progress, log: Logger, signal: AbortSignal): Promise<DemoRun> {
  const started = Date.now();
  const parse = parseOptionsOf(config);
  const closers: { name: string; close: () => Promise<unknown> }[] = [];
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    for (const c of closers.reverse()) await c.close().catch((error: unknown) => log.warn({ err: error }, `closing ${c.name} failed`));
  };
  const check = () => {
    if (signal.aborted) throw new InterruptedError();
  };
  try {
    // 1. The data to send (a missing data set is a usage error before anything starts), then the services.
    const feed: Feed = options.replay ? await replayFeed(options.datasetsDir) : simulatorFeed(options.seed, options.now);
    const services: DemoServices = await openServices(options, config, log);
    closers.push({ name: 'services', close: () => services.close() });
    progress.phase(services.mode === 'stack' ? 'connected to the stack (HS_PG_URL, HS_MQTT_URL, HS_KAFKA_BROKERS)' : 'started the embedded services');
    progress.line(`database: ${services.database}${services.mode === 'embedded' ? ' (emptied at the start of each run)' : ''}`);
    progress.line(`MQTT broker: ${services.mqtt.url}${services.broker.embedded ? ' (in this process, MQTT 3.1.1)' : ''}`);
    if (services.kafka) progress.line(`Kafka: ${services.kafka.brokers.join(',')} (predictions also to ${services.topicRoot}.predictions)`);
    // --factory sparkplug: the factory as Sparkplug B edge nodes (group factory), read by the sparkplug source beside the frames.
    const sparkplug = options.factory === 'sparkplug';
    // --factory opcua: the factory's history as frames, its live part written to an OPC UA server (the simulator's) that ingest and the predictor subscribe to.
    let opcua: DemoOpcua | undefined;
    if (options.factory === 'opcua') {
      const started = await startDemoOpcua(SIM_SIZE.factory);
      opcua = started;
      closers.push({ name: 'OPC UA server', close: () => started.close() });
      progress.line(`OPC UA server: ${started.server.endpointUrl} (the factory's variables; ingest and the predictor subscribe)`);
    }
    const kinds = sparkplug ? ['mqtt', 'sparkplug'] : opcua ? ['mqtt', 'opcua'] : ['mqtt'];
    const sourced: DemoServices = sparkplug
      ? { ...services, sourcesConfig: { ...services.sourcesConfig, sparkplugGroups: 'factory', sparkplugHostId: `headstream-demo-${process.pid}` } }
      : opcua
        ? { ...services, sourcesConfig: { ...services.sourcesConfig, opcuaConfig: opcua.configFile } }
        : services;
    const ingest: DemoIngest = await startIngest(sourced, parse, log, kinds);
    closers.push({ name: 'ingest', close: () => ingest.stop() });
    const edgeNodes = sparkplug ? startSparkplugFactory({ ...services.mqtt, group: 'factory', clientIdPrefix: `headstream-demo-edge-${process.pid}` }) : undefined;
    const publisher: ReadingPublisher = await openReadingPublisher(services, log, { ...(edgeNodes ? { sparkplug: edgeNodes } : {}), ...(opcua ? { opcua: opcua.server } : {}) });
    closers.push({ name: 'reading publisher', close: () => publisher.close() });
    check();

    // 2. History: sensors → MQTT → ingest → readings table.
    const hours = (ms: number) => (ms / 3_600_000 >= 48 ? `${(ms / 86_400_000).toFixed(1)} days` : `${(ms / 3_600_000).toFixed(1)} h`);
    progress.phase(`history: ${feed.history.records.toLocaleString('en-US')} records (${feed.kind === 'simulator' ? `${hours(feed.history.to - feed.history.from)} of virtual time` : 'the first part of each file'}) → MQTT → ingest → database`);
    progress.line(feed.description);
    const sentBar = progress.bar('published', feed.history.records, 'records');
    await publisher.stream(feed.history.streams, { framesPerMessage: HISTORY_FRAMES_PER_MESSAGE, factoryAsFrames: true, signal, onProgress: (p) => sentBar.update(p.records, `| ${Math.round(p.ratePerSec).toLocaleString('en-US')}/s`) });
    sentBar.stop();
    check();
    const storeBar = progress.bar('ingested', publisher.sent.readings, 'readings');
    const ingestStarted = Date.now();
    await waitFor(() => ingest.pipeline.stats.messages >= publisher.sent.messages, 'ingest of the history', CATCH_UP_MS, signal, () => storeBar.update(ingest.pipeline.stats.readings));
    storeBar.stop(`| ${((Date.now() - started) / 1000).toFixed(0)} s since start (waited ${((Date.now() - ingestStarted) / 1000).toFixed(0)} s for ingest)`);
    check();

    // 3. Training from the database, the registry and the guard.
    progress.phase(`training (quick sizes, ${DEMO_EPOCHS} epochs) from the database: one shared encoder with a head per task, and a single-task model per task`);
    let epochBar: ReturnType<Progress['bar']> | undefined;
    let epochs = 0;
    const training = await trainAndPromote(services.db, {
      seed: options.seed,
      epochs: DEMO_EPOCHS,
      tolerance: config.guardTolerance,
      log: (line) => progress.line(line),
      onPlan: (total) => {
        epochBar = progress.bar('epochs', total, 'epochs');
      },
      onEpoch: (p) => epochBar?.update(++epochs, `| ${p.model} epoch ${p.epoch + 1}/${p.epochs}`),
    });
    epochBar?.stop();
    const { report } = training;
    progress.line(`version ${report.version} in ${training.seconds.toFixed(0)} s; Δm% ${report.delta_m.toFixed(1)} %; guard: ${report.decision.promote ? 'promote' : 'refuse'}${training.promotion === 'demo' ? ' (promoted by the demo: no version was active)' : ''}`);
    check();

    // 4. The predictor on live readings, and a subscriber that counts what it publishes (connected only
    // now: the training blocks this process for a minute or more, longer than an MQTT keepalive).
    // The first live reading of an hourly site completes the hour before it: issue times start up to an hour before the live part.
    const since = feed.live.from - 3_600_000;
    const watch: PredictionWatch = await watchPredictions(services, log, since);
    closers.push({ name: 'prediction watch', close: () => watch.close() });
    // What the table holds already (an earlier run on the same stack): the summary counts what this run adds.
    const tableBefore = await predictionRows(services, since);
    const predictor: DemoPredictor = await startDemoPredictor(sourced, parse, log, kinds);
    // The edge nodes were born before the predictor subscribed: they publish their births again (as on a host's rebirth request).
    edgeNodes?.rebirth();
    closers.push({ name: 'predictor', close: () => predictor.stop() });
    const served = predictor.predictor.status().version;
    const liveSpeed = feed.live.streams;
    progress.phase(`live: ${feed.live.records.toLocaleString('en-US')} records at ${speedText(liveSpeed)} → MQTT → predictor (${served ?? 'no version'}) → predictions on MQTT and in the database`);
    const liveBar = progress.bar('streamed', feed.live.records, 'records');
    const sentBefore = publisher.sent.records;
    await publisher.stream(feed.live.streams, { framesPerMessage: LIVE_FRAMES_PER_MESSAGE, signal, onProgress: () => liveBar.update(publisher.sent.records - sentBefore, `| ${watch.total().toLocaleString('en-US')} predictions`) });
    check();
    // Everything sent is stored and predicted: ingest has every MQTT message and every OPC UA value
    // (OPC UA's messages are the source's own: a site's values of one publish response), and predictions stopped coming.
    const allIngested = () => {
      const fromOpcua = ingest.bySource.get('opcua') ?? { messages: 0, readings: 0, deadLetters: 0 };
      return ingest.pipeline.stats.messages - fromOpcua.messages >= publisher.sent.messages && fromOpcua.readings >= publisher.sent.opcuaValues;
    };
    await waitFor(allIngested, 'ingest of the live readings', CATCH_UP_MS, signal);
    let lastTotal = -1;
    let lastChange = Date.now();
    await waitFor(
      () => {
        if (watch.total() !== lastTotal) {
          lastTotal = watch.total();
          lastChange = Date.now();
        }
        return Date.now() - lastChange >= SETTLE_MS;
      },
      'predictions of the live readings',
      CATCH_UP_MS,
      signal,
      () => liveBar.update(publisher.sent.records - sentBefore, `| ${watch.total().toLocaleString('en-US')} predictions`),
    );
    liveBar.stop();

    // 5. Summary.
    progress.phase('summary');
    const tableAfter = await predictionRows(services, since);
    const table = Object.fromEntries(TASK_NAMES.map((t) => [t, (tableAfter[t] ?? 0) - (tableBefore[t] ?? 0)]));
    const counts = watch.counts();
    const perTask = Object.fromEntries(TASK_NAMES.map((t) => [t, { mqtt: counts[t].predictions, sites: counts[t].sites, table: table[t] ?? 0 }])) as DemoSummary['predictions']['per_task'];
    // A task the feed carries without new predictions fails the run, unless an earlier run on this database
    // predicted these steps already (a rerun on a stack): the predictor never predicts a step twice.
    const silent = TASK_NAMES.filter((t) => perTask[t].mqtt === 0 && feed.tasks.includes(t));
    const repeated = silent.filter((t) => (tableBefore[t] ?? 0) > 0);
    const problems = silent.filter((t) => !repeated.includes(t)).map((t) => `no ${t} prediction was published${report.tasks.includes(t) ? '' : ` (${report.skipped.find((s) => s.task === t)?.reason ?? 'not trained'})`}`);
    const notes = repeated.map((t) => `no new ${t} prediction: the database holds ${tableBefore[t] ?? 0} for these steps from an earlier run, and a step is never predicted twice (a fresh HS_PG_SCHEMA shows the whole loop again)`);
    const filter = mqttPredictionsFilter({ root: services.topicRoot }).replace(/\/\+\/\+$/, '/#');
    const summary: DemoSummary = {
      ok: problems.length === 0,
      mode: services.mode,
      source: feed.kind,
      description: `${feed.description}${factoryDescription(options.factory, { opcuaUrl: opcua?.server.endpointUrl, liveSpeed: speedText(liveSpeed) })}`,
      wall_seconds: (Date.now() - started) / 1000,
      readings: {
        published: publisher.sent.readings,
        ingested: ingest.pipeline.stats.inserted,
        duplicates: ingest.pipeline.stats.duplicates,
        dead_letters: ingest.pipeline.stats.deadLetters,
        records: publisher.sent.records,
        messages: publisher.sent.messages,
        ...(opcua ? { opcua_values: publisher.sent.opcuaValues } : {}),
        history: timeRange(feed.history.from, feed.history.to),
        live: timeRange(feed.live.from, feed.live.to),
      },
      training: {
        version: report.version,
        seconds: training.seconds,
        mode: report.mode,
        backend: report.backend,
        strategy: report.strategy,
        tasks: report.tasks,
        skipped: report.skipped,
        per_task: taskSummaries(report),
        delta_m_pct: report.delta_m,
        delta_m_served_pct: report.delta_m_served,
      },
      guard: { promote: report.decision.promote, promoted_by: training.promotion, serving: served, reasons: report.decision.reasons },
      predictions: { total: watch.total(), per_task: perTask, outputs: predictor.outputs },
      storage: await settleStorage(services.db),
      // Targets of the live part: up to its end (plus the hour its first hourly issue times reach back).
      live_scores: withOracle(await liveScores(services.db, feed.live.to - since), feed),
      where: {
        database: services.database,
        ...(services.dataDir ? { data_dir: services.dataDir } : {}),
        mqtt: services.mqtt.url,
        topics: `${services.topicRoot}/v1/readings/{domain}/{site}, ${services.topicRoot}/v1/predictions/{task}/{site}`,
        inspect: services.dataDir
          ? `npx headstream models show ${report.version} --data-dir ${services.dataDir}   (once the demo has stopped: PGlite is one process's)`
          : `npx headstream models show ${report.version}   (with the same HS_PG_URL${config.pgSchema ? ' and HS_PG_SCHEMA' : ''})`,
      },
      subscribe: `mosquitto_sub -h ${services.broker.host} -p ${services.broker.port} -t '${filter}' -v${options.serve || !services.broker.embedded ? '' : '   (while the demo runs: npm run demo -- --serve)'}`,
      problems,
      notes,
    };

    if (!options.serve) {
      await close();
      return { summary, close };
    }
    try {
      const view: LiveView = await openLiveView({ db: services.db, port: options.viewPort, log });
      closers.push({ name: 'live view', close: () => view.close() });
      summary.live_view = view.url;
    } catch (error) {
      // The loop goes on without it (a busy port, say); the summary says why.
      const busy = (error as NodeJS.ErrnoException).code === 'EADDRINUSE';
      summary.live_view_note = `did not start: ${busy ? `127.0.0.1:${options.viewPort} is in use (--view-port picks another, 0 any free one)` : (error as Error).message}`;
    }
    return {
      summary,
      close,
      serve: async (stop) => {
        try {
          const groups: FeedStream[][] = feed.serve();
          for (const streams of groups) if (!stop.aborted) await publisher.stream(streams, { framesPerMessage: LIVE_FRAMES_PER_MESSAGE, signal: stop });
          // The data ran out (a replayed file ended): keep serving what is there until stopped.
          if (!stop.aborted) await new Promise<void>((resolve) => stop.addEventListener('abort', () => resolve(), { once: true }));
        } finally {
          await close();
        }
      },
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** "480× real time", or each stream's speed where they differ: "2,880× (city and line), 480× (machines) real time". */
function speedText(streams: readonly FeedStream[]): string {
  const x = (s: number) => `${Math.round(s).toLocaleString('en-US')}×`;
  const unique = [...new Set(streams.map((s) => Math.round(s.speed)))];
  return unique.length === 1 ? `${x(unique[0] ?? 1)} real time` : `${streams.map((s) => `${x(s.speed)} (${s.name})`).join(', ')} real time`;
}

/** Predictions in the table issued from `since` on, per task: one per (site, issue time, version), whatever its horizons. */
async function predictionRows(services: DemoServices, since: number): Promise<Partial<Record<TaskName, number>>> {
  const { rows } = await services.db.query<{ task: TaskName; n: number }>(
    'SELECT task, count(DISTINCT (site, issued_at, model_version))::int AS n FROM predictions WHERE issued_at >= $1 GROUP BY task',
    [new Date(since)],
  );
  return Object.fromEntries(rows.map((r) => [r.task, Number(r.n)]));
}
