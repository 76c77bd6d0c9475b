import type { EdgeNodeStatus } from '@headstream/core';
import type { SqlExecutor } from './sql-client.js';

/**
 * Edge nodes and their devices online or offline (table edge_nodes, migration 9): ingest records
 * each Sparkplug B BIRTH and DEATH its decoder reports, in the transaction of the batch that
 * carried it (so a crash before the commit re-delivers the message and records it again); the live
 * view and dashboards read the state here. One row per node (device '') and device.
 *
 * The database, not one process, holds the session: an NDEATH counts only when its bdSeq is the
 * recorded session's (or one of them is unknown), so a will left over from an older session changes
 * nothing even after ingest restarted and lost its own state. A node's death takes its devices
 * offline; a node born in a new session (another bdSeq) takes the devices of the old one offline
 * until their DBIRTH. `since` moves only when the state does: a rebirth of the same session (same
 * bdSeq) keeps it. A change received before the recorded one (another ingest replica, later) is ignored.
 */

/** An edge node or device as the live view shows it. */
export interface EdgeNodeRow {
  source: string;
  group: string;
  node: string;
  /** null: the edge node itself. */
  device: string | null;
  domain: string;
  site: string;
  online: boolean;
  /** Since when it is online (its BIRTH) or offline (its DEATH), epoch ms. */
  since_ms: number;
  /** The last BIRTH or DEATH recorded (a rebirth of the same session moves this, not since), epoch ms. */
  event_at_ms: number;
  bd_seq: number | null;
  /** The message that last changed it: NBIRTH, NDEATH, DBIRTH, DDEATH. */
  cause: string;
}

// The upsert both statements share: state and since (kept when neither the state nor the session changed).
const UPSERT = `
  ON CONFLICT (source, group_id, node, device) DO UPDATE SET
    domain = excluded.domain,
    site = excluded.site,
    online = excluded.online,
    since = CASE WHEN e.online = excluded.online AND e.bd_seq IS NOT DISTINCT FROM COALESCE(excluded.bd_seq, e.bd_seq) THEN e.since ELSE excluded.since END,
    event_at = excluded.event_at,
    bd_seq = COALESCE(excluded.bd_seq, e.bd_seq),
    cause = excluded.cause`;

// An edge node: upsert (a death only of the recorded session), then its devices that it takes offline.
const NODE_SQL = `
  WITH node AS (
    INSERT INTO edge_nodes AS e (source, group_id, node, device, domain, site, online, since, event_at, bd_seq, cause)
    VALUES ($1, $2, $3, '', $4, $5, $6, $7::timestamptz, $7::timestamptz, $8::bigint, $9)
    ${UPSERT}
    WHERE excluded.event_at >= e.event_at
      AND (excluded.online OR excluded.bd_seq IS NULL OR e.bd_seq IS NULL OR e.bd_seq = excluded.bd_seq)
    RETURNING e.online, e.bd_seq
  )
  UPDATE edge_nodes d SET online = false, since = $7::timestamptz, event_at = $7::timestamptz, cause = $9
  FROM node
  WHERE d.source = $1 AND d.group_id = $2 AND d.node = $3 AND d.device <> '' AND d.online AND d.event_at <= $7::timestamptz
    AND (NOT node.online OR d.bd_seq IS DISTINCT FROM node.bd_seq)`;

const DEVICE_SQL = `
  INSERT INTO edge_nodes AS e (source, group_id, node, device, domain, site, online, since, event_at, bd_seq, cause)
  VALUES ($1, $2, $3, $4, $5, $6, $7, $8::timestamptz, $8::timestamptz, $9::bigint, $10)
  ${UPSERT}
  WHERE excluded.event_at >= e.event_at`;

/** A bdSeq the column can hold (Sparkplug's are 0-255); anything else is recorded as unknown. */
const bdSeqOf = (value: number | undefined): number | null => (value !== undefined && Number.isSafeInteger(value) && value >= 0 ? value : null);

/** Records BIRTHs and DEATHs in order (call inside the batch's transaction). */
export async function recordEdgeNodes(db: SqlExecutor, changes: readonly EdgeNodeStatus[]): Promise<void> {
  for (const c of changes) {
    const at = new Date(c.at).toISOString();
    if (c.device === undefined || c.device === '') {
      await db.query(NODE_SQL, [c.source, c.group, c.node, c.domain, c.site, c.online, at, bdSeqOf(c.bdSeq), c.cause]);
    } else {
      await db.query(DEVICE_SQL, [c.source, c.group, c.node, c.device, c.domain, c.site, c.online, at, bdSeqOf(c.bdSeq), c.cause]);
    }
  }
}

export interface EdgeNodesAnswer {
  /** By group, node and device; at most `limit`, the offline ones first when there are more. */
  nodes: EdgeNodeRow[];
  /** Rows in the table (nodes and devices), and how many of them are online. */
  total: number;
  online: number;
}

/** Edge nodes and devices (at most `limit` rows, the offline ones first), with the counts of all. */
export async function readEdgeNodes(db: SqlExecutor, limit = 500): Promise<EdgeNodesAnswer> {
  const { rows } = await db.query<Omit<EdgeNodeRow, 'device'> & { device: string }>(
    // The offline ones first when there are more than `limit`, shown by group, node and device.
    `SELECT source, group_id AS "group", node, device, domain, site, online,
            (extract(epoch FROM since) * 1000)::float8 AS since_ms, (extract(epoch FROM event_at) * 1000)::float8 AS event_at_ms,
            bd_seq::float8 AS bd_seq, cause
     FROM (SELECT * FROM edge_nodes ORDER BY online, group_id, node, device, source LIMIT $1) shown
     ORDER BY group_id, node, device, source`,
    [limit],
  );
  const counts = (await db.query<{ total: number; online: number }>('SELECT count(*)::int AS total, (count(*) FILTER (WHERE online))::int AS online FROM edge_nodes')).rows[0];
  return {
    nodes: rows.map((r) => ({ ...r, device: r.device === '' ? null : r.device })),
    total: counts?.total ?? 0,
    online: counts?.online ?? 0,
  };
}
