/**
 * PostgreSQL SQLSTATE classes and socket errors that go away by themselves. 55P03 (lock_timeout),
 * 57014 (statement_timeout) and 25P03 (idle_in_transaction_session_timeout) are our own time
 * limits firing: the write is retried, so a held lock pauses a partition instead of hanging it.
 */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN',
  '57P01', '57P02', '57P03', '53300', '40001', '40P01', '55P03', '57014', '25P03',
]);

/**
 * Errors that say the store itself cannot take writes, whatever the message: no privilege
 * (42501), read-only (25006), disk full or out of memory (53xxx but 53300 "too many
 * connections", which is transient), I/O or corruption (58xxx, XX001, XX002), tables gone
 * (42P01). Splitting a batch cannot help; the process should stop and be restarted.
 */
const STORE_FAILURE_CODES = new Set(['42501', '25006', '53000', '53100', '53200', '53400', '58000', '58030', '58P01', '58P02', 'XX001', 'XX002', '42P01']);

export function isStoreFailure(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  return typeof code === 'string' && STORE_FAILURE_CODES.has(code);
}

/** SQLSTATE and first line of a database error, for logs and dead-letter details. */
export function describeDbError(error: unknown): string {
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0] ?? '';
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? `${message} (SQLSTATE ${code})` : message;
}

export function isTransient(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && (TRANSIENT_CODES.has(code) || code.startsWith('08'))) return true;
  const message = error instanceof Error ? error.message : '';
  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Client has encountered a connection error|the database system is (starting up|shutting down)/i.test(message);
}

export interface RetryOptions {
  initialDelayMs: number;
  maxDelayMs: number;
  /** Attempts for errors that are not known to be transient (transient ones retry until stopped). */
  maxPermanentAttempts: number;
}

export const DEFAULT_RETRY: RetryOptions = { initialDelayMs: 100, maxDelayMs: 5_000, maxPermanentAttempts: 3 };

/**
 * Runs fn until it succeeds: transient failures (database restarting, connection lost)
 * retry with exponential backoff until `shouldStop()`; other failures a few times.
 */
export async function retry<T>(
  fn: () => Promise<T>,
  options: RetryOptions,
  hooks: { shouldStop?: () => boolean; onRetry?: (error: unknown, attempt: number, delayMs: number) => void } = {},
): Promise<T> {
  let attempt = 0;
  let permanent = 0;
  for (;;) {
    try {
      return await fn();
    } catch (error) {
      attempt++;
      if (!isTransient(error)) permanent++;
      if (permanent >= options.maxPermanentAttempts || hooks.shouldStop?.()) throw error;
      const delayMs = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.min(attempt - 1, 16));
      hooks.onRetry?.(error, attempt, delayMs);
      await new Promise((resolve) => setTimeout(resolve, delayMs));
    }
  }
}
