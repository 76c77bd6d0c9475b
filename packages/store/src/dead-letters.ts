import type { SqlExecutor } from './sql-client.js';

/** A message that could not be stored, with why; the raw payload is kept, size-capped. */
export interface DeadLetter {
  /** The app that refused it (default ingest): both ingest and the predictor dead-letter what they refuse. */
  app?: 'ingest' | 'predictor';
  /** The source kind that received it (a registered source: mqtt, kafka, sparkplug, ...; or replay, http). */
  source: string;
  topic: string;
  partition?: number;
  offset?: string;
  reason: string;
  detail: string;
  payload: Buffer;
}

export const DEAD_LETTER_PAYLOAD_CAP = 64 * 1024;
const COLUMNS = 9;
const ROWS_PER_STATEMENT = 1000;

export async function insertDeadLetters(db: SqlExecutor, letters: readonly DeadLetter[], cap = DEAD_LETTER_PAYLOAD_CAP): Promise<void> {
  for (let start = 0; start < letters.length; start += ROWS_PER_STATEMENT) {
    const chunk = letters.slice(start, start + ROWS_PER_STATEMENT);
    const params: unknown[] = [];
    const tuples = chunk.map((l, i) => {
      params.push(l.app ?? 'ingest', l.source, l.topic, l.partition ?? null, l.offset ?? null, l.reason, l.detail.slice(0, 2000), l.payload.subarray(0, cap), l.payload.length);
      const b = i * COLUMNS;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7}, $${b + 8}, $${b + 9}, $${b + 9} > ${cap})`;
    });
    await db.query(
      `INSERT INTO dead_letters (app, source, topic, partition, "offset", reason, detail, payload, payload_size, truncated)
       VALUES ${tuples.join(', ')}
       ON CONFLICT DO NOTHING`, // a re-delivered Kafka record is dead-lettered once per app (dead_letters_kafka_record)
      params,
    );
  }
}

/** Deletes dead letters received more than `days` days ago (HS_DEADLETTER_RETENTION_DAYS); returns how many. */
export async function expireDeadLetters(db: SqlExecutor, days: number): Promise<number> {
  if (!(days > 0)) throw new Error(`dead-letter retention must be a positive number of days, got ${days}`);
  const r = await db.query("DELETE FROM dead_letters WHERE received_at < now() - $1::int * interval '1 day'", [days]);
  return r.rowCount;
}
