import type { CommonConfig } from '@headstream/core';
import { migrate, openDatabase } from '@headstream/store';

/** `headstream migrate`: applies the schema migrations (the services also do this on start). */
export async function migrateCommand(config: CommonConfig, options: { dataDir?: string; schema?: string; json?: boolean }): Promise<void> {
  const db = await openDatabase({
    ...(config.pgUrl === undefined ? {} : { url: config.pgUrl }),
    ...(options.dataDir === undefined ? {} : { dataDir: options.dataDir }),
    ...(options.schema === undefined ? {} : { schema: options.schema }),
    applicationName: 'headstream-migrate',
  });
  try {
    const result = await migrate(db);
    if (options.json) process.stdout.write(`${JSON.stringify({ database: db.kind, ...result })}\n`);
    else {
      for (const m of result.applied) process.stdout.write(`applied ${m.version}: ${m.name}\n`);
      process.stdout.write(`schema at version ${result.current} on ${db.kind === 'pglite' ? 'embedded PGlite' : 'PostgreSQL'}${result.timescale ? ' with TimescaleDB' : ''}${result.applied.length === 0 ? ' (nothing to apply)' : ''}\n`);
    }
  } finally {
    await db.close();
  }
}
