import { availableParallelism } from 'node:os';
import { TASKS } from '@headstream/core';
import { BACKEND_ORDER, BACKEND_REMEDY, DEFAULT_ENCODER, probeBackends, trainingProbe, type BackendCandidate, type ModelConfig } from '@headstream/model';
import { UsageError } from '../publish.js';

export interface DoctorReport {
  ok: boolean;
  node: string;
  platform: string;
  cpus: number;
  /** The backend training would use now, and why. */
  selected?: { candidate: BackendCandidate; why: string };
  backends: { candidate: BackendCandidate; ok: boolean; detail: string; device?: string; libtensorflow?: string; probe_ms?: number; remedy?: string }[];
}

const tasks = [TASKS.traffic, TASKS.air_quality, TASKS.fault, TASKS.throughput];
/** The probe trains one step of a four-task model of the default architecture. */
const probeConfig: ModelConfig = { tasks, inputs: { site: { features: 8 } }, taskInput: Object.fromEntries(tasks.map((t) => [t.name, 'site'])), lookback: 32, encoder: DEFAULT_ENCODER, headHidden: 16, seed: 1 };

const ALIASES: Record<string, BackendCandidate> = { 'tensorflow-gpu': 'tensorflow-gpu', 'node-gpu': 'tensorflow-gpu', tensorflow: 'tensorflow', node: 'tensorflow', wasm: 'wasm', cpu: 'cpu' };

/** `headstream doctor`: which TensorFlow.js backend is active and why the others are not. */
export async function doctor(env: Record<string, string | undefined> = process.env): Promise<DoctorReport> {
  const forcedName = env.HS_TF_BACKEND?.trim() || undefined;
  const forced = forcedName === undefined ? undefined : ALIASES[forcedName];
  if (forcedName !== undefined && forced === undefined) throw new UsageError(`HS_TF_BACKEND: unknown backend "${forcedName}"; valid: ${Object.keys(ALIASES).join(', ')}`);
  const attempts = await probeBackends(trainingProbe(probeConfig), BACKEND_ORDER);
  const backends = attempts.map((a) => ({
    candidate: a.candidate,
    ok: a.ok,
    detail: a.ok ? `training step ok` : a.reason,
    ...(a.ok && a.device ? { device: a.device } : {}),
    ...(a.libtensorflow ? { libtensorflow: a.libtensorflow } : {}),
    ...(a.ok && a.ms !== undefined ? { probe_ms: Math.round(a.ms) } : { remedy: BACKEND_REMEDY[a.candidate] }),
  }));
  const first = attempts.find((a) => a.ok);
  const selected = forced
    ? attempts.find((a) => a.candidate === forced)?.ok
      ? { candidate: forced, why: `forced by HS_TF_BACKEND=${forcedName}` }
      : undefined
    : first && { candidate: first.candidate, why: `first working backend in the order ${BACKEND_ORDER.join(' → ')}` };
  return {
    ok: selected !== undefined,
    node: process.version,
    platform: `${process.platform}-${process.arch}`,
    cpus: availableParallelism(),
    ...(selected ? { selected } : {}),
    backends,
  };
}

export function printDoctor(report: DoctorReport): string {
  const lines = [`node ${report.node} on ${report.platform}, ${report.cpus} CPU(s)`, 'TensorFlow.js backends (preference order):'];
  for (const b of report.backends) {
    const what = b.ok ? `ok    ${b.device ?? 'cpu'}${b.libtensorflow ? `, libtensorflow ${b.libtensorflow}` : ''}, probe step ${b.probe_ms ?? '?'} ms` : `no    ${b.detail}\n        to get it: ${b.remedy ?? ''}`;
    lines.push(`  ${b.candidate.padEnd(15)}${what}`);
  }
  lines.push(report.selected ? `selected: ${report.selected.candidate} (${report.selected.why})` : 'selected: NONE — no backend can train here');
  return `${lines.join('\n')}\n`;
}
