import { DEFAULT_EMBEDDED_DATA_DIR, ingestRoleFor, migrate, openDatabase, predictorRoleFor, readerRoleFor, trainerRoleFor } from '@headstream/store';
import type { CliConfig } from '../config.js';

/**
 * `headstream migrate`: applies the schema migrations. Run it as the schema's owner: services
 * connect as least-privilege roles and refuse to start while the schema is behind (only the
 * embedded PGlite database migrates itself).
 */
export async function migrateCommand(config: CliConfig, options: { dataDir?: string; schema?: string; json?: boolean }): Promise<void> {
  const db = await openDatabase({
    ...(config.pgUrl === undefined ? { dataDir: options.dataDir ?? DEFAULT_EMBEDDED_DATA_DIR } : { url: config.pgUrl }),
    ...((options.schema ?? config.pgSchema) === undefined ? {} : { schema: options.schema ?? config.pgSchema }),
    applicationName: 'headstream-migrate',
  });
  try {
    const result = await migrate(db);
    const roles = { ingest: ingestRoleFor(db.schema), reader: readerRoleFor(db.schema), trainer: trainerRoleFor(db.schema), predictor: predictorRoleFor(db.schema) };
    if (options.json) process.stdout.write(`${JSON.stringify({ database: db.kind, schema: db.schema, roles, ...result })}\n`);
    else {
      for (const m of result.applied) process.stdout.write(`applied ${m.version}: ${m.name}\n`);
      process.stdout.write(`schema ${db.schema} at version ${result.current} on ${db.kind === 'pglite' ? 'embedded PGlite' : 'PostgreSQL'}${result.timescale ? ' with TimescaleDB' : ''}${result.applied.length === 0 ? ' (nothing to apply)' : ''}\n`);
      if (db.kind === 'postgres') process.stdout.write(`least-privilege roles: ${roles.ingest} (ingest), ${roles.reader} (read-only), ${roles.trainer} (trainer), ${roles.predictor} (predictions); log in as a member, e.g. CREATE ROLE ingest_svc LOGIN IN ROLE ${roles.ingest}\n`);
    }
  } finally {
    await db.close();
  }
}
