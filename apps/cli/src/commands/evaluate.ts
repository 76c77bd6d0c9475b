import { BundleInputError, evaluateFile, formatEvaluation, type EvaluationJSON } from '@headstream/experiments';
import { UsageError } from '../usage-error.js';

export interface EvaluateCommandOptions {
  model: string;
  task: string;
  file: string;
  format: string;
  json?: boolean;
}

/** `headstream evaluate`: one JSON object (--json) or a table of the saved models vs naive baselines on a user's file. */
export async function evaluateCommand(options: EvaluateCommandOptions): Promise<EvaluationJSON> {
  let result: EvaluationJSON;
  try {
    result = await evaluateFile(options);
  } catch (error) {
    if (error instanceof BundleInputError) throw new UsageError(error.message);
    throw error;
  }
  process.stdout.write(options.json ? `${JSON.stringify(result)}\n` : formatEvaluation(result, options.file));
  return result;
}
