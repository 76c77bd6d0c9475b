#!/usr/bin/env node
/**
 * Predictor benchmark (#11): reading published on MQTT → its prediction received by a subscriber.
 *
 *   npm run bench:predict -- [--json] [--sites N] [--seconds S] [--db] [--no-max]
 *                            [--ack-mode after-commit|on-receipt] [--batch-age-ms MS] [--cpu-profile FILE]
 *
 * Setup, all real: a history of N sites (traffic: 5-min `flow` in domain city, a daily cycle plus
 * noise) written to the database with the store's ReadingWriter, a quick one-epoch traffic model
 * trained from it with trainFromDatabase and promoted; then the predictor (startPredictor, wired as
 * apps/predictor/src/main.ts wires it: an MQTT source acknowledging after each batch on MQTT 5, the
 * MQTT prediction publisher behind fanOut, with --db the predictions table too) in this process's
 * main thread. A child process (the load generator, with the embedded broker) publishes the readings
 * (QoS 1 reading frames on {root}/v1/readings/city/{site}) and subscribes to {root}/v1/predictions/#
 * (QoS 1); both time stamps come from that process's clock, so latency = prediction received − reading
 * published, matched on (site, issued_at = the reading's time).
 *
 * Time is accelerated: each site completes one 5-min step per wall second (N sites = N
 * predictions/s), readings staggered evenly across the second. Warm-up rounds of that load first
 * (each site's window is rebuilt from the readings table at its first reading), until one loses
 * nothing. Phase 1: latency at N predictions/s. Phase 2, when phase 1 kept up: the offered rate goes
 * up level by level (10 s each) until the predictor falls behind — a prediction missing, or the p99
 * latency of the level's second half over 500 ms (a growing backlog); predictions_per_s is the
 * highest level kept up with. When phase 1 itself fell behind, readings were lost and windows went
 * sparse, so phase 2 is skipped and predictions_per_s is the rate phase 1 delivered.
 *
 * Also printed: per phase, where the predictor's time went (batch sizes, handler / engine.predict /
 * publish time per reading, event-loop utilisation of the predictor and the load process, process CPU), and each serving
 * stage timed alone. predictor_rss_mb: peak RSS of the predictor's process while serving, apart from
 * its load generator (a child process; its own peak is load_rss_mb); embedded PGlite is in the
 * predictor's process when no HS_PG_URL is set. The training peak is reported apart.
 *
 * colocated_cost_ratio: the serving cost (engine.add + engine.predict: windows, model calls, decoding)
 * per site-step of throughput and emissions from one model reading their shared input (one window, one
 * encoder pass) ÷ the same from two single-task models (two windows, two passes), on the same synthetic
 * turbine readings of --colocated-sites sites, in this run; untrained weights (the cost does not depend on them).
 * blend_cost_ratio: the same step with the first of the two tasks served by the blend (the shared pass for both
 * heads and its single-task model's pass over the same window, averaged) ÷ both from the shared model alone.
 *
 * Database: HS_PG_URL (a scratch schema, dropped at the end) or embedded PGlite in memory. Broker:
 * HS_MQTT_URL (MQTT 5, e.g. Mosquitto) or the embedded aedes broker (MQTT 3.1.1) in the load process.
 * Human lines, or with --json the same lines on stderr and exactly one JSON object as the last line
 * of stdout. A bad flag: one line, exit 2.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Session } from 'node:inspector/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { performance, type EventLoopUtilization } from 'node:perf_hooks';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { createLogger, Metrics, mqttReadingsFilter, mqttTopic, parseReadingMessage, type Prediction } from '@headstream/core';
import { SiteWindowBuffer } from '@headstream/features';
import { checkPredictions, createMqttPredictionPublisher, databasePredictionPublisher, fanOut, loadServingVersion, PredictionEngine, startPredictor, type PredictionPublisher } from '@headstream/serving';
import { migrate, openDatabase, quoteIdent, ReadingWriter, schemaRolesFor, type SqlClient } from '@headstream/store';
import { chooseBackend, promote, trainFromDatabase } from '@headstream/training';
import { connectMqtt, createMqttSource, startEmbeddedMqttBroker, type MessageSource, type MqttClient } from '@headstream/transport';
import { PREDICTOR_SOURCE_DEFAULTS } from '../config.js';
import { colocatedCost, unit } from './colocated-cost.js';

const INTERVAL = 5 * 60_000;
const DAY = 86_400_000;
const DOMAIN = 'city';
const VERSION = 'bench';
/** Phase 2's offered rates (predictions/s), tried in order until one is not kept up with. */
const LEVELS = [250, 500, 750, 1000, 1500, 2000, 3000, 4000, 5000, 6000, 8000, 10_000, 12_500, 15_000, 20_000, 25_000, 30_000];
/** A level is kept up with when every prediction arrived and the p99 latency of its second half stays under this. */
const MAX_LAG_MS = 500;
/** The share of a level's predictions that must arrive. */
const MIN_DELIVERED = 0.999;

const siteName = (i: number) => `bench-${String(i).padStart(5, '0')}`;
/** Set in the load generator's child process: its init, as JSON. */
const LOAD_CHILD_ENV = 'HS_BENCH_PREDICT_LOAD';

/** Flow of site i in the 5-min step starting at `time`: a daily cycle (low at night, peak at midday) of a site's own size, plus noise. */
function flow(site: number, time: number): number {
  const base = 40 + 160 * unit(site, 1);
  const shift = 0.08 * (unit(site, 2) - 0.5);
  const day = (time % DAY) / DAY;
  const shape = 0.55 - 0.45 * Math.cos(2 * Math.PI * (day - shift));
  const noise = 0.16 * (unit(site, Math.floor(time / INTERVAL)) - 0.5);
  return Math.max(0, Math.round(base * (shape + noise) * 10) / 10);
}

function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const round = (x: number, digits = 1) => (Number.isFinite(x) ? Number(x.toFixed(digits)) : null);

// ---------------------------------------------------------------------------------------------
// The load process: embedded broker (when no HS_MQTT_URL), reading publisher, prediction subscriber.

interface WorkerInit {
  url: string | undefined;
  root: string;
  sites: number;
  liveStart: number;
}

type Request = { op: 'connect' } | { op: 'run'; rate: number; seconds: number; fromStep: number } | { op: 'utilization' } | { op: 'cleanup' } | { op: 'close' };
type WorkerRequest = Request & { id: number };

export interface RunResult {
  /** Offered predictions/s (= readings/s) and for how long. */
  rate: number;
  seconds: number;
  fromStep: number;
  steps: number;
  expected: number;
  received: number;
  duplicates: number;
  /** Predictions of steps outside this run (a seeded window's pending step, a late one of the previous run). */
  extra: number;
  latency: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** p99 latency of the readings published in the run's second half. */
  secondHalfP99: number;
  /** Readings/s the generator actually published, and how far behind its schedule it fell at worst. */
  publishedPerS: number;
  generatorBehindMs: number;
  /** From the first reading published to the last prediction received. */
  deliveredPerS: number;
  /** The load process's peak RSS so far, MB. */
  loadRssMb: number;
}

/** Messages to and from the parent process (IPC). */
const toParent = (message: unknown) => {
  if (process.connected) process.send?.(message);
};

/** TCP_NODELAY on a client's socket (mqtt:// connections are net.Sockets). */
const noDelay = (client: MqttClient) => (client.stream as { setNoDelay?: (on: boolean) => void }).setNoDelay?.(true);

async function loadProcess(init: WorkerInit): Promise<void> {
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const broker = init.url === undefined ? await startEmbeddedMqttBroker({ host: '127.0.0.1', port: 0 }) : undefined;
  const url = broker?.url ?? init.url ?? '';
  const protocolVersion: 4 | 5 = broker ? broker.protocolVersion : 5;
  const names = Array.from({ length: init.sites }, (_, i) => siteName(i));
  const index = new Map(names.map((n, i) => [n, i]));
  const readingTopics = names.map((site) => mqttTopic({ kind: 'readings', domain: DOMAIN, site }, init.root));
  let pub: MqttClient | undefined;
  let sub: MqttClient | undefined;
  let current: { fromStep: number; steps: number; published: Float64Array; latency: Float64Array; received: number; duplicates: number; lastAt: number } | undefined;
  let extra = 0;

  const onPrediction = (_topic: string, payload: Buffer) => {
    const at = performance.now();
    if (payload.length === 0) return;
    const p = JSON.parse(payload.toString()) as { site: string; issued_at: string };
    const site = index.get(p.site);
    const step = Math.round((Date.parse(p.issued_at) - init.liveStart) / INTERVAL);
    const run = current;
    if (site === undefined || !run || step < run.fromStep || step >= run.fromStep + run.steps) {
      extra++;
      return;
    }
    const i = (step - run.fromStep) * init.sites + site;
    const sent = run.published[i] ?? Number.NaN;
    if (Number.isNaN(sent)) {
      extra++;
      return;
    }
    if (!Number.isNaN(run.latency[i] ?? Number.NaN)) {
      run.duplicates++;
      return;
    }
    run.latency[i] = at - sent;
    run.received++;
    run.lastAt = at;
  };

  const run = async (rate: number, seconds: number, fromStep: number): Promise<RunResult> => {
    if (!pub) throw new Error('not connected');
    const client = pub;
    const n = init.sites;
    const steps = Math.max(1, Math.round((rate * seconds) / n));
    const total = steps * n;
    const published = new Float64Array(total).fill(Number.NaN);
    const latency = new Float64Array(total).fill(Number.NaN);
    const extraBefore = extra;
    current = { fromStep, steps, published, latency, received: 0, duplicates: 0, lastAt: 0 };
    const state = current;
    const start = performance.now() + 5;
    let behind = 0;
    let j = 0;
    await new Promise<void>((resolve) => {
      const tick = () => {
        const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000) + 1);
        for (; j < due; j++) {
          const site = j % n;
          const time = init.liveStart + (fromStep + Math.floor(j / n)) * INTERVAL;
          const payload = JSON.stringify({ site: names[site], ts: new Date(time).toISOString(), values: { flow: flow(site, time) } });
          const now = performance.now();
          behind = Math.max(behind, now - (start + (j * 1000) / rate));
          published[j] = now;
          client.publish(readingTopics[site] ?? '', payload, { qos: 1 });
        }
        if (j >= total) resolve();
        else setTimeout(tick, 1);
      };
      setTimeout(tick, 5);
    });
    const publishedAt = performance.now();
    // Drain: until every prediction is in, or none arrived for 3 s (at most 2 min).
    let seen = -1;
    let quietSince = performance.now();
    while (state.received < total && performance.now() - publishedAt < 120_000) {
      await new Promise((r) => setTimeout(r, 50));
      if (state.received !== seen) {
        seen = state.received;
        quietSince = performance.now();
      } else if (performance.now() - quietSince > 3000) break;
    }
    current = undefined;
    const all = latency.filter((x) => !Number.isNaN(x)).sort();
    const half = latency.subarray(Math.floor(steps / 2) * n).filter((x) => !Number.isNaN(x)).sort();
    const first = published[0] ?? Number.NaN;
    return {
      rate,
      seconds,
      fromStep,
      steps,
      expected: total,
      received: state.received,
      duplicates: state.duplicates,
      extra: extra - extraBefore,
      latency: { p50: percentile(all, 50), p90: percentile(all, 90), p99: percentile(all, 99), max: all[all.length - 1] ?? Number.NaN, mean: all.reduce((a, b) => a + b, 0) / Math.max(1, all.length) },
      secondHalfP99: percentile(half, 99),
      publishedPerS: total / ((publishedAt - first) / 1000),
      generatorBehindMs: behind,
      deliveredPerS: state.received / ((state.lastAt - first) / 1000),
      loadRssMb: Math.round(peakRss / 2 ** 20),
    };
  };

  process.on('message', (request: WorkerRequest) => {
    const answer = async (): Promise<unknown> => {
      switch (request.op) {
        case 'connect': {
          // Both load clients write without Nagle's delay, so a reading leaves when its time is taken
          // (the predictor's own connections are left as the service makes them).
          sub = await connectMqtt({ url, protocolVersion, clientId: `bench-sub-${init.root}`, clean: true });
          noDelay(sub);
          sub.on('message', onPrediction);
          await sub.subscribeAsync(`${init.root}/v1/predictions/#`, { qos: 1 });
          pub = await connectMqtt({ url, protocolVersion, clientId: `bench-pub-${init.root}`, clean: true });
          noDelay(pub);
          return null;
        }
        case 'run':
          return run(request.rate, request.seconds, request.fromStep);
        case 'utilization':
          return performance.eventLoopUtilization();
        case 'cleanup': {
          // Retained predictions would outlive the run on a real broker: clear them.
          if (!broker && pub) {
            const client = pub;
            await Promise.all(names.map((site) => client.publishAsync(mqttTopic({ kind: 'predictions', task: 'traffic', site }, init.root), '', { qos: 1, retain: true })));
          }
          return null;
        }
        case 'close': {
          await sub?.endAsync();
          await pub?.endAsync();
          await broker?.close();
          clearInterval(sampler);
          return null;
        }
      }
    };
    answer().then(
      (result) => {
        toParent({ id: request.id, result });
        // Closed: the answer is the last message; leaving the channel lets this process end.
        if (request.op === 'close') process.disconnect();
      },
      (error: unknown) => toParent({ id: request.id, error: error instanceof Error ? error.message : String(error) }),
    );
  });
  toParent({ id: 0, result: { url, protocolVersion } });
}

// ---------------------------------------------------------------------------------------------
// The predictor's process: database, training, the predictor, the phases.

interface Options {
  json?: boolean;
  db?: boolean;
  sites: number;
  seconds: number;
  warmup: number;
  historyDays: number;
  levelSeconds: number;
  max: boolean;
  ackMode: 'after-commit' | 'on-receipt';
  batchAgeMs: number;
  cpuProfile?: string;
  colocatedSites: number;
}

const positive = (text: string) => {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
};
const int = (text: string) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
};

function parseOptions(): Options {
  const program = new Command('bench:predict')
    .description('predictor latency and sustained rate: MQTT reading → MQTT prediction')
    .option('--json', 'print one JSON object (last line of stdout)')
    .option('--db', 'also write every prediction to the predictions table (fanOut, as HS_PREDICT_OUTPUTS=mqtt,db)')
    .option('--sites <n>', 'sites (each completes one 5-min step per wall second in phase 1)', int, 1000)
    .option('--seconds <s>', 'measured seconds of phase 1', positive, 20)
    .option('--warmup <s>', 'seconds of the same load before phase 1', positive, 5)
    .option('--history-days <d>', 'days of 5-min history per site to train on and seed the windows from', positive, 2)
    .option('--level-seconds <s>', 'seconds per phase-2 level', positive, 10)
    .option('--no-max', 'skip phase 2 (the maximum sustained rate)')
    .addOption(new Option('--ack-mode <mode>', "the predictor's MQTT source acknowledgement (HS_PREDICT_MQTT_ACK)").choices(['after-commit', 'on-receipt']).default(PREDICTOR_SOURCE_DEFAULTS.mqttAck))
    .option('--batch-age-ms <ms>', "the predictor's MQTT source: a batch is handed over once its first message is this old (HS_PREDICT_BATCH_AGE_MS)", positive, PREDICTOR_SOURCE_DEFAULTS.batchAgeMs)
    .option('--colocated-sites <n>', 'sites of the co-located cost measurement (throughput and emissions, one input vs two single-task models)', int, 512)
    .option('--cpu-profile <file>', "write a V8 CPU profile of the predictor's thread during phases 1 and 2")
    .exitOverride()
    .configureOutput({ writeErr: (text) => process.stderr.write(`${text.trim().split('\n')[0] ?? ''}\n`) });
  try {
    program.parse();
  } catch (error) {
    if (error instanceof CommanderError) process.exit(error.exitCode === 0 ? 0 : 2);
    throw error;
  }
  return program.opts<Options>();
}

/** The load generator in a child process of its own, so the predictor's process holds the predictor alone. */
class LoadProcess {
  private readonly child: ChildProcess;
  private next = 1;
  private readonly waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  readonly ready: Promise<{ url: string; protocolVersion: 4 | 5 }>;

  constructor(init: WorkerInit) {
    this.child = fork(fileURLToPath(import.meta.url), [], { env: { ...process.env, [LOAD_CHILD_ENV]: JSON.stringify(init) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], serialization: 'advanced' });
    this.ready = new Promise((resolve, reject) => this.waiting.set(0, { resolve: (v) => resolve(v as { url: string; protocolVersion: 4 | 5 }), reject }));
    this.child.on('message', (m: { id: number; result?: unknown; error?: string }) => {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      if (m.error !== undefined) w?.reject(new Error(m.error));
      else w?.resolve(m.result);
    });
    const fail = (error: Error) => {
      for (const w of this.waiting.values()) w.reject(error);
      this.waiting.clear();
    };
    this.child.on('error', fail);
    this.child.on('exit', (code) => fail(new Error(`the load process exited (code ${code})`)));
  }

  call<T>(request: Request): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: (v) => resolve(v as T), reject });
      this.child.send({ ...request, id });
    });
  }

  /** The load process's event-loop utilisation (since `since`, when given). */
  async utilization(since?: EventLoopUtilization): Promise<EventLoopUtilization> {
    const now = await this.call<EventLoopUtilization>({ op: 'utilization' });
    return since ? performance.eventLoopUtilization(now, since) : now;
  }

  terminate(): void {
    if (this.child.exitCode === null) this.child.kill();
  }
}

async function seedHistory(db: SqlClient, sites: number, liveStart: number, steps: number): Promise<number> {
  const writer = new ReadingWriter(db);
  let batch: { domain: string; site: string; time: number; values: Record<string, number> }[] = [];
  let rows = 0;
  for (let k = -steps; k < 0; k++) {
    const time = liveStart + k * INTERVAL;
    for (let i = 0; i < sites; i++) batch.push({ domain: DOMAIN, site: siteName(i), time, values: { flow: flow(i, time) } });
    if (batch.length >= 20_000 || k === -1) {
      rows += (await writer.write(batch)).inserted;
      batch = [];
    }
  }
  return rows;
}

/** Time spent in the predictor, from its own wrappers and metrics (cumulative). */
interface Split {
  batches: number;
  messages: number;
  handlerMs: number;
  publishMs: number;
  published: number;
}

/**
 * Each serving stage timed alone on the served model (µs per window): parsing a frame, engine.add,
 * building a window (SiteWindowBuffer.window), model.predict at several batch sizes, engine.predict
 * (windows + model + payload) and the contract check of a payload.
 */
async function stageCosts(db: SqlClient, liveStart: number): Promise<Record<string, number>> {
  const version = await loadServingVersion(db, VERSION);
  try {
    const task = version.tasks.get('traffic');
    if (!task) throw new Error('the bench version serves no traffic task');
    const n = 512;
    const history = task.spec.lookback + 300;
    const time = (k: number) => liveStart + k * INTERVAL;
    const reading = (i: number, k: number) => ({ domain: DOMAIN, site: siteName(i), time: time(k), values: { flow: flow(i, time(k)) } });
    const payloads = Array.from({ length: n }, (_, i) => Buffer.from(JSON.stringify({ site: siteName(i), ts: new Date(time(1)).toISOString(), values: { flow: flow(i, time(1)) } })));
    // The fastest of three passes (the first one also warms the code up), µs per item.
    const best = (fn: () => void, count: number, passes = 3) => {
      let fastest = Infinity;
      for (let p = 0; p < passes; p++) {
        const t0 = performance.now();
        fn();
        fastest = Math.min(fastest, performance.now() - t0);
      }
      return round((fastest * 1000) / count, 1) ?? Number.NaN;
    };
    const out: Record<string, number> = {};
    out.parse_us = best(() => payloads.forEach((p) => parseReadingMessage(p, { domain: DOMAIN })), n);
    // engine.add on seeded windows: every reading completes a step (step 0 warms up, step 1 is timed).
    const engine = new PredictionEngine(version);
    for (let i = 0; i < n; i++) {
      const buckets = [];
      for (let k = -history; k < 0; k++) buckets.push({ time: time(k), values: { flow: flow(i, time(k)) } });
      engine.seed('traffic', siteName(i), buckets, { origin: time(-history) });
    }
    for (let i = 0; i < n; i++) engine.add(reading(i, 0));
    const due: ReturnType<PredictionEngine['add']> = [];
    out.engine_add_us = best(() => {
      for (let i = 0; i < n; i++) due.push(...engine.add(reading(i, 1)));
    }, n, 1);
    // One window alone, from a buffer holding what the engine's holds.
    const buffers = Array.from({ length: n }, (_, i) => {
      const b = new SiteWindowBuffer(task.spec, { origin: time(-history) });
      for (let k = -history; k <= 1; k++) b.add(time(k), { flow: flow(i, time(k)) });
      b.prune(time(1));
      return b;
    });
    const windows = buffers.map((b) => b.window(time(1), task.scalers).x);
    out.window_us = best(() => buffers.forEach((b) => b.window(time(1), task.scalers)), n);
    const per = windows[0]?.length ?? 0;
    for (const size of [1, 16, 128, 512]) {
      const x = new Float32Array(size * per);
      for (let i = 0; i < size; i++) x.set(windows[i] ?? new Float32Array(per), i * per);
      const calls = Math.max(3, Math.round(256 / size));
      out[`model_predict_b${size}_us`] = best(() => {
        for (let c = 0; c < calls; c++) task.model.predict({ [task.input]: x }, { tasks: [task.task] });
      }, calls * size);
    }
    let predictions: Prediction[] = [];
    out.engine_predict_b1_us = best(() => due.slice(0, 64).forEach((d) => (predictions = engine.predict([d]).predictions)), 64);
    out.engine_predict_b512_us = best(() => (predictions = engine.predict(due).predictions), due.length);
    out.check_and_json_us = best(() => {
      checkPredictions(predictions);
      predictions.forEach((p) => JSON.stringify(p));
    }, predictions.length);
    return out;
  } finally {
    version.dispose();
  }
}

async function main(): Promise<void> {
  const opts = parseOptions();
  const say = (line: string) => (opts.json ? process.stderr : process.stdout).write(`${line}\n`);
  const machine = { cpus: cpus().length, cpu_model: cpus()[0]?.model ?? 'unknown', memory_gb: round(totalmem() / 2 ** 30, 1), load_average_at_start: loadavg().map((x) => round(x, 2)), node: process.version };
  say(`bench:predict on ${machine.cpus} × ${machine.cpu_model}, load average ${machine.load_average_at_start.join(' ')}`);
  const pgUrl = process.env.HS_PG_URL || undefined;
  const mqttUrl = process.env.HS_MQTT_URL || undefined;
  const schema = `bench_predict_${randomBytes(3).toString('hex')}`;
  const root = `benchp${randomBytes(3).toString('hex')}`;
  const liveStart = Math.floor((Date.now() - 10 * DAY) / INTERVAL) * INTERVAL;
  const historySteps = Math.round((opts.historyDays * DAY) / INTERVAL);
  let peakRss = 0;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 100);
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    const db = await openDatabase(pgUrl ? { url: pgUrl, schema, applicationName: 'bench-predict' } : {});
    cleanups.push(async () => {
      if (pgUrl) {
        await db.query(`DROP SCHEMA ${quoteIdent(db.schema)} CASCADE`);
        for (const role of schemaRolesFor(db.schema)) {
          await db.query(`DROP OWNED BY ${quoteIdent(role)}`).catch(() => undefined);
          await db.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`).catch(() => undefined);
        }
      }
      await db.close();
    });
    await migrate(db);
    say(`database: ${pgUrl ? `PostgreSQL, scratch schema ${schema}` : 'embedded PGlite in memory'}`);

    let t0 = performance.now();
    const rows = await seedHistory(db, opts.sites, liveStart, historySteps);
    const seedS = (performance.now() - t0) / 1000;
    say(`history: ${rows.toLocaleString('en')} readings (${opts.sites} sites × ${historySteps} steps of 5 min) in ${seedS.toFixed(1)} s`);

    const backend = await chooseBackend(() => {}, 64);
    t0 = performance.now();
    const { report } = await trainFromDatabase({ db, mode: 'quick', epochs: 1, tasks: ['traffic'], version: VERSION, promotion: 'never', backend, log: (line) => say(`  ${line}`) });
    await promote(db, VERSION, { reason: 'bench:predict', actor: 'bench' });
    const trainS = (performance.now() - t0) / 1000;
    say(`model: version ${VERSION} (traffic, quick, 1 epoch) trained on ${report.backend} in ${trainS.toFixed(1)} s and promoted`);

    const load = new LoadProcess({ url: mqttUrl, root, sites: opts.sites, liveStart });
    cleanups.push(async () => {
      await load.call({ op: 'close' }).catch(() => undefined);
      load.terminate();
    });
    const broker = await load.ready;
    say(`broker: ${mqttUrl ? `${mqttUrl} (MQTT 5)` : `embedded aedes in the load process, ${broker.url} (MQTT 3.1.1)`}`);

    const log = createLogger('predictor', { level: process.env.HS_LOG_LEVEL || 'warn', destination: 2 });
    const metrics = new Metrics('predictor', { defaultMetrics: false });
    const clientId = `bench-predictor-${root}`;
    const inner = createMqttSource({ url: broker.url, protocolVersion: broker.protocolVersion, clientId, filters: [mqttReadingsFilter({ root })], ackMode: opts.ackMode, maxBatchAgeMs: opts.batchAgeMs, onError: (error) => log.error({ err: error }, 'MQTT source error') });
    const split: Split = { batches: 0, messages: 0, handlerMs: 0, publishMs: 0, published: 0 };
    const source: MessageSource = {
      kind: 'mqtt',
      start: (handler) =>
        inner.start(async (batch) => {
          const s = performance.now();
          try {
            await handler(batch);
          } finally {
            split.handlerMs += performance.now() - s;
            split.batches++;
            split.messages += batch.length;
          }
        }),
      stop: () => inner.stop(),
      connected: () => inner.connected?.() ?? true,
    };
    const publishers: PredictionPublisher[] = [];
    if (opts.db) publishers.push(databasePredictionPublisher(db));
    publishers.push(await createMqttPredictionPublisher({ url: broker.url, protocolVersion: broker.protocolVersion, clientId: `${clientId}-out`, root, onError: (error) => log.warn({ err: error }, 'MQTT publisher error') }));
    const fanned = fanOut(publishers);
    const publisher: PredictionPublisher = {
      destination: fanned.destination,
      async publish(batch) {
        const s = performance.now();
        try {
          await fanned.publish(batch);
        } finally {
          split.publishMs += performance.now() - s;
          split.published += batch.length;
        }
      },
      close: () => fanned.close(),
    };
    cleanups.push(() => publisher.close());
    const rssBeforePredictor = process.memoryUsage().rss;
    // From here on the peak is the serving one: the predictor (and, embedded, PGlite); the load generator and broker are another process.
    const trainingPeakRss = peakRss;
    peakRss = rssBeforePredictor;
    t0 = performance.now();
    const predictor = await startPredictor({ db, sources: [source], publisher, topicRoot: root, parse: {}, log, metrics, engine: { maxWindows: 200_000, latenessMs: 0 } });
    let stopping: Promise<void> | undefined;
    // Once only: stopping ends the source's MQTT clients, and ending an ended one can wait forever.
    const stopPredictor = () => (stopping ??= predictor.stop());
    cleanups.push(async () => {
      await stopPredictor();
      // The source's persistent session (clean: false) would stay on a real broker: end it.
      if (mqttUrl) await (await connectMqtt({ url: broker.url, protocolVersion: broker.protocolVersion, clientId, clean: true })).endAsync();
    });
    const status = predictor.status();
    if (status.version !== VERSION) throw new Error(`the predictor serves ${status.version ?? 'nothing'}${status.loadError ? `: ${status.loadError}` : ''}`);
    say(`predictor: serving ${status.version} after ${((performance.now() - t0) / 1000).toFixed(1)} s; source ack ${inner.ackMode}; outputs ${publisher.destination}`);
    await load.call({ op: 'connect' });

    const values = async (name: string) => {
      const metric = metrics.registry.getSingleMetric(name);
      // A histogram's values carry their series name (…_bucket, …_sum, …_count).
      return (metric ? (await metric.get()).values : []) as { metricName?: string; value: number }[];
    };
    const inference = async () => {
      const histogram = await values('headstream_predictor_inference_seconds');
      const skipped = (await values('headstream_predictor_skipped_total')).reduce((a, v) => a + v.value, 0);
      return { sum: histogram.find((v) => v.metricName?.endsWith('_sum'))?.value ?? 0, count: histogram.find((v) => v.metricName?.endsWith('_count'))?.value ?? 0, skipped };
    };
    let nextStep = 0;
    let loadRssMb = 0;
    const phase = async (rate: number, seconds: number) => {
      const before = { ...split, ...(await inference()), cpu: process.cpuUsage(), at: performance.now() };
      const elu = performance.eventLoopUtilization();
      const eluWorker = await load.utilization();
      const result = await load.call<RunResult>({ op: 'run', rate, seconds, fromStep: nextStep });
      loadRssMb = Math.max(loadRssMb, result.loadRssMb);
      nextStep += result.steps;
      const after = await inference();
      const wall = performance.now() - before.at;
      const cpu = process.cpuUsage(before.cpu);
      const messages = split.messages - before.messages;
      const stages = {
        batches: split.batches - before.batches,
        mean_batch_messages: round(messages / Math.max(1, split.batches - before.batches), 2),
        handler_ms_per_reading: round((split.handlerMs - before.handlerMs) / Math.max(1, messages), 4),
        predict_ms_per_reading: round(((after.sum - before.sum) * 1000) / Math.max(1, messages), 4),
        publish_ms_per_reading: round((split.publishMs - before.publishMs) / Math.max(1, messages), 4),
        mean_predict_batch: round((split.published - before.published) / Math.max(1, after.count - before.count), 2),
        skipped_windows: after.skipped - before.skipped,
        predictor_thread_busy: round(performance.eventLoopUtilization(elu).utilization, 3),
        load_process_busy: round((await load.utilization(eluWorker)).utilization, 3),
        process_cores: round((cpu.user + cpu.system) / 1000 / wall, 2),
      };
      return { result, stages };
    };

    // Each site's window is rebuilt from the readings table at its first reading (a few queries per
    // site): the warm-up takes that, and repeats until a round loses nothing.
    for (let round = 1; round <= 5; round++) {
      const { result: w } = await phase(opts.sites, opts.warmup);
      say(`warm-up ${round}: ${opts.sites} sites × 1 step/s for ${opts.warmup} s: ${w.received}/${w.expected} received, p99 ${w.latency.p99.toFixed(1)} ms`);
      if (w.received === w.expected && w.latency.p99 <= MAX_LAG_MS) break;
    }
    const session = opts.cpuProfile ? new Session() : undefined;
    if (session) {
      session.connect();
      await session.post('Profiler.enable');
      await session.post('Profiler.setSamplingInterval', { interval: 250 });
      await session.post('Profiler.start');
    }
    const load1 = loadavg();
    const p1 = await phase(opts.sites, opts.seconds);
    const r1 = p1.result;
    const phase1KeptUp = r1.received >= MIN_DELIVERED * r1.expected && r1.secondHalfP99 <= MAX_LAG_MS;
    say(
      `phase 1: ${opts.sites} sites × 1 step/s = ${opts.sites} predictions/s for ${opts.seconds} s: ${r1.received}/${r1.expected} received, latency p50 ${r1.latency.p50.toFixed(1)} ms, p99 ${r1.latency.p99.toFixed(1)} ms, max ${r1.latency.max.toFixed(1)} ms → ${phase1KeptUp ? 'kept up' : 'fell behind'} (generator at worst ${r1.generatorBehindMs.toFixed(1)} ms behind; load average ${load1.map((x) => x.toFixed(2)).join(' ')})`,
    );
    say(`  stages: ${JSON.stringify(p1.stages)}`);
    const memoryPhase1 = process.memoryUsage();
    const rssPhase1 = memoryPhase1.rss;

    const levels: { rate: number; kept_up: boolean; received: number; expected: number; latency_p50_ms: number | null; latency_p99_ms: number | null; second_half_p99_ms: number | null; delivered_per_s: number | null; generator_behind_ms: number | null; stages: typeof p1.stages }[] = [];
    let best = 0;
    // Phase 2 follows only a phase 1 that kept up: readings lost to an overload leave windows too
    // sparse to predict for a while, which would spoil the next levels. Otherwise the rate phase 1
    // delivered while overloaded is the sustained rate.
    let basis = phase1KeptUp ? 'phase 2: highest level kept up with' : 'phase 1 overloaded: the rate it delivered';
    if (!phase1KeptUp) best = Math.round(r1.deliveredPerS);
    if (opts.max && phase1KeptUp) {
      for (const rate of LEVELS) {
        const { result: r, stages } = await phase(rate, opts.levelSeconds);
        const keptUp = r.received >= MIN_DELIVERED * r.expected && r.secondHalfP99 <= MAX_LAG_MS;
        levels.push({ rate, kept_up: keptUp, received: r.received, expected: r.expected, latency_p50_ms: round(r.latency.p50), latency_p99_ms: round(r.latency.p99), second_half_p99_ms: round(r.secondHalfP99), delivered_per_s: round(r.deliveredPerS, 0), generator_behind_ms: round(r.generatorBehindMs), stages });
        say(`phase 2: ${rate.toLocaleString('en')} predictions/s offered for ${opts.levelSeconds} s: ${r.received}/${r.expected} received, p50 ${r.latency.p50.toFixed(1)} ms, p99 ${r.latency.p99.toFixed(1)} ms (second half ${r.secondHalfP99.toFixed(1)} ms) → ${keptUp ? 'kept up' : 'fell behind'}`);
        say(`  stages: ${JSON.stringify(stages)}`);
        if (!keptUp) break;
        best = rate;
        if (r.generatorBehindMs > MAX_LAG_MS) {
          basis = `phase 2: the load process could not offer more than ${Math.round(r.publishedPerS)} readings/s`;
          break;
        }
      }
    }
    if (session) {
      const { profile } = await session.post('Profiler.stop');
      writeFileSync(opts.cpuProfile ?? 'predict.cpuprofile', JSON.stringify(profile));
      session.disconnect();
      say(`CPU profile of the predictor's thread (phases 1 and 2): ${opts.cpuProfile ?? ''}`);
    }
    const rssAfter = process.memoryUsage().rss;
    const servingPeakRss = peakRss;
    await stopPredictor();
    const stages = await stageCosts(db, liveStart);
    say(`stage costs alone (µs per window): ${JSON.stringify(stages)}`);
    const colocated = colocatedCost(opts.colocatedSites);
    say(`co-located: throughput and emissions from one input ${colocated.colocated_us_per_site_step} µs per site-step, from two single-task models ${colocated.two_single_us_per_site_step} µs: ratio ${colocated.colocated_cost_ratio}; with one of them served by the blend ${colocated.blend_us_per_site_step} µs (${colocated.blend_cost_ratio}× the shared model alone)`);
    await load.call({ op: 'cleanup' });

    const result = {
      sites: opts.sites,
      predictions_per_s: opts.max || !phase1KeptUp ? best : null,
      predictions_per_s_basis: basis,
      latency_p50_ms: round(r1.latency.p50),
      latency_p99_ms: round(r1.latency.p99),
      predictor_rss_mb: Math.round(servingPeakRss / 2 ** 20),
      load_rss_mb: loadRssMb,
      ...colocated,
      phase1_rate: opts.sites,
      phase1_seconds: opts.seconds,
      phase1_received: r1.received,
      phase1_expected: r1.expected,
      phase1_duplicates: r1.duplicates,
      latency_p90_ms: round(r1.latency.p90),
      latency_max_ms: round(r1.latency.max),
      latency_mean_ms: round(r1.latency.mean),
      phase1_stages: p1.stages,
      levels,
      max_lag_ms: MAX_LAG_MS,
      rss_mb_before_predictor: Math.round(rssBeforePredictor / 2 ** 20),
      rss_mb_training_peak: Math.round(trainingPeakRss / 2 ** 20),
      rss_mb_after_phase1: Math.round(rssPhase1 / 2 ** 20),
      predictor_memory_mb_after_phase1: Object.fromEntries(Object.entries(memoryPhase1).map(([k, v]) => [k, Math.round(v / 2 ** 20)])),
      rss_mb_end: Math.round(rssAfter / 2 ** 20),
      stage_costs_us: stages,
      backend: report.backend,
      database: pgUrl ? 'postgres' : 'pglite',
      broker: mqttUrl ? 'mqtt5' : 'embedded-aedes',
      source_ack: inner.ackMode,
      source_batch_age_ms: opts.batchAgeMs,
      outputs: opts.db ? 'mqtt,db' : 'mqtt',
      history_readings: rows,
      seed_s: round(seedS),
      train_s: round(trainS),
      machine: { ...machine, load_average_phase1: load1.map((x) => round(x, 2)) },
    };
    if (opts.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else say(JSON.stringify(result, null, 2));
  } finally {
    clearInterval(sampler);
    for (const c of cleanups.reverse()) await c().catch((error: unknown) => process.stderr.write(`cleanup: ${error instanceof Error ? error.message : String(error)}\n`));
  }
}

const loadInit = process.env[LOAD_CHILD_ENV];
if (loadInit === undefined) {
  try {
    await main();
  } catch (error) {
    process.stderr.write(`bench:predict failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
} else {
  await loadProcess(JSON.parse(loadInit) as WorkerInit);
}
