/**
 * An edge node or one of its devices going online or offline, as the host application saw it: a
 * Sparkplug B NBIRTH/DBIRTH (online) or NDEATH/DDEATH (offline; an NDEATH is also the node's MQTT
 * will). A source's decoder reports these beside a message's readings; ingest records them in the
 * `edge_nodes` table in the same transaction as the readings, and the live view reads them there.
 */
export interface EdgeNodeStatus {
  /** The source kind that saw it (sparkplug). */
  source: string;
  /** The Sparkplug group id. */
  group: string;
  /** The edge node id. */
  node: string;
  /** The device id; absent: the edge node itself. */
  device?: string;
  /** Where its readings go, as the mapping says (HS_SPARKPLUG_MAP). */
  domain: string;
  site: string;
  online: boolean;
  /** When the host received the BIRTH or DEATH (epoch ms). */
  at: number;
  /**
   * The session's bdSeq (NBIRTH's, or the NDEATH's own). An NDEATH whose bdSeq is not the recorded
   * session's is a will left over from an older session and changes nothing.
   */
  bdSeq?: number;
  /** The message that said so: NBIRTH, NDEATH, DBIRTH or DDEATH. */
  cause: string;
}
