import { BundleInputError, evaluateFile, formatEvaluation, type EvaluationJSON } from '@headstream/experiments';
import { DEFAULT_EMBEDDED_DATA_DIR, migrate, openDatabase, requireCurrentSchema } from '@headstream/store';
import type { CliConfig } from '../config.js';
import { UsageError } from '../usage-error.js';

export interface EvaluateCommandOptions {
  model?: string;
  modelVersion?: string;
  dataDir?: string;
  task: string;
  file: string;
  format: string;
  predictions?: string;
  json?: boolean;
}

/** `headstream evaluate`: one JSON object (--json) or a table of a bundle's or a registry version's models vs naive baselines on a user's file. */
export async function evaluateCommand(options: EvaluateCommandOptions, config?: CliConfig): Promise<EvaluationJSON> {
  if ((options.model === undefined) === (options.modelVersion === undefined)) throw new UsageError('evaluate needs exactly one of --model DIR (a bundle) or --model-version V (a registry version)');
  const db =
    options.modelVersion === undefined || !config
      ? undefined
      : await openDatabase({
          ...(config.pgUrl === undefined ? { dataDir: options.dataDir ?? DEFAULT_EMBEDDED_DATA_DIR } : { url: config.pgUrl }),
          ...(config.pgSchema === undefined ? {} : { schema: config.pgSchema }),
          applicationName: 'headstream-evaluate',
          createSchema: false,
        });
  let result: EvaluationJSON;
  try {
    if (db) {
      if (db.kind === 'pglite') await migrate(db);
      else await requireCurrentSchema(db);
    }
    result = await evaluateFile({
      task: options.task,
      file: options.file,
      format: options.format,
      ...(options.model === undefined ? {} : { model: options.model }),
      ...(db && options.modelVersion !== undefined ? { version: { db, name: options.modelVersion } } : {}),
      ...(options.predictions === undefined ? {} : { predictions: options.predictions }),
    });
  } catch (error) {
    if (error instanceof BundleInputError) throw new UsageError(error.message);
    throw error;
  } finally {
    await db?.close();
  }
  process.stdout.write(options.json ? `${JSON.stringify(result)}\n` : formatEvaluation(result, options.file));
  return result;
}
