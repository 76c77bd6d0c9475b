import { resolve } from 'node:path';
import { ConfigError } from '@headstream/core';
import { DEFAULT_EMBEDDED_DATA_DIR } from '@headstream/store';

export { DEFAULT_EMBEDDED_DATA_DIR };
/** HS_PG_DATA_DIR value that asks for an in-memory database (PGlite's own spelling). */
const IN_MEMORY = 'memory://';

export type DatabaseTarget = { kind: 'postgres'; url: string } | { kind: 'pglite'; dataDir: string } | { kind: 'memory' };

/**
 * Where ingest stores readings. A PostgreSQL server when HS_PG_URL is set; otherwise
 * embedded PGlite on disk (HS_PG_DATA_DIR, default .headstream/ingest-db under `cwd`).
 * In memory only when asked: HS_PG_DATA_DIR=memory:// or HS_EMBEDDED=1 without a data
 * directory; and memory:// without HS_EMBEDDED=1 is refused (a ConfigError: exit code 2),
 * since every reading acknowledged to its sender would be lost when ingest stops.
 */
export function databaseTarget(config: { pgUrl?: string | undefined; pgDataDir?: string | undefined; embedded: boolean }, cwd = process.cwd()): DatabaseTarget {
  if (config.pgUrl !== undefined) return { kind: 'postgres', url: config.pgUrl };
  const dir = config.pgDataDir?.trim();
  if (dir === IN_MEMORY) {
    if (!config.embedded) {
      throw new ConfigError([
        {
          key: 'HS_PG_DATA_DIR',
          line: `config: HS_PG_DATA_DIR: ${IN_MEMORY} keeps the database in memory and every reading is lost when ingest stops; set HS_EMBEDDED=1 (or --embedded) to allow it for a demo or test, or give a directory or HS_PG_URL`,
        },
      ]);
    }
    return { kind: 'memory' };
  }
  if (dir === undefined || dir === '') return config.embedded ? { kind: 'memory' } : { kind: 'pglite', dataDir: resolve(cwd, DEFAULT_EMBEDDED_DATA_DIR) };
  return { kind: 'pglite', dataDir: resolve(cwd, dir) };
}
