import type { SqlClient } from '@headstream/store';
import type { StrategyName } from '@headstream/model';
import type { TaskName } from '@headstream/tasks';
import type { Bindings } from './bindings.js';
import { trainFromDatabase, TrainingInputError, type TrainFromDatabaseResult } from './from-db.js';
import type { TrainingMode } from './job.js';
import { claimTrainingRequest, finishTrainingRequest, listVersions, TRAINING_REQUESTS_CHANNEL } from '@headstream/registry';

export interface TrainerLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface TrainerServiceOptions {
  db: SqlClient;
  /** Retrain this often (ms). */
  everyMs: number;
  mode: TrainingMode;
  strategy: StrategyName;
  tolerance: number;
  backend: string;
  bindings?: Bindings;
  log: TrainerLog;
  /** How often to look for CLI requests when LISTEN is not available or a notification was missed. */
  pollMs?: number;
  /** Train at start when the database holds no version yet (default true). */
  trainWhenEmpty?: boolean;
  /** After each run (tests, metrics). */
  onRun?: (run: TrainerRun) => void;
}

export interface TrainerRun {
  reason: string;
  requestId?: number;
  ok: boolean;
  version?: string;
  promoted?: boolean;
  error?: string;
  seconds: number;
}

export interface TrainerService {
  /** Runs so far. */
  readonly runs: readonly TrainerRun[];
  /** Stops the schedule and the listener (a run in progress finishes first). */
  stop(): Promise<void>;
}

/**
 * The long-running trainer: retrains from the database every `everyMs`, and whenever
 * `headstream train --request` asks (a training_requests row, announced by NOTIFY; polled as a
 * fallback). Runs never overlap. A run trains synchronously (the event loop is busy until it ends),
 * so a signal during training ends the process at once; the version is written in one transaction
 * at the end, so nothing half-done is ever stored.
 */
export async function startTrainerService(options: TrainerServiceOptions): Promise<TrainerService> {
  const { db, log } = options;
  const runs: TrainerRun[] = [];
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  let unlisten: (() => Promise<void>) | undefined;

  const runOnce = async (reason: string, request?: { id: number; tasks: TaskName[] | null }): Promise<void> => {
    const t0 = performance.now();
    log.info({ reason, request: request?.id }, 'training starts');
    let run: TrainerRun;
    try {
      const result: TrainFromDatabaseResult = await trainFromDatabase({
        db,
        mode: options.mode,
        strategy: options.strategy,
        tolerance: options.tolerance,
        backend: options.backend,
        ...(request?.tasks?.length ? { tasks: request.tasks } : {}),
        ...(options.bindings ? { bindings: options.bindings } : {}),
        log: (line) => log.info({}, line),
      });
      run = { reason, ok: true, version: result.report.version, promoted: result.promoted, seconds: (performance.now() - t0) / 1000, ...(request ? { requestId: request.id } : {}) };
      log.info({ version: result.report.version, promoted: result.promoted, delta_m: result.report.delta_m, reasons: result.report.decision.reasons }, result.promoted ? 'version promoted' : 'version kept as a candidate (the guard refused it)');
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      run = { reason, ok: false, error: message, seconds: (performance.now() - t0) / 1000, ...(request ? { requestId: request.id } : {}) };
      if (error instanceof TrainingInputError) log.warn({ reason }, `nothing trained: ${message}`);
      else log.error({ err: error }, 'training failed');
    }
    if (request) await finishTrainingRequest(db, request.id, run.ok ? `${run.version}${run.promoted ? ' (promoted)' : ' (not promoted)'}` : `failed: ${run.error}`).catch((error: unknown) => log.error({ err: error }, 'cannot record the request result'));
    runs.push(run);
    options.onRun?.(run);
  };

  /** Serialises runs: the schedule and requests queue behind the one in progress. */
  const enqueue = (reason: string, request?: { id: number; tasks: TaskName[] | null }) => {
    running = running.then(() => (stopped ? undefined : runOnce(reason, request)));
    return running;
  };

  const drainRequests = async () => {
    for (;;) {
      if (stopped) return;
      const request = await claimTrainingRequest(db);
      if (!request) return;
      await enqueue(`requested by ${request.requested_by}`, { id: request.id, tasks: (request.tasks ?? null) });
    }
  };
  const checkRequests = () => {
    drainRequests().catch((error: unknown) => log.error({ err: error }, 'cannot read training requests'));
  };

  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      void enqueue('schedule').then(schedule);
    }, options.everyMs);
  };

  if (db.listen) unlisten = await db.listen(TRAINING_REQUESTS_CHANNEL, () => checkRequests());
  const poller = setInterval(checkRequests, options.pollMs ?? 10_000);
  if ((options.trainWhenEmpty ?? true) && (await listVersions(db)).length === 0) void enqueue('no model version yet');
  checkRequests();
  schedule();

  return {
    runs,
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      clearInterval(poller);
      await unlisten?.();
      await running;
    },
  };
}
