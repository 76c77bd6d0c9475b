import { setTimeout as sleep } from 'node:timers/promises';
import { createRatePacer, simRecordToFrame, simulate, startSparkplugFactory } from '@headstream/sim';
import { mqttFromConfig } from '@headstream/transport';
import type { CliConfig } from '../config.js';
import { UsageError } from '../usage-error.js';

export interface SimulateSparkplugOptions {
  factory: number;
  /** Records per second, or Infinity with realtime. */
  rate: number;
  realtime: boolean;
  seed: string;
  start: number;
  factoryIntervalMs: number;
  count?: number;
  groundTruth: boolean;
  /** Sparkplug group id (HS_SPARKPLUG_GROUPS of ingest). */
  group: string;
}

/**
 * `headstream simulate --protocol sparkplug`: the factory simulator as Sparkplug B edge nodes on
 * HS_MQTT_URL, through Eclipse Tahu's edge-node client: one edge node per line (its site), one device
 * per machine (site {line}-{m}), births with aliases, data by alias stamped with the record's time,
 * rebirth requests answered. Runs until --count or Ctrl-C; each edge node then publishes its NDEATH.
 */
export async function simulateSparkplug(options: SimulateSparkplugOptions, config: CliConfig): Promise<{ records: number; rebirths: number }> {
  if (!(options.factory > 0)) throw new UsageError('--protocol sparkplug emits the factory: give --factory N');
  if (config.mqttUrl === undefined) throw new UsageError('--protocol sparkplug publishes to HS_MQTT_URL; it is not set');
  const connection = mqttFromConfig(config, config.mqttUrl);
  const factory = startSparkplugFactory({
    url: connection.url,
    ...(connection.username === undefined ? {} : { username: connection.username }),
    ...(connection.password === undefined ? {} : { password: connection.password }),
    group: options.group,
  });
  process.stderr.write(`emitting ${options.factory} machines as Sparkplug B edge nodes (group ${options.group}) on ${connection.url}\n`);
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const pacer = options.realtime ? undefined : createRatePacer({ ratePerSec: options.rate, signal: abort.signal });
  let records = 0;
  const started = Date.now();
  try {
    for (const record of simulate({ city: 0, factory: options.factory, seed: options.seed, start: options.start, factoryIntervalMs: options.factoryIntervalMs })) {
      if (abort.signal.aborted || (options.count !== undefined && records >= options.count)) break;
      if (pacer) await pacer.take(1).catch(() => undefined);
      else if (record.time > Date.now()) await sleep(record.time - Date.now(), undefined, { signal: abort.signal }).catch(() => undefined);
      if (abort.signal.aborted) break;
      const frame = simRecordToFrame(record, { groundTruth: options.groundTruth, domainField: false });
      await factory.send({ site: record.site, time: record.time, values: frame.values });
      records++;
    }
    process.stdout.write(`simulated ${records} records as Sparkplug B (group ${options.group}, ${connection.url}) in ${((Date.now() - started) / 1000).toFixed(1)} s; ${factory.rebirths} rebirth requests answered\n`);
    return { records, rebirths: factory.rebirths };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await factory.close();
  }
}
