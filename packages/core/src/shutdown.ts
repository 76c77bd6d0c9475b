import type { Logger } from './observability.js';

/**
 * SIGTERM/SIGINT handling of a service: the first signal logs `message` and runs `stop` (exit 0, or 1
 * when it fails); a second signal exits at once with 130, without waiting for `stop`.
 */
export function exitOnSignals(log: Logger, message: string, stop: () => Promise<void>): void {
  let signals = 0;
  const shutdown = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      log.warn({ signal }, 'second signal: exiting without finishing');
      process.exit(130);
    }
    log.info({ signal }, message);
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', shutdown);
  process.on('SIGINT', shutdown);
}
