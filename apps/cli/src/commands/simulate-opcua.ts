import { writeFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { createRatePacer, factoryOpcuaConfig, factorySites, startFactoryOpcuaServer } from '@headstream/sim';
import { UsageError } from '../usage-error.js';

export interface SimulateOpcuaOptions {
  factory: number;
  /** Records per second, or Infinity with realtime. */
  rate: number;
  realtime: boolean;
  seed: string;
  start: number;
  factoryIntervalMs: number;
  count?: number;
  groundTruth: boolean;
  port: number;
  /** Write an HS_OPCUA_CONFIG file mapping every served variable. */
  configFile?: string;
}

/**
 * `headstream simulate --protocol opcua`: serves the factory simulator over OPC UA (a node-opcua
 * server; each machine's and line's sensors are variables ns=1;s={site}.{metric}) and updates them
 * at --rate or in real time, each value stamped with the record's time. Runs until --count or Ctrl-C.
 */
export async function simulateOpcua(options: SimulateOpcuaOptions): Promise<{ records: number }> {
  if (!(options.factory > 0)) throw new UsageError('--protocol opcua serves the factory: give --factory N');
  const server = await startFactoryOpcuaServer({
    port: options.port,
    machines: options.factory,
    seed: options.seed,
    start: options.start,
    intervalMs: options.factoryIntervalMs,
    groundTruth: options.groundTruth,
  });
  const { machines, lines } = factorySites(options.factory);
  const url = server.endpointUrl;
  if (options.configFile !== undefined) {
    // The mapping of everything the server serves (sim's own, as the demo uses it).
    writeFileSync(options.configFile, `${JSON.stringify(factoryOpcuaConfig({ url, machines: options.factory, groundTruth: options.groundTruth }), null, 2)}\n`);
  }
  process.stderr.write(`serving ${machines.length} machines and ${lines.length} lines over OPC UA at ${url}${options.configFile === undefined ? '' : `; mapping for HS_OPCUA_CONFIG in ${options.configFile}`}\n`);
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const pacer = options.realtime ? undefined : createRatePacer({ ratePerSec: options.rate, signal: abort.signal });
  let records = 0;
  try {
    for (;;) {
      if (abort.signal.aborted || (options.count !== undefined && records >= options.count)) break;
      const record = server.records.next();
      if (record.done === true) break;
      if (pacer) await pacer.take(1).catch(() => undefined);
      else if (record.value.time > Date.now()) await sleep(record.value.time - Date.now(), undefined, { signal: abort.signal }).catch(() => undefined);
      if (abort.signal.aborted) break;
      server.writeRecord(record.value);
      records++;
    }
    // With --count, keep serving the last values until Ctrl-C (a subscriber may still be reading them).
    if (!abort.signal.aborted) await new Promise<void>((resolve) => abort.signal.addEventListener('abort', () => resolve(), { once: true }));
    process.stdout.write(`simulated ${records} records over OPC UA (${url})\n`);
    return { records };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await server.stop();
  }
}
