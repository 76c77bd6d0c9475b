/** PostgreSQL SQLSTATE classes and socket errors that go away by themselves. */
const TRANSIENT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', '57P01', '57P02', '57P03', '53300', '40001', '40P01']);

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
