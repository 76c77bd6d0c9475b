import { afterEach, describe, expect, it } from 'vitest';
import { migrate, openPglite, type SqlClient } from '../src/index.js';

const open: SqlClient[] = [];
afterEach(async () => {
  for (const db of open.splice(0)) await db.close();
});
async function memory(): Promise<SqlClient> {
  const db = await openPglite();
  open.push(db);
  return db;
}
const hasTable = async (db: SqlClient, table: string) => (await db.query<{ t: string | null }>('SELECT to_regclass($1)::text AS t', [table])).rows[0]?.t !== null;

describe('in-memory PGlite', () => {
  it('every database starts empty and stays its own, the first (run through initdb) and the later ones (copies of an empty cluster)', async () => {
    const first = await memory();
    await first.query('CREATE TABLE kept (v int)');
    await first.query('INSERT INTO kept VALUES (1), (2)');
    const second = await memory();
    const third = await memory();
    // Nothing of the first is in the later ones, nor of the second in the third.
    expect(await hasTable(second, 'kept')).toBe(false);
    await second.query('CREATE TABLE other (v int)');
    expect(await hasTable(third, 'other')).toBe(false);
    expect(await hasTable(third, 'kept')).toBe(false);
    expect((await first.query<{ n: number }>('SELECT count(*)::int AS n FROM kept')).rows[0]?.n).toBe(2);
    // A copy is a whole cluster: the schema migrates and takes writes.
    await migrate(third);
    expect(await hasTable(third, 'readings')).toBe(true);
    await third.query("INSERT INTO series (domain, site, metric) VALUES ('city', 's1', 'flow')");
    expect((await third.query<{ n: number }>('SELECT count(*)::int AS n FROM series')).rows[0]?.n).toBe(1);
  });
});
