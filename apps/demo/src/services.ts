import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { maskUrl, type Logger } from '@headstream/core';
import { compressReadings, migrate, openDatabase, requireCurrentSchema, runTimescaleJobs, SchemaBehindError, storageInfo, timescaleVersion, type StorageInfo, type SqlClient } from '@headstream/store';
import { kafkaFromConfig, mqttFromConfig, startEmbeddedMqttBroker, type EmbeddedMqttBroker, type KafkaConnectionOptions, type MqttConnectionOptions, type SourcesConfig } from '@headstream/transport';
import type { DemoConfig } from './config.js';
import { UsageError, type DemoOptions } from './options.js';

/** How every MQTT client of the demo connects: URL, credentials, TLS and the protocol the broker speaks. */
export type MqttConnection = Pick<MqttConnectionOptions, 'url' | 'username' | 'password' | 'tls'> & { protocolVersion: 4 | 5 };

/** The database and brokers one demo run uses: embedded (PGlite + aedes) or the stack's. */
export interface DemoServices {
  mode: 'embedded' | 'stack';
  db: SqlClient;
  /** For people: where the data lies (a folder, or a masked URL and schema). */
  database: string;
  /** Embedded: the PGlite data folder (absolute). */
  dataDir?: string;
  mqtt: MqttConnection;
  /** Host and port a subscriber in another terminal connects to. */
  broker: { host: string; port: number; embedded: boolean };
  kafka?: KafkaConnectionOptions;
  topicRoot: string;
  /** The sources' settings (startSources), from the demo's config. */
  sourcesConfig: SourcesConfig;
  close(): Promise<void>;
}

/** A file the demo writes into its folder: only a folder holding it is ever emptied by a rerun. */
export const DIR_MARKER = '.headstream-demo';

/**
 * The demo's folder, fresh: a rerun empties the folder it made before (marked by DIR_MARKER), so each
 * run starts from an empty database and the numbers of one run never mix with another's. A folder the
 * demo did not make is never touched: a non-empty one without the marker is refused.
 */
export function prepareDataDir(dir: string): string {
  const absolute = resolve(dir);
  if (existsSync(absolute)) {
    const entries = readdirSync(absolute);
    if (entries.length > 0 && !entries.includes(DIR_MARKER)) {
      throw new UsageError(`--dir ${dir}: ${absolute} holds files the demo did not create; give an empty or new folder`);
    }
    for (const entry of entries) rmSync(join(absolute, entry), { recursive: true, force: true });
  }
  mkdirSync(absolute, { recursive: true });
  writeFileSync(join(absolute, DIR_MARKER), 'Made by `npm run demo` (headstream-demo). The next run empties this folder.\n');
  return absolute;
}

/** Opens what the run needs; on failure everything opened so far is closed again. */
export async function openServices(options: DemoOptions, config: DemoConfig, log: Logger): Promise<DemoServices> {
  return options.stack ? openStack(config, log) : openEmbedded(options, config);
}

async function openEmbedded(options: DemoOptions, config: DemoConfig): Promise<DemoServices> {
  const dir = prepareDataDir(options.dir);
  const dataDir = join(dir, 'db');
  let broker: EmbeddedMqttBroker;
  try {
    broker = await startEmbeddedMqttBroker({ host: '127.0.0.1', port: options.port });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'EADDRINUSE') throw new UsageError(`--port ${options.port}: 127.0.0.1:${options.port} is already in use; pick another port (--port 0 takes any free one)`);
    if (code === 'EACCES') throw new UsageError(`--port ${options.port}: not allowed to listen on 127.0.0.1:${options.port}; pick a port above 1023`);
    throw error;
  }
  try {
    const engine = options.timescale ? 'timescale' : (config.dbEngine ?? 'pglite');
    const db = await openDatabase({ dataDir, engine });
    try {
      await migrate(db);
    } catch (error) {
      await db.close();
      throw error;
    }
    return {
      mode: 'embedded',
      db,
      database: `${engine === 'timescale' ? 'PGlite with TimescaleDB' : 'PGlite'} (embedded PostgreSQL) in ${dataDir}`,
      dataDir,
      mqtt: { url: broker.url, protocolVersion: broker.protocolVersion },
      broker: { host: '127.0.0.1', port: broker.port, embedded: true },
      topicRoot: config.topicRoot,
      sourcesConfig: config,
      async close() {
        await db.close();
        await broker.close();
      },
    };
  } catch (error) {
    await broker.close();
    throw error;
  }
}

/**
 * What stores the data, for the summary. Embedded PGlite has no background workers: with TimescaleDB
 * its policies (aggregate refresh, compression, retention) run here, and the history's chunks older
 * than a day are compressed (what a one-day compression policy would do), so the ratio is a real one.
 */
export async function settleStorage(db: SqlClient): Promise<StorageInfo> {
  if (db.kind === 'pglite' && (await timescaleVersion(db)) !== null) {
    await runTimescaleJobs(db);
    await compressReadings(db, '1 day');
  }
  return storageInfo(db);
}

async function openStack(config: DemoConfig, log: Logger): Promise<DemoServices> {
  if (config.pgUrl === undefined) throw new UsageError('--stack needs HS_PG_URL (e.g. postgres://postgres@127.0.0.1:5432/headstream)');
  if (config.mqttUrl === undefined) throw new UsageError('--stack needs HS_MQTT_URL (e.g. mqtt://127.0.0.1:1883)');
  const mqtt: MqttConnection = { ...mqttFromConfig(config, config.mqttUrl), protocolVersion: 5 };
  const url = new URL(config.mqttUrl);
  const db = await openDatabase({ url: config.pgUrl, ...(config.pgSchema === undefined ? {} : { schema: config.pgSchema }), applicationName: 'headstream-demo', createSchema: true });
  try {
    // A stack's database is normally migrated by `headstream migrate`; an empty or older one is migrated here.
    try {
      await requireCurrentSchema(db);
    } catch (error) {
      if (!(error instanceof SchemaBehindError)) throw error;
      await migrate(db);
    }
  } catch (error) {
    await db.close();
    throw error;
  }
  const schema = config.pgSchema ?? 'public';
  return {
    mode: 'stack',
    db,
    database: `PostgreSQL ${maskUrl(config.pgUrl)}, schema ${schema}`,
    mqtt,
    broker: { host: url.hostname, port: Number(url.port || (url.protocol === 'mqtts:' ? 8883 : 1883)), embedded: false },
    ...(config.kafkaBrokers ? { kafka: kafkaFromConfig(config, 'headstream-demo', log) } : {}),
    topicRoot: config.topicRoot,
    sourcesConfig: config,
    close: () => db.close(),
  };
}
