import type { SqlClient } from '@headstream/store';
import { activeVersion, promote, trainFromDatabase, type VersionReport } from '@headstream/training';

/** Who made the version serve: the guard, the demo (first version refused by the guard), or nobody (an older version keeps serving). */
export type Promotion = 'guard' | 'demo' | 'none';

export interface DemoTraining {
  report: VersionReport;
  promotion: Promotion;
  /** The version the predictor serves (null: none). */
  serving: string | null;
  seconds: number;
}

/**
 * Epochs of the demo's training: twice quick mode's 10. Traffic's served model then leads persistence by more in
 * the live part (emulated on the validation part, seed 1: the median ratio of model to persistence MAE over every
 * two-hour window 0.76 instead of 0.80, the 90th percentile 0.85 instead of 0.90), for about 25 s more.
 */
export const DEMO_EPOCHS = 20;

export interface DemoTrainingOptions {
  seed: number;
  tolerance: number;
  /** Replaces the quick mode's epochs. */
  epochs?: number;
  log: (line: string) => void;
  onPlan: (totalEpochs: number) => void;
  onEpoch: (p: { model: string; epoch: number; epochs: number }) => void;
}

/**
 * A short training from the database (quick mode: the shared model and each task's single-task model,
 * scored against persistence), then the registry and the guard, as `headstream train --from-db`.
 *
 * When the guard refuses the run's version and no other version is active, the demo promotes it by
 * hand (actor "demo", the refusal in the reason) so the loop can be shown end to end; the summary says
 * so. When another version is active (a rerun on a stack), the guard's decision stands.
 */
export async function trainAndPromote(db: SqlClient, options: DemoTrainingOptions): Promise<DemoTraining> {
  const started = Date.now();
  const { report, promoted } = await trainFromDatabase({
    db,
    mode: 'quick',
    seed: options.seed,
    tolerance: options.tolerance,
    log: options.log,
    onPlan: (p) => options.onPlan(p.totalEpochs),
    onEpoch: options.onEpoch,
    ...(options.epochs === undefined ? {} : { epochs: options.epochs }),
  });
  let promotion: Promotion = promoted ? 'guard' : 'none';
  if (!promoted && (await activeVersion(db)) === undefined) {
    const refused = report.decision.reasons.filter((r) => r.includes('REFUSED')).join('; ');
    await promote(db, report.version, { actor: 'demo', reason: `demo: no version was active; the guard refused this one (${refused})`.slice(0, 200) });
    promotion = 'demo';
  }
  const serving = (await activeVersion(db))?.version ?? null;
  return { report, promotion, serving, seconds: (Date.now() - started) / 1000 };
}
