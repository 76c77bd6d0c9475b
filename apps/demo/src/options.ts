import { InvalidArgumentError } from 'commander';

/** A user's mistake (a bad flag, a missing variable, a busy port): main prints the one line and exits 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The demo's flags, parsed and checked. */
export interface DemoOptions {
  /** Keep running after the summary (predicting in real time) until SIGINT/SIGTERM. */
  serve: boolean;
  /** Use the services of HS_PG_URL, HS_MQTT_URL, HS_KAFKA_BROKERS instead of the embedded ones. */
  stack: boolean;
  /** Replay slices of the shared data sets instead of simulating. */
  replay: boolean;
  /** The embedded database's folder (resolved against the working directory). */
  dir: string;
  /** The embedded database is PGlite with TimescaleDB (HS_DB_ENGINE=timescale does the same). */
  timescale: boolean;
  /** TCP port of the embedded MQTT broker (0 = any free port). */
  port: number;
  /** Port of the live view (--serve; 0 = any free port). */
  viewPort: number;
  seed: number;
  /**
   * The simulator's clock (ms since the epoch): its virtual time ends here, the live part being its last hours.
   * Unset: the wall clock. No flag: bench:demo-live pins it, so a (seed, clock) run repeats.
   */
  now?: number;
  /** How the factory's sensors talk: Headstream frames on MQTT, Sparkplug B edge nodes (--factory sparkplug), or an OPC UA server for the live part (--factory opcua). */
  factory: 'frame' | 'sparkplug' | 'opcua';
  json: boolean;
  /** Where the shared data sets are (--replay); unset: HS_DATASETS_DIR or the nearest shared/datasets. */
  datasetsDir?: string;
}

/**
 * 1884, not MQTT's 1883: a developer machine often runs a Mosquitto on 1883, and the demo's broker
 * must not collide with it (nor be mistaken for it).
 */
export const DEFAULT_BROKER_PORT = 1884;
/** The live view's default port (--serve). */
export const DEFAULT_VIEW_PORT = 8484;
export const DEFAULT_DIR = '.headstream/demo';

/** commander argument parser: an integer in [min, max]. */
export function integer(min: number, max: number): (text: string) => number {
  return (text: string): number => {
    const n = Number(text);
    if (!/^\d+$/.test(text.trim()) || n < min || n > max) throw new InvalidArgumentError(`expected an integer ${min}..${max}`);
    return n;
  };
}

/** commander argument parser of a seed (the simulator's and the training's). */
export const seedArgument = integer(0, 2 ** 31 - 1);

/** Flags that make no sense together, as one line naming them (undefined when fine). */
export function conflictOf(options: DemoOptions, given: ReadonlySet<string>): string | undefined {
  if (options.stack && given.has('port')) return '--port sets the embedded broker\'s port; with --stack the broker is HS_MQTT_URL';
  if (options.stack && given.has('dir')) return '--dir is the embedded database\'s folder; with --stack the database is HS_PG_URL';
  if (options.stack && given.has('timescale')) return '--timescale picks the embedded database\'s engine; with --stack the database is HS_PG_URL';
  if (options.replay && options.factory === 'opcua') return '--factory opcua serves the simulated factory\'s variables; --replay replays data sets (leave out one of them)';
  if (!options.replay && given.has('datasetsDir')) return '--datasets-dir is read by --replay only';
  if (!options.serve && given.has('viewPort')) return '--view-port is for the live view of --serve';
  return undefined;
}
