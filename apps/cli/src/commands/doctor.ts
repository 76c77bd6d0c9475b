import { availableParallelism } from 'node:os';
import { TASK_NAMES, TASKS } from '@headstream/tasks';
import { BACKEND_MEMO_ENV, BACKEND_ORDER, BACKEND_REMEDY, CANDIDATE_ALIASES, DEFAULT_ENCODER, memoFile, probeBackends, selectBackend, standingChoices, timedTrainingStep, trainingProbe, type BackendCandidate, type ModelConfig } from '@headstream/model';
import { UsageError } from '../usage-error.js';

export interface DoctorReport {
  ok: boolean;
  node: string;
  platform: string;
  cpus: number;
  /** The backend training would use now, and why. */
  selected?: { candidate: BackendCandidate; why: string };
  backends: { candidate: BackendCandidate; ok: boolean; detail: string; device?: string; libtensorflow?: string; probe_ms?: number; step_ms?: number; remedy?: string }[];
  /**
   * The choices training jobs measured here and keep for their next process (a day each): the file (null when
   * HS_TF_BACKEND_MEMO=off) and what stands now, newest first. Doctor itself measures every time.
   */
  kept: { file: string | null; choices: { candidate: BackendCandidate; measured_at: string; job: string }[] };
}

const tasks = TASK_NAMES.map((t) => TASKS[t]);
/** The probe trains one step of a model of every registered task of the default architecture; the timing runs it at TIMING_BATCH. */
const TIMING_BATCH = 128;
const probeConfig: ModelConfig = { tasks, inputs: { site: { features: 8 } }, taskInput: Object.fromEntries(tasks.map((t) => [t.name, 'site'])), lookback: 32, encoder: DEFAULT_ENCODER, headHidden: 16, seed: 1 };

/** `headstream doctor`: which TensorFlow.js backend is active and why the others are not. */
export async function doctor(env: Record<string, string | undefined> = process.env): Promise<DoctorReport> {
  const forcedName = env.HS_TF_BACKEND?.trim() || undefined;
  const forced = forcedName === undefined ? undefined : CANDIDATE_ALIASES[forcedName];
  if (forcedName !== undefined && forced === undefined) throw new UsageError(`HS_TF_BACKEND: unknown backend "${forcedName}"; valid: ${Object.keys(CANDIDATE_ALIASES).join(', ')}`);
  const attempts = await probeBackends(trainingProbe(probeConfig), BACKEND_ORDER);
  // Which one training would take: the same measured choice the training jobs make.
  let choice: Awaited<ReturnType<typeof selectBackend>> | undefined;
  try {
    choice = await selectBackend(trainingProbe(probeConfig), { env: forced ?? '', log: () => undefined, timedStep: timedTrainingStep(probeConfig, TIMING_BATCH) });
  } catch {
    choice = undefined;
  }
  const stepMs = Object.fromEntries((choice?.attempts ?? []).filter((a) => a.stepMs !== undefined).map((a) => [a.candidate, Math.round((a.stepMs ?? 0) * 10) / 10]));
  const backends = attempts.map((a) => ({
    candidate: a.candidate,
    ok: a.ok,
    detail: a.ok ? `training step ok` : a.reason,
    ...(a.ok && a.device ? { device: a.device } : {}),
    ...(a.libtensorflow ? { libtensorflow: a.libtensorflow } : {}),
    ...(a.ok && a.ms !== undefined ? { probe_ms: Math.round(a.ms) } : { remedy: BACKEND_REMEDY[a.candidate] }),
    ...(stepMs[a.candidate] !== undefined ? { step_ms: stepMs[a.candidate] } : {}),
  }));
  const selected = choice && {
    candidate: choice.candidate,
    why: forced ? `forced by HS_TF_BACKEND=${forcedName}` : `fastest training step at batch ${TIMING_BATCH} among the working backends`,
  };
  const file = memoFile(env);
  const kept = { file: file ?? null, choices: file ? standingChoices(file).map((c) => ({ candidate: c.candidate, measured_at: c.measured_at, job: c.job })) : [] };
  return {
    ok: selected !== undefined,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: availableParallelism(),
    ...(selected ? { selected } : {}),
    backends,
    kept,
  };
}

export function printDoctor(report: DoctorReport): string {
  const lines = [`node ${report.node} on ${report.platform}, ${report.cpus} CPU(s)`, 'TensorFlow.js backends (preference order):'];
  for (const b of report.backends) {
    const what = b.ok ? `ok    ${b.device ?? 'cpu'}${b.libtensorflow ? `, libtensorflow ${b.libtensorflow}` : ''}${b.step_ms !== undefined ? `, training step ${b.step_ms} ms at batch ${TIMING_BATCH}` : ''}` : `no    ${b.detail}\n        to get it: ${b.remedy ?? ''}`;
    lines.push(`  ${b.candidate.padEnd(15)}${what}`);
  }
  lines.push(report.selected ? `selected: ${report.selected.candidate} (${report.selected.why})` : 'selected: NONE — no backend can train here');
  const { file, choices } = report.kept;
  if (file === null) lines.push(`kept for the next process: none (${BACKEND_MEMO_ENV}=off: every job measures)`);
  else {
    lines.push(`kept for the next process of the same job, a day each (${BACKEND_MEMO_ENV}=off measures every time): ${choices.length === 0 ? 'none yet in ' : ''}${file}`);
    for (const c of choices) lines.push(`  ${c.candidate.padEnd(15)}measured ${c.measured_at}: ${c.job}`);
  }
  return `${lines.join('\n')}\n`;
}
