import { randomBytes } from 'node:crypto';
import type { EdgeNodeStatus } from '@headstream/core';
import { connectPostgres, ingestRoleFor, migrate, predictorRoleFor, quoteIdent, readEdgeNodes, readerRoleFor, ReadingWriter, recordEdgeNodes, type EdgeNodeRow, type SqlClient } from '@headstream/store';
import { databaseTargets, describeEachTarget, realDatabase, realServiceOrSkip, testServices, type TestDatabase } from '@headstream/testkit';
import { startLiveView, type EdgeNodes } from '@headstream/live-view';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

/**
 * edge_nodes (migration 9): the Sparkplug B BIRTHs and DEATHs ingest records, and the live view's
 * /api/edge-nodes that reads them. The database holds the session (bdSeq), so the rules hold across
 * ingest restarts and replicas.
 */

const T = Date.parse('2026-02-01T10:00:00Z');
const at = (s: number) => T + s * 1000;
const node = (online: boolean, s: number, bdSeq: number | undefined, cause: string, name = 'line-01'): EdgeNodeStatus => ({
  source: 'sparkplug',
  group: 'factory',
  node: name,
  domain: 'factory',
  site: name,
  online,
  at: at(s),
  ...(bdSeq === undefined ? {} : { bdSeq }),
  cause,
});
const device = (id: string, online: boolean, s: number, bdSeq: number, cause: string): EdgeNodeStatus => ({ ...node(online, s, bdSeq, cause), device: id, site: `line-01-${id}` });

describeEachTarget(databaseTargets({ timescale: true }), 'edge_nodes on $name', ({ open }) => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await open(import.meta.filename);
    await migrate(db);
  });
  afterAll(async () => {
    await db?.dispose();
  });
  beforeEach(async () => {
    await db.query('DELETE FROM edge_nodes');
  });

  const state = async () =>
    Object.fromEntries(
      (await readEdgeNodes(db)).nodes.map((n) => [n.device === null ? n.node : `${n.node}/${n.device}`, { online: n.online, since: (n.since_ms - T) / 1000, bdSeq: n.bd_seq, cause: n.cause }]),
    );

  it('births and deaths of one session: since moves with the state, a rebirth keeps it, a stale will changes nothing, a death takes the devices offline', async () => {
    await recordEdgeNodes(db, [node(true, 0, 1, 'NBIRTH'), device('m1', true, 1, 1, 'DBIRTH'), device('m2', true, 1, 1, 'DBIRTH')]);
    expect(await state()).toEqual({
      'line-01': { online: true, since: 0, bdSeq: 1, cause: 'NBIRTH' },
      'line-01/m1': { online: true, since: 1, bdSeq: 1, cause: 'DBIRTH' },
      'line-01/m2': { online: true, since: 1, bdSeq: 1, cause: 'DBIRTH' },
    });
    // A rebirth asked by the host (same session, same bdSeq): still online since its first birth.
    await recordEdgeNodes(db, [node(true, 10, 1, 'NBIRTH'), device('m1', true, 10, 1, 'DBIRTH')]);
    // A DDEATH, then a will left over from an older session (bdSeq 0): the node stays online.
    await recordEdgeNodes(db, [device('m2', false, 15, 1, 'DDEATH'), node(false, 20, 0, 'NDEATH')]);
    expect(await state()).toEqual({
      'line-01': { online: true, since: 0, bdSeq: 1, cause: 'NBIRTH' },
      'line-01/m1': { online: true, since: 1, bdSeq: 1, cause: 'DBIRTH' },
      'line-01/m2': { online: false, since: 15, bdSeq: 1, cause: 'DDEATH' },
    });
    // The session's own death (or its MQTT will): the node and the device still online go offline.
    await recordEdgeNodes(db, [node(false, 30, 1, 'NDEATH')]);
    expect(await state()).toEqual({
      'line-01': { online: false, since: 30, bdSeq: 1, cause: 'NDEATH' },
      'line-01/m1': { online: false, since: 30, bdSeq: 1, cause: 'NDEATH' },
      'line-01/m2': { online: false, since: 15, bdSeq: 1, cause: 'DDEATH' },
    });
    // A birth another replica received before that death, recorded after it: ignored.
    await recordEdgeNodes(db, [node(true, 25, 1, 'NBIRTH')]);
    expect((await state())['line-01']).toEqual({ online: false, since: 30, bdSeq: 1, cause: 'NDEATH' });
    const answer = await readEdgeNodes(db);
    expect({ total: answer.total, online: answer.online }).toEqual({ total: 3, online: 0 });
    expect(answer.nodes[0]).toEqual<EdgeNodeRow>({
      source: 'sparkplug',
      group: 'factory',
      node: 'line-01',
      device: null,
      domain: 'factory',
      site: 'line-01',
      online: false,
      since_ms: at(30),
      event_at_ms: at(30),
      bd_seq: 1,
      cause: 'NDEATH',
    });
  });

  it('a new session (another bdSeq) without a death seen: online since its birth, the old session devices offline until their DBIRTH', async () => {
    await recordEdgeNodes(db, [node(true, 0, 4, 'NBIRTH'), device('m1', true, 0, 4, 'DBIRTH'), device('m2', true, 0, 4, 'DBIRTH')]);
    await recordEdgeNodes(db, [node(true, 50, 5, 'NBIRTH'), device('m1', true, 50, 5, 'DBIRTH')]);
    expect(await state()).toEqual({
      'line-01': { online: true, since: 50, bdSeq: 5, cause: 'NBIRTH' },
      'line-01/m1': { online: true, since: 50, bdSeq: 5, cause: 'DBIRTH' },
      'line-01/m2': { online: false, since: 50, bdSeq: 4, cause: 'NBIRTH' },
    });
  });

  it('a death of a node this ingest never saw born (it restarted): counts when its bdSeq is the recorded session, is recorded when the node is new', async () => {
    await recordEdgeNodes(db, [node(true, 0, 7, 'NBIRTH')]);
    await recordEdgeNodes(db, [node(false, 5, 6, 'NDEATH'), node(false, 5, 2, 'NDEATH', 'line-02')]);
    expect(await state()).toEqual({
      'line-01': { online: true, since: 0, bdSeq: 7, cause: 'NBIRTH' },
      'line-02': { online: false, since: 5, bdSeq: 2, cause: 'NDEATH' },
    });
    // Without a bdSeq (or an unreadable one) a death counts.
    await recordEdgeNodes(db, [node(false, 6, undefined, 'NDEATH'), node(true, 7, 2 ** 64, 'NBIRTH', 'line-02')]);
    expect(await state()).toEqual({
      'line-01': { online: false, since: 6, bdSeq: 7, cause: 'NDEATH' },
      'line-02': { online: true, since: 7, bdSeq: 2, cause: 'NBIRTH' },
    });
  });

  it('the reading writer records them in the batch transaction, beside its readings; the live view reads the offline ones first when there are more than it shows', async () => {
    const writer = new ReadingWriter(db, { mode: 'unnest' });
    const names = ['a', 'b', 'c', 'd'];
    await writer.write(
      [{ domain: 'factory', site: 'a', time: at(0), values: { temperature: 40 } }],
      [],
      names.map((n, i) => node(i !== 2, i, 1, i === 2 ? 'NDEATH' : 'NBIRTH', n)),
    );
    expect((await db.query("SELECT count(*)::int AS n FROM reading_values WHERE site = 'a'")).rows).toEqual([{ n: 1 }]);
    const some = await readEdgeNodes(db, 2);
    expect({ total: some.total, online: some.online }).toEqual({ total: 4, online: 3 });
    expect(some.nodes.map((n) => `${n.node}:${n.online ? 'on' : 'off'}`)).toEqual(['a:on', 'c:off']);
    expect((await readEdgeNodes(db)).nodes.map((n) => n.node)).toEqual(names);
  });

  it('the live view answers /api/edge-nodes from the table: each node and device, online or offline and since when', async () => {
    const view = await startLiveView({ db });
    try {
      const get = async (path: string) => {
        const res = await fetch(new URL(path, view.url));
        return { status: res.status, body: (await res.json()) as EdgeNodes & { error?: string } };
      };
      const empty = await get('/api/edge-nodes');
      expect(empty.status).toBe(200);
      expect(empty.body).toMatchObject({ nodes: [], total: 0, online: 0 });
      await recordEdgeNodes(db, [node(true, 0, 1, 'NBIRTH'), device('m1', true, 1, 1, 'DBIRTH')]);
      const born = await get('/api/edge-nodes');
      expect(born.body.nodes.map((n) => [n.node, n.device, n.site, n.online, n.since_ms])).toEqual([
        ['line-01', null, 'line-01', true, at(0)],
        ['line-01', 'm1', 'line-01-m1', true, at(1)],
      ]);
      expect(born.body).toMatchObject({ total: 2, online: 2 });
      expect(Math.abs(born.body.now_ms - Date.now())).toBeLessThan(60_000);
      await recordEdgeNodes(db, [node(false, 9, 1, 'NDEATH')]);
      const dead = await get('/api/edge-nodes?limit=1');
      expect(dead.body.nodes.map((n) => [n.node, n.device, n.online, n.since_ms, n.cause])).toEqual([['line-01', null, false, at(9), 'NDEATH']]);
      expect(dead.body).toMatchObject({ total: 2, online: 0 });
      const bad = await get('/api/edge-nodes?limit=0');
      expect(bad.status).toBe(400);
      expect(bad.body.error).toMatch(/^limit: expected an integer from 1 to 5000/);
    } finally {
      await view.close();
    }
  });
});

describe('edge_nodes privileges on the real PostgreSQL', () => {
  async function loginAs(owner: TestDatabase, role: string, use: (db: SqlClient) => Promise<void>): Promise<void> {
    const login = `hs_test_login_${randomBytes(3).toString('hex')}`;
    await owner.query(`CREATE ROLE ${login} LOGIN IN ROLE ${quoteIdent(role)}`);
    const url = new URL(testServices().postgres.url);
    url.username = login;
    const db = await connectPostgres({ url: url.toString(), schema: owner.schema, createSchema: false });
    try {
      await use(db);
    } finally {
      await db.close();
      await owner.query(`DROP OWNED BY ${login}`).catch(() => undefined);
      await owner.query(`DROP ROLE IF EXISTS ${login}`);
    }
  }

  it('the ingest role records births and deaths, the reader (live view, Grafana) reads them, the predictor neither', async (ctx) => {
    realServiceOrSkip(ctx, 'postgres');
    const db = await realDatabase('edge-nodes-privileges');
    try {
      await migrate(db);
      await loginAs(db, ingestRoleFor(db.schema), async (ingest) => {
        await new ReadingWriter(ingest, { mode: 'copy' }).write([], [], [node(true, 0, 1, 'NBIRTH'), device('m1', true, 0, 1, 'DBIRTH')]);
        await recordEdgeNodes(ingest, [node(false, 1, 1, 'NDEATH')]);
        await expect(ingest.query('DELETE FROM edge_nodes')).rejects.toThrow(/permission denied/);
      });
      await loginAs(db, readerRoleFor(db.schema), async (reader) => {
        expect((await readEdgeNodes(reader)).nodes.map((n) => [n.device, n.online])).toEqual([
          [null, false],
          ['m1', false],
        ]);
        await expect(recordEdgeNodes(reader, [node(true, 2, 2, 'NBIRTH')])).rejects.toThrow(/permission denied/);
      });
      await loginAs(db, predictorRoleFor(db.schema), async (predictor) => {
        await expect(predictor.query('SELECT * FROM edge_nodes')).rejects.toThrow(/permission denied/);
      });
    } finally {
      await db.dispose();
    }
  });
});
