import { estimateTotal, formatReplaySummary, loadCsvMappingFile, csvMappingFromFlags, openSources, parseSpeed, replay, type CsvMappingFlags, type ReplaySummary } from '@headstream/datasets';
import type { Logger } from '@headstream/core';
import { openReadingSink, UsageError, type Destination } from '../publish.js';
import { progressReporter } from '../progress.js';
import type { CliConfig } from '../config.js';

export interface ReplayCommandOptions extends CsvMappingFlags {
  to: Destination;
  speed?: string;
  max?: boolean;
  format?: string;
  mapping?: string;
  datasetsDir?: string;
  frames: number;
  groundTruth: boolean;
  json?: boolean;
}

/** `headstream replay <dataset | file>`: streams a data set in time order onto MQTT or Kafka. */
export async function replayCommand(target: string, options: ReplayCommandOptions, config: CliConfig, log: Logger): Promise<ReplaySummary> {
  if (options.max && options.speed !== undefined) throw new UsageError('--max and --speed exclude each other');
  let speed: number;
  try {
    speed = options.max || options.speed === undefined ? Number.POSITIVE_INFINITY : parseSpeed(options.speed);
  } catch (error) {
    throw new UsageError(`--speed: ${(error as Error).message}`);
  }
  let opened: Awaited<ReturnType<typeof openSources>>;
  try {
    const flagMapping = options.timeColumn !== undefined || options.metrics !== undefined;
    const mapping = options.mapping !== undefined ? await loadCsvMappingFile(options.mapping) : flagMapping ? csvMappingFromFlags(options) : undefined;
    opened = await openSources(target, {
      ...(options.format === undefined ? {} : { format: options.format }),
      ...(mapping === undefined ? {} : { mapping }),
      ...(options.datasetsDir === undefined ? {} : { datasetsDir: options.datasetsDir }),
    });
  } catch (error) {
    // An unknown data set, a missing file or a bad mapping: the user's input, one line.
    throw new UsageError((error as Error).message);
  }
  const total = await estimateTotal(opened.sources);
  const sink = await openReadingSink(options.to, config, log, 'headstream-replay');
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const progress = progressReporter(`replay ${target} → ${options.to}`, total);
  try {
    const summary = await replay(
      opened.sources.map((s) => s.records()),
      {
        speed,
        maxFrames: options.frames,
        groundTruth: options.groundTruth,
        domainField: options.to === 'kafka',
        ...(total === undefined ? {} : { total }),
        stats: opened.stats,
        signal: abort.signal,
        publish: (batch) => sink.send(batch.domain, batch.site, batch.frames),
        onProgress: (p) => progress.update(p),
      },
    );
    progress.stop();
    if (options.json) process.stdout.write(`${JSON.stringify({ target, to: options.to, destination: sink.target, ...summary })}\n`);
    else process.stdout.write(`${formatReplaySummary(summary)}\n`);
    return summary;
  } finally {
    progress.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await sink.close();
  }
}
