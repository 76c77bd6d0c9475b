import { createFrameBatcher } from '@headstream/datasets';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRatePacer, parseRate, simulate } from '@headstream/sim';
import type { Logger } from '@headstream/core';
import { parseDuration } from '@headstream/training';
import { openReadingSink, UsageError, type Destination } from '../publish.js';
import type { CliConfig } from '../config.js';

export interface SimulateCommandOptions {
  city: number;
  factory: number;
  rate: string;
  /** Required with --protocol frame. */
  to?: Destination;
  protocol: 'frame' | 'opcua' | 'sparkplug' | 'json';
  /** First topic level of --protocol json. */
  jsonPrefix: string;
  /** Where --protocol json writes its HS_JSON_SOURCES_CONFIG. */
  jsonConfig?: string;
  /** Sparkplug group id (--protocol sparkplug). */
  sparkplugGroup: string;
  opcuaPort: number;
  opcuaConfig?: string;
  seed: string;
  start?: string;
  backfill?: string;
  factoryInterval: string;
  count?: number;
  frames: number;
  groundTruth: boolean;
}

/**
 * `headstream simulate`: city and factory streams with ground truth (gt_* metrics) so models can be
 * scored, at `rate` records per second or `realtime` (each record when its time comes: what lies in the
 * past, e.g. a --backfill, goes at once). Runs until --count or Ctrl-C.
 */
export async function simulateCommand(options: SimulateCommandOptions, config: CliConfig, log: Logger): Promise<{ records: number; messages: number }> {
  if (options.city + options.factory === 0) throw new UsageError('--city and --factory are both 0: nothing to simulate');
  const realtime = options.rate.trim() === 'realtime';
  let rate = Infinity;
  try {
    if (!realtime) rate = parseRate(options.rate);
  } catch (error) {
    throw new UsageError(`--rate: ${(error as Error).message} or "realtime"`);
  }
  const factoryIntervalMs = parseDuration(options.factoryInterval);
  if (!(factoryIntervalMs >= 1) || !Number.isInteger(factoryIntervalMs)) throw new UsageError(`--factory-interval: ${JSON.stringify(options.factoryInterval)} is not a duration of at least 1 ms, e.g. 1s or 10s`);
  if (options.start !== undefined && options.backfill !== undefined) throw new UsageError('--start and --backfill exclude each other');
  const backfillMs = options.backfill === undefined ? 0 : parseDuration(options.backfill);
  if (!(backfillMs >= 0)) throw new UsageError(`--backfill: ${JSON.stringify(options.backfill)} is not a duration, e.g. 6d or 12h`);
  const start = options.start === undefined ? Date.now() - backfillMs : Date.parse(options.start);
  if (!Number.isFinite(start)) throw new UsageError(`--start: ${JSON.stringify(options.start)} is not an ISO-8601 time`);
  if (options.protocol === 'opcua') {
    if (options.city > 0) throw new UsageError('--protocol opcua serves the factory only: leave out --city');
    const { simulateOpcua } = await import('./simulate-opcua.js');
    const served = await simulateOpcua({
      factory: options.factory,
      rate,
      realtime,
      seed: options.seed,
      start,
      factoryIntervalMs,
      groundTruth: options.groundTruth,
      port: options.opcuaPort,
      ...(options.count === undefined ? {} : { count: options.count }),
      ...(options.opcuaConfig === undefined ? {} : { configFile: options.opcuaConfig }),
    });
    return { records: served.records, messages: 0 };
  }
  if (options.protocol === 'json') {
    const { simulateJson } = await import('./simulate-json.js');
    return simulateJson(
      { city: options.city, factory: options.factory, rate, realtime, seed: options.seed, start, factoryIntervalMs, groundTruth: options.groundTruth, prefix: options.jsonPrefix, ...(options.count === undefined ? {} : { count: options.count }), ...(options.jsonConfig === undefined ? {} : { configFile: options.jsonConfig }) },
      config,
    );
  }
  if (options.protocol === 'sparkplug') {
    if (options.city > 0) throw new UsageError('--protocol sparkplug emits the factory only: leave out --city');
    const { simulateSparkplug } = await import('./simulate-sparkplug.js');
    const sent = await simulateSparkplug(
      { factory: options.factory, rate, realtime, seed: options.seed, start, factoryIntervalMs, groundTruth: options.groundTruth, group: options.sparkplugGroup, ...(options.count === undefined ? {} : { count: options.count }) },
      config,
    );
    return { records: sent.records, messages: sent.records };
  }
  if (options.to === undefined) throw new UsageError('--to mqtt or --to kafka is required with --protocol frame');
  const to = options.to;
  const sink = await openReadingSink(to, config, log, 'headstream-simulate');
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const pacer = realtime ? undefined : createRatePacer({ ratePerSec: rate, signal: abort.signal });
  const batcher = createFrameBatcher({ maxFrames: options.frames, groundTruth: options.groundTruth, domainField: to === 'kafka' });
  let records = 0;
  let messages = 0;
  const started = Date.now();
  let lastReport = started;
  try {
    for (const record of simulate({ city: options.city, factory: options.factory, seed: options.seed, start, factoryIntervalMs })) {
      if (abort.signal.aborted || (options.count !== undefined && records >= options.count)) break;
      if (pacer) await pacer.take(1).catch(() => undefined);
      else if (record.time > Date.now()) {
        // Caught up with the clock: send what is batched now, then wait for this record's time.
        for (const rest of batcher.flush()) {
          await sink.send(rest.domain, rest.site, rest.frames);
          messages++;
        }
        await sleep(record.time - Date.now(), undefined, { signal: abort.signal }).catch(() => undefined);
      }
      if (abort.signal.aborted) break;
      records++;
      const full = batcher.add(record);
      if (full) {
        await sink.send(full.domain, full.site, full.frames);
        messages++;
      }
      if (Date.now() - lastReport > 5_000) {
        lastReport = Date.now();
        process.stderr.write(`simulate → ${to}: ${records} records, ${Math.round((records * 1000) / (Date.now() - started))}/s, data time ${new Date(record.time).toISOString()}\n`);
      }
    }
    for (const rest of batcher.flush()) {
      await sink.send(rest.domain, rest.site, rest.frames);
      messages++;
    }
    process.stdout.write(`simulated ${records} records in ${messages} messages to ${to} (${sink.target}) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return { records, messages };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await sink.close();
  }
}
