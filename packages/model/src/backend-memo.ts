import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { headstreamCacheDir } from '@headstream/core';
import type { BackendCandidate } from './backend.js';

/**
 * The backend measured fastest here, kept for the next process (`SelectOptions.memo`): every trainer,
 * predictor, `train` and `evaluate` otherwise loads and times every backend at its start (2–4 CPU-s on a
 * 2-core machine; BENCHMARKS.md). A measurement stands for one job (its model and batch size) on one machine
 * with one set of TensorFlow.js packages, for `maxAgeMs`; anything else measures again.
 */
export interface BackendMemo {
  /** The JSON file of measured choices, one per key (its folder is created; written whole, then renamed). */
  file: string;
  /** The job, for a reader of the file (`headstream doctor` lists it): what is timed, at which batch size. */
  job: string;
  /** What else the timing depends on and `job` does not say (the model's shape): part of the key only. */
  signature?: string;
  /** How long a measurement stands (default MEMO_MAX_AGE_MS). */
  maxAgeMs?: number;
  /** The clock (tests). */
  now?: () => number;
}

/** A measurement stands a day: long enough for a day's restarts and test runs, short enough to follow a changed machine. */
export const MEMO_MAX_AGE_MS = 24 * 3_600_000;
/**
 * A measurement is kept only when its fastest step beats every other by this factor. On a busy machine two
 * backends can time alike (tensorflow 118.2 ms, wasm 120.1 ms at batch 128, measured beside a test run, where
 * quiet they time 91.9 and 47.3): kept, such a coin toss chose the backend of every process for the day.
 */
export const MEMO_MARGIN = 1.25;
/** The most measurements a file keeps (the newest). */
const MEMO_ENTRIES = 32;
const FORMAT = 'headstream-backend-choices/1';

/** One measured choice. */
export interface MeasuredChoice {
  candidate: BackendCandidate;
  measured_at: string;
  /** Each working candidate's fastest timed step, ms. */
  step_ms: Partial<Record<BackendCandidate, number>>;
  /** What the key stands for, for a reader of the file. */
  job: string;
  machine: string;
}

interface MemoFile {
  format: typeof FORMAT;
  choices: Record<string, MeasuredChoice>;
}

const require = createRequire(import.meta.url);

/** A package's installed version, or 'absent'. */
function version(pkg: string): string {
  try {
    return (JSON.parse(readFileSync(require.resolve(`${pkg}/package.json`), 'utf8')) as { version?: string }).version ?? 'unknown';
  } catch {
    return 'absent';
  }
}

/** The machine and the packages a measurement depends on. */
function machine(): string {
  const packages = ['@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'].map((p) => `${p}@${version(p)}`);
  return [`node ${process.version}`, `${process.platform}-${process.arch}`, `${availableParallelism()} × ${cpus()[0]?.model ?? 'unknown CPU'}`, ...packages].join(', ');
}

const keyOf = (memo: BackendMemo, where: string) => createHash('sha256').update(`${memo.job}\n${memo.signature ?? ''}\n${where}`).digest('hex').slice(0, 32);

function readMemo(file: string): MemoFile | undefined {
  try {
    const parsed = JSON.parse(readFileSync(file, 'utf8')) as Partial<MemoFile>;
    return parsed.format === FORMAT && typeof parsed.choices === 'object' && parsed.choices !== null ? (parsed as MemoFile) : undefined;
  } catch {
    return undefined;
  }
}

/** The standing measurement for this job here, if any. */
export function recalled(memo: BackendMemo): MeasuredChoice | undefined {
  const found = readMemo(memo.file)?.choices[keyOf(memo, machine())];
  if (!found) return undefined;
  return stands(found, (memo.now ?? Date.now)(), memo.maxAgeMs) ? found : undefined;
}

const stands = (choice: MeasuredChoice, now: number, maxAgeMs = MEMO_MAX_AGE_MS) => {
  const age = now - Date.parse(choice.measured_at);
  return age >= 0 && age < maxAgeMs;
};

/** The measurements in `file` that stand here now (this machine and packages, within a day), newest first. */
export function standingChoices(file: string, now = Date.now()): MeasuredChoice[] {
  const where = machine();
  return Object.values(readMemo(file)?.choices ?? {})
    .filter((c) => c.machine === where && stands(c, now))
    .sort((a, b) => b.measured_at.localeCompare(a.measured_at));
}

/** Whether a measurement is decisive enough to keep: its fastest step beats every other by MEMO_MARGIN. */
export function decisive(stepMs: Partial<Record<BackendCandidate, number>>): boolean {
  const steps = Object.values(stepMs).sort((a, b) => a - b);
  return steps.length < 2 || (steps[1] as number) >= MEMO_MARGIN * (steps[0] as number);
}

/** Keeps a measurement (the file's other jobs stay, up to MEMO_ENTRIES, newest first); throws when it cannot write. */
export function remember(memo: BackendMemo, candidate: BackendCandidate, stepMs: Partial<Record<BackendCandidate, number>>): void {
  const where = machine();
  const entry: MeasuredChoice = { candidate, measured_at: new Date((memo.now ?? Date.now)()).toISOString(), step_ms: stepMs, job: memo.job, machine: where };
  const key = keyOf(memo, where);
  const others = Object.entries(readMemo(memo.file)?.choices ?? {}).filter(([k]) => k !== key);
  const kept = [[key, entry] as const, ...others.sort((a, b) => b[1].measured_at.localeCompare(a[1].measured_at))].slice(0, MEMO_ENTRIES);
  const content: MemoFile = { format: FORMAT, choices: Object.fromEntries(kept) };
  mkdirSync(dirname(memo.file), { recursive: true });
  // Whole or not at all: processes starting together each write their own file and rename it over.
  const temporary = `${memo.file}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(content, null, 2)}\n`);
  renameSync(temporary, memo.file);
}

/** Names HS_TF_BACKEND_MEMO: where measured choices are kept (default: Headstream's cache), or `off`. */
export const BACKEND_MEMO_ENV = 'HS_TF_BACKEND_MEMO';

/** The memo file the environment names: HS_TF_BACKEND_MEMO (a path, or `off` for none), else Headstream's cache. */
export function memoFile(env: Record<string, string | undefined> = process.env): string | undefined {
  const named = env[BACKEND_MEMO_ENV]?.trim();
  if (named === 'off') return undefined;
  return named ? named : join(headstreamCacheDir(env), 'tf-backend.json');
}
