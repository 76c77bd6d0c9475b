import { STRATEGIES, trainBundle, type BundleManifest } from '@headstream/experiments';
import type { StrategyName } from '@headstream/model';
import { UsageError } from '../publish.js';

export interface TrainCommandOptions {
  fromDatasets?: boolean;
  datasetsDir?: string;
  strategy?: string;
  quick?: boolean;
  out: string;
  seed?: number;
  json?: boolean;
}

/** `headstream train --from-datasets --out DIR`: shared four-task model + single-task baselines on the shared data sets. */
export async function trainCommand(options: TrainCommandOptions): Promise<BundleManifest> {
  if (!options.fromDatasets) throw new UsageError('train needs --from-datasets (training from the database is the trainer service\'s job)');
  const strategy = (options.strategy ?? 'equal') as StrategyName;
  if (!STRATEGIES.includes(strategy)) throw new UsageError(`unknown strategy "${options.strategy}"; valid: ${STRATEGIES.join(', ')}`);
  const manifest = await trainBundle({
    out: options.out,
    strategy,
    mode: options.quick ? 'quick' : 'full',
    seed: options.seed ?? 1,
    ...(options.datasetsDir ? { datasetsDir: options.datasetsDir } : {}),
    log: (line) => process.stderr.write(`${line}\n`),
  });
  if (options.json) process.stdout.write(`${JSON.stringify(manifest)}\n`);
  else {
    process.stdout.write(`saved to ${options.out}: shared (${manifest.strategy}) + ${Object.keys(manifest.single).length} single-task models\n`);
    for (const [task, v] of Object.entries(manifest.validation)) {
      const s = (m: (typeof v)['shared']) => ('macro_f1' in m ? `macro-F1 ${m.macro_f1.toFixed(3)}` : `MAE ${m.mae.toFixed(3)}`);
      process.stdout.write(`  ${task.padEnd(12)} shared ${s(v.shared)}  single ${s(v.single)}  persistence ${s(v.persistence)}\n`);
    }
  }
  return manifest;
}
