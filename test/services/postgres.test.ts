import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets, describeEachTarget, realDatabase, realServiceOrSkip, type TestDatabase } from '@headstream/testkit';

describeEachTarget(databaseTargets(), 'SQL client on $name', ({ name, open }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await open(import.meta.filename);
    await db.query('CREATE TABLE notes (id int PRIMARY KEY, body text NOT NULL, at timestamptz NOT NULL DEFAULT now())');
  });
  afterAll(async () => {
    await db.dispose();
  });

  it('says what it is', () => {
    expect(db.kind).toBe(name);
  });

  it('commits a transaction', async () => {
    const inserted = await db.transaction(async (tx) => {
      await tx.query('INSERT INTO notes (id, body) VALUES ($1, $2), ($3, $4)', [1, 'one', 2, 'two']);
      return (await tx.query<{ n: number }>('SELECT count(*)::int AS n FROM notes')).rows[0]?.n;
    });
    expect(inserted).toBe(2);
    expect((await db.query<{ body: string }>('SELECT body FROM notes ORDER BY id')).rows.map((r) => r.body)).toEqual(['one', 'two']);
  });

  it('rolls a transaction back when it throws, keeping earlier data', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO notes (id, body) VALUES ($1, $2)', [3, 'three']);
        await tx.query('INSERT INTO notes (id, body) VALUES ($1, $2)', [1, 'duplicate key']);
      }),
    ).rejects.toThrow(/duplicate key|unique/i);
    expect((await db.query<{ id: number }>('SELECT id FROM notes ORDER BY id')).rows.map((r) => r.id)).toEqual([1, 2]);
    // The client is still usable after a failed transaction.
    await db.transaction((tx) => tx.query('INSERT INTO notes (id, body) VALUES ($1, $2)', [3, 'three']));
    expect((await db.query('SELECT id FROM notes')).rowCount).toBe(3);
  });

  it('binds hostile strings as data, never as SQL', async () => {
    const body = "x'); DROP TABLE notes; --";
    await db.query('INSERT INTO notes (id, body) VALUES ($1, $2)', [4, body]);
    expect((await db.query<{ body: string }>('SELECT body FROM notes WHERE id = $1', [4])).rows[0]?.body).toBe(body);
  });

  it('returns counts and bigints as numbers', async () => {
    const { rows } = await db.query<{ n: number; big: number }>('SELECT count(*) AS n, 9007199254740991::bigint AS big FROM notes');
    expect(rows[0]).toEqual({ n: 4, big: 9007199254740991 });
  });
});

describe('isolation on the real PostgreSQL', () => {
  it('hides uncommitted rows from other connections and keeps test schemas apart', async (ctx) => {
    realServiceOrSkip(ctx, 'postgres');
    const [a, b] = await Promise.all([realDatabase('iso-a'), realDatabase('iso-b')]);
    let release: () => void = () => undefined;
    try {
      expect(a.schema).not.toBe(b.schema);
      await a.query('CREATE TABLE t (v int)');
      await b.query('CREATE TABLE t (v int)'); // same name, other schema: no clash
      const gate = new Promise<void>((r) => (release = r));
      let inserted!: () => void;
      const insertDone = new Promise<void>((r) => (inserted = r));
      const tx = a.transaction(async (q) => {
        await q.query('INSERT INTO t VALUES (1)');
        inserted();
        await gate;
      });
      // The row is written (the INSERT returned) but not committed: another connection must not see it.
      await insertDone;
      expect((await a.query('SELECT * FROM t')).rowCount).toBe(0);
      release();
      await tx;
      expect((await a.query('SELECT * FROM t')).rowCount).toBe(1);
      expect((await b.query('SELECT * FROM t')).rowCount).toBe(0);
    } finally {
      release(); // a failed assertion must not leave the transaction (and dispose) waiting forever
      await Promise.all([a.dispose(), b.dispose()]);
    }
  });
});
