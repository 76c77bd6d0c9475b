import { userInfo } from 'node:os';
import { DEFAULT_EMBEDDED_DATA_DIR, migrate, openDatabase, requireCurrentSchema, type SqlClient } from '@headstream/store';
import { formatVersion, formatVersionList, getVersion, listVersions, promote, readVersionFiles, readVersionReport, rollback, saveVersion, UnknownVersionError, VersionFilesError, type Promotion, type SavedArtifact, type VersionDetails } from '@headstream/training';
import type { CliConfig } from '../config.js';
import { UsageError } from '../usage-error.js';

export interface ModelsDatabaseOptions {
  dataDir?: string;
  schema?: string;
}

/**
 * The registry's database: HS_PG_URL (already migrated by `headstream migrate`: this only checks the
 * version) or an embedded PGlite directory, which migrates itself like the services' embedded one.
 */
async function openRegistry(config: CliConfig, options: ModelsDatabaseOptions): Promise<SqlClient> {
  const schema = options.schema ?? config.pgSchema;
  const db = await openDatabase({
    ...(config.pgUrl === undefined ? { dataDir: options.dataDir ?? DEFAULT_EMBEDDED_DATA_DIR } : { url: config.pgUrl }),
    ...(schema === undefined ? {} : { schema }),
    applicationName: 'headstream-models',
    createSchema: false,
  });
  try {
    if (db.kind === 'pglite') await migrate(db);
    else await requireCurrentSchema(db);
  } catch (error) {
    await db.close();
    throw error;
  }
  return db;
}

async function withRegistry<T>(config: CliConfig, options: ModelsDatabaseOptions, fn: (db: SqlClient) => Promise<T>): Promise<T> {
  const db = await openRegistry(config, options);
  try {
    return await fn(db);
  } catch (error) {
    // An unknown version is a usage error: one line, exit code 2.
    if (error instanceof UnknownVersionError) throw new UsageError(error.message);
    throw error;
  } finally {
    await db.close();
  }
}

/** Who promoted or rolled back, as model_promotions records it. */
function actor(): string {
  try {
    return `${userInfo().username} (cli)`;
  } catch {
    return 'cli';
  }
}

export async function modelsListCommand(config: CliConfig, options: ModelsDatabaseOptions & { json?: boolean }): Promise<void> {
  const versions = await withRegistry(config, options, listVersions);
  process.stdout.write(`${options.json ? JSON.stringify(versions) : formatVersionList(versions)}\n`);
}

export async function modelsShowCommand(config: CliConfig, version: string, options: ModelsDatabaseOptions & { json?: boolean }): Promise<void> {
  const details = await withRegistry(config, options, async (db) => {
    const found = await getVersion(db, version);
    if (!found) throw new UnknownVersionError(version);
    return found;
  });
  process.stdout.write(`${options.json ? JSON.stringify(details) : showVersion(details)}\n`);
}

export async function modelsPromoteCommand(config: CliConfig, version: string, options: ModelsDatabaseOptions & { reason?: string }): Promise<void> {
  const done = await withRegistry(config, options, (db) => promote(db, version, { reason: options.reason ?? 'promoted by hand', actor: actor() }));
  process.stdout.write(formatPromotion(done));
}

export async function modelsRollbackCommand(config: CliConfig, options: ModelsDatabaseOptions & { reason?: string }): Promise<void> {
  const done = await withRegistry(config, options, (db) => rollback(db, { reason: options.reason ?? 'rolled back by hand', actor: actor() }));
  process.stdout.write(formatPromotion(done));
}

/**
 * `headstream models import DIR`: stores a model version written as files (train --from-datasets) in the
 * registry as a candidate, with its report, the guard's decision and its telemetry. It serves once promoted.
 */
export async function modelsImportCommand(config: CliConfig, dir: string, options: ModelsDatabaseOptions & { name?: string; json?: boolean }): Promise<{ version: string; artifacts: SavedArtifact[] }> {
  const files = async <T>(read: () => Promise<T>): Promise<T> => {
    try {
      return await read();
    } catch (error) {
      if (error instanceof VersionFilesError) throw new UsageError(error.message);
      throw error;
    }
  };
  // The name first (version.json alone), then the models: a refused name loads no weights.
  const version = options.name ?? (await files(() => readVersionReport(dir))).report.version;
  const saved = await withRegistry(config, options, async (db) => {
    if (await getVersion(db, version)) throw new UsageError(`model version ${version} already exists: import it under another name with --name`);
    const input = await files(() => readVersionFiles(dir));
    try {
      return { ...(await saveVersion(db, { ...input, report: { ...input.report, version }, artifacts: input.artifacts.map((a) => ({ ...a, info: { ...a.info, version } })) })), serving: input.report.decision.serving };
    } finally {
      for (const m of input.models) m.dispose();
    }
  });
  {
    const result = { version: saved.version, artifacts: saved.artifacts };
    if (options.json) process.stdout.write(`${JSON.stringify(result)}\n`);
    else {
      const serving = Object.entries(saved.serving).map(([t, by]) => `${t} by ${by}`).join(', ');
      process.stdout.write(`imported ${dir} as version ${saved.version} (candidate): ${saved.artifacts.map((a) => a.name).join(', ')}; the guard's choice: ${serving}\nserve it: headstream models promote ${saved.version}\n`);
    }
    return result;
  }
}

export function formatPromotion(p: Promotion): string {
  if (p.kind === 'rollback') return `rolled back to ${p.version} (${p.previous ?? 'none'} retired)\n`;
  return `promoted ${p.version}${p.previous === null ? ' (no version was active)' : ` (${p.previous} retired)`}\n`;
}

/** `models show`: the version's report, or what the row says when it was stored without one. */
export function showVersion(v: VersionDetails): string {
  if (v.report !== null) return formatVersion(v.report, v);
  const rows: [string, string][] = [
    ['version', v.version],
    ['created', v.created_at],
    ['status', v.status],
    ['strategy', v.strategy],
    ['regime', v.regime],
    ['backend', v.backend ?? '-'],
  ];
  return [...rows.map(([k, x]) => `${k.padEnd(8)}  ${x}`), '', 'no report stored with this version'].join('\n');
}
