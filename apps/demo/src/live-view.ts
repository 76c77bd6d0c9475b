import type { Logger } from '@headstream/core';
import { startLiveView, type LiveView } from '@headstream/live-view';
import type { SqlClient } from '@headstream/store';

export type { LiveView };

/** The live view of --serve: a page on 127.0.0.1 with actuals, predictions and training telemetry, read from the run's database. */
export function openLiveView(options: { db: SqlClient; port: number; log: Logger }): Promise<LiveView> {
  return startLiveView({ db: options.db, host: '127.0.0.1', port: options.port, log: options.log });
}
