import { describe, expect, it } from 'vitest';
import { ConfigError } from '@headstream/core';
import { databaseTarget } from '../src/database-target.js';

// Item 2 of the hardening issue: no silent data loss by default. The embedded database is on
// disk unless an in-memory one is asked for explicitly.
describe('where ingest stores readings', () => {
  const cwd = '/srv/ingest';

  it('HS_PG_URL wins', () => {
    expect(databaseTarget({ pgUrl: 'postgres://db/x', pgDataDir: 'memory://', embedded: false }, cwd)).toEqual({ kind: 'postgres', url: 'postgres://db/x' });
  });

  it('nothing configured: PGlite on disk under the working directory, not in memory', () => {
    expect(databaseTarget({ embedded: false }, cwd)).toEqual({ kind: 'pglite', dataDir: '/srv/ingest/.headstream/ingest-db' });
    expect(databaseTarget({ pgDataDir: 'data/db', embedded: false }, cwd)).toEqual({ kind: 'pglite', dataDir: '/srv/ingest/data/db' });
  });

  it('in memory only when asked: HS_EMBEDDED=1, or memory:// with HS_EMBEDDED=1', () => {
    expect(databaseTarget({ embedded: true }, cwd)).toEqual({ kind: 'memory' });
    expect(databaseTarget({ pgDataDir: 'memory://', embedded: true }, cwd)).toEqual({ kind: 'memory' });
    // A directory given with HS_EMBEDDED=1 is still used.
    expect(databaseTarget({ pgDataDir: '/var/db', embedded: true }, cwd)).toEqual({ kind: 'pglite', dataDir: '/var/db' });
  });

  it('memory:// without HS_EMBEDDED=1 is a config error saying why, in one line', () => {
    let error: unknown;
    try {
      databaseTarget({ pgDataDir: 'memory://', embedded: false }, cwd);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toMatch(/^config: HS_PG_DATA_DIR: memory:\/\/ keeps the database in memory and every reading is lost when ingest stops; set HS_EMBEDDED=1/);
    expect((error as Error).message).not.toContain('\n');
  });
});
