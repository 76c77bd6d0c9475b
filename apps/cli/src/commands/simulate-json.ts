import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRatePacer, simRecordToFrame, simulate } from '@headstream/sim';
import { connectMqtt, mqttFromConfig } from '@headstream/transport';
import type { CliConfig } from '../config.js';
import { UsageError } from '../usage-error.js';

export interface SimulateJsonOptions {
  city: number;
  factory: number;
  /** Records per second, or Infinity with realtime. */
  rate: number;
  realtime: boolean;
  seed: string;
  start: number;
  factoryIntervalMs: number;
  count?: number;
  groundTruth: boolean;
  /** The first topic level: messages go to {prefix}/{domain}/{site}/{metric}. */
  prefix: string;
  /** Where to write the HS_JSON_SOURCES_CONFIG that maps these topics. */
  configFile?: string;
}

/** The mapping of the simulator's vendor topics, as ingest reads them (HS_JSON_SOURCES_CONFIG). */
const simulatedJsonMapping = (prefix: string) => ({ topics: [{ topic: `${prefix}/{domain}/{site}/{metric}`, payload: { value: '/v', time: '/ts' } }] });

/**
 * `headstream simulate --protocol json`: the simulator as vendor JSON on devices' own topics, one QoS 1
 * message per metric: {prefix}/{domain}/{site}/{metric} with {"v": value, "ts": epoch ms}, on HS_MQTT_URL.
 * --json-config writes the mapping ingest and the predictor read it with.
 */
export async function simulateJson(options: SimulateJsonOptions, config: CliConfig): Promise<{ records: number; messages: number }> {
  if (!(options.city > 0 || options.factory > 0)) throw new UsageError('--protocol json emits the simulator: give --city N and/or --factory N');
  if (config.mqttUrl === undefined) throw new UsageError('--protocol json publishes to HS_MQTT_URL; it is not set');
  if (!/^[A-Za-z0-9_.-]+$/.test(options.prefix)) throw new UsageError(`--json-prefix: expected one topic level of [A-Za-z0-9_.-]; got ${JSON.stringify(options.prefix)}`);
  if (options.configFile !== undefined) writeFileSync(options.configFile, `${JSON.stringify(simulatedJsonMapping(options.prefix), null, 2)}\n`);
  const connection = mqttFromConfig(config, config.mqttUrl);
  const client = await connectMqtt({ ...connection, clientId: `headstream-simulate-json-${process.pid}` });
  process.stderr.write(`emitting the simulator as vendor JSON on ${options.prefix}/{domain}/{site}/{metric} at ${connection.url}\n`);
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const pacer = options.realtime ? undefined : createRatePacer({ ratePerSec: options.rate, signal: abort.signal });
  let records = 0;
  let messages = 0;
  const started = Date.now();
  try {
    for (const record of simulate({ city: options.city, factory: options.factory, seed: options.seed, start: options.start, factoryIntervalMs: options.factoryIntervalMs })) {
      if (abort.signal.aborted || (options.count !== undefined && records >= options.count)) break;
      if (pacer) await pacer.take(1).catch(() => undefined);
      else if (record.time > Date.now()) await sleep(record.time - Date.now(), undefined, { signal: abort.signal }).catch(() => undefined);
      if (abort.signal.aborted) break;
      const frame = simRecordToFrame(record, { groundTruth: options.groundTruth, domainField: false });
      await Promise.all(
        Object.entries(frame.values).map(([metric, v]) => client.publishAsync(`${options.prefix}/${record.domain}/${record.site}/${metric}`, JSON.stringify({ v, ts: record.time }), { qos: 1 })),
      );
      messages += Object.keys(frame.values).length;
      records++;
    }
    process.stdout.write(`simulated ${records} records in ${messages} vendor JSON messages (${options.prefix}/{domain}/{site}/{metric}, ${connection.url}) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return { records, messages };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await client.endAsync();
  }
}
