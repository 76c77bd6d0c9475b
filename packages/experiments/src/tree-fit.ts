import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The tree reference's one contract with its Python side (infra/tree/lgbm.py): float tables in a folder, a
 * jobs.json naming them, one float64 output file per job and a report.json. The bench and its test go through it.
 */

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const SCRIPT = join(REPO, 'infra/tree/lgbm.py');

export interface TreeJob {
  name: string;
  kind: 'regression' | 'classification';
  /** Regression: horizons (the label and output files are n × horizons); fault: classes (its output is n × classes). */
  horizons?: number;
  classes?: number;
  columns: number;
  names?: string[];
  /** Files in the folder: the training table (float32, n × columns), its issue times and labels (float64), the validation table. */
  train: { n: number; x: string; order: string; labels: string };
  validation: { n: number; x: string };
  /** Where the validation output goes (float64). */
  out: string;
}

export interface TreeReport {
  lightgbm: string;
  jobs: { name: string; rounds: number[]; seconds: number; top_gain: { column: string; gain: number }[] }[];
}

/** An interpreter with LightGBM: `explicit`, else $HS_TREE_PYTHON, else infra/tree/setup.sh's virtual environment (made on first use). */
export function treePython(explicit?: string): string {
  if (explicit) return explicit;
  if (process.env.HS_TREE_PYTHON) return process.env.HS_TREE_PYTHON;
  const out = execFileSync('bash', [join(REPO, 'infra/tree/setup.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const python = out.trim().split('\n').at(-1);
  if (!python) throw new Error('infra/tree/setup.sh printed no interpreter');
  return python;
}

/** Writes a typed array's bytes (little-endian, as the machine holds them) to `dir/name`. */
export function writeTable(dir: string, name: string, data: Float32Array | Float64Array): void {
  writeFileSync(join(dir, name), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

/** A job's output: float64. */
export function readOutput(dir: string, name: string): Float64Array {
  const b = readFileSync(join(dir, name));
  return new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
}

/** Fits every job's trees with `seed` (lgbm.py) and returns its report; throws with the exit status when it fails. `maxRounds` caps boosting below lgbm.py's own cap (a test's budget). */
export function fitTrees(python: string, dir: string, jobs: readonly TreeJob[], seed: number, options: { threads?: number; maxRounds?: number } = {}): TreeReport {
  writeFileSync(join(dir, 'jobs.json'), JSON.stringify({ seed, jobs, ...(options.threads ? { threads: options.threads } : {}), ...(options.maxRounds ? { max_rounds: options.maxRounds } : {}) }));
  const r = spawnSync(python, [SCRIPT, dir], { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error) throw new Error(`could not run ${python}: ${r.error.message}`);
  if (r.status !== 0) throw new Error(`infra/tree/lgbm.py exited with ${r.status ?? r.signal}`);
  return JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')) as TreeReport;
}
