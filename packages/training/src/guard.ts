import { sharingHolds } from '@headstream/model';
import { headlineMetric, type TaskName } from '@headstream/tasks';
import { headline } from './evaluation.js';
import { servedByPhrase, servedScore, type BlendEvidence, type GuardDecision, type MetricsJSON, type ServedBy, type TaskReport } from '@headstream/registry';

/** Default relative tolerance of the guard (HS_GUARD_TOLERANCE): 2 %. */
export const DEFAULT_GUARD_TOLERANCE = 0.02;

/**
 * What the guard reads of a task: the candidate's models and baselines on the validation windows, the active
 * version's served model, and optionally `pairs`: the shared and single-task models' scores on each of several
 * folds (or seeds) — all the evidence the served-by choice weighs. Without them the choice weighs the one pair
 * it has (`shared` vs `single` on the validation windows).
 */
export type GuardInput = Pick<TaskReport, 'task' | 'shared' | 'single' | 'persistence' | 'active' | 'blend'> & { pairs?: readonly PairedScore[] };

/** The shared and the single-task model of a task scored on the same windows (one fold, one seed), and their blend where it was scored. */
export interface PairedScore {
  shared: MetricsJSON;
  single: MetricsJSON;
  blend?: MetricsJSON;
}

/** A report's (or a fold's) models as one paired score: its shared and single-task model, and its blend where scored. */
export const pairOf = (r: Pick<TaskReport, 'shared' | 'single' | 'blend'>): PairedScore => ({ shared: r.shared, single: r.single, ...(r.blend ? { blend: r.blend } : {}) });

/** What k ≥ 1 paired scores say about sharing a task's encoder, and the served-by choice they make. */
export interface SharingEvidence {
  /** Per pair: how much worse the shared model is than the single-task one, relative (positive = sharing hurt). */
  worse: number[];
  mean: number;
  /** Sample standard deviation of `worse` (0 with one pair: a single split shows no spread). */
  sd: number;
  /** mean + sd: how much sharing may hurt at the upper end of the evidence. */
  bound: number;
  servedBy: ServedBy;
}

/**
 * The served-by rule for every caller (the training job's one validation split, the fold study's rolling
 * folds), on the model package's one negative-transfer rule (sharingHolds): a task is served by the shared model only when mean + sd of the relative loss of
 * sharing over the k pairs stays within the tolerance — the evidence says sharing does not hurt by more than
 * the tolerance even one spread above its mean (the quality claims' rule in the experiments: a margin counts
 * only when its mean exceeds its spread; here the margin is tolerance − worse). With k = 1 there is no spread
 * and it is the single-split rule: shared unless worse than single-task by more than the tolerance.
 */
export function weighSharing(task: TaskName, pairs: readonly PairedScore[], tolerance = DEFAULT_GUARD_TOLERANCE): SharingEvidence {
  const worse = pairs.map((p) => relativeWorse(task, p.shared, p.single));
  const { mean, sd, bound, share } = sharingHolds(worse, tolerance);
  return { worse, mean, sd, bound, servedBy: share ? 'shared' : 'single' };
}

/**
 * The blend's rule, after the sharing rule has chosen `chosen` (shared or single): over the pairs that scored the
 * blend, how much worse it is than the chosen model (relative, positive = worse). The task is served by the blend
 * only when mean + sd < 0: its gain exceeds its spread (the quality claims' rule), for it costs a second model's
 * pass at serving. With one pair: when the blend is better at all. Undefined when no pair scored it.
 */
export function weighBlend(task: TaskName, pairs: readonly PairedScore[], chosen: 'shared' | 'single'): (BlendEvidence & { serve: boolean }) | undefined {
  const scored = pairs.filter((p): p is PairedScore & { blend: MetricsJSON } => p.blend !== undefined);
  if (scored.length === 0) return undefined;
  const worse = scored.map((p) => relativeWorse(task, p.blend, p[chosen]));
  const { mean, sd, bound } = sharingHolds(worse, 0);
  return { worse, mean, sd, bound, serve: bound < 0 };
}

/** How much worse `value` is than `reference`, relative (positive = worse), on the task's headline metric and its direction. */
export function relativeWorse(task: TaskName, value: MetricsJSON, reference: MetricsJSON): number {
  const v = headline(task, value);
  const r = headline(task, reference).value;
  const diff = v.higherIsBetter ? r - v.value : v.value - r;
  return diff / Math.max(Math.abs(r), 1e-12);
}

const name = (task: TaskName) => headlineMetric(task).label;
const fmt = (task: TaskName, m: MetricsJSON) => headline(task, m).value.toFixed(3);
const pct = (x: number) => `${(Math.abs(x) * 100).toFixed(1)} %`;
/** How far `value` is from `reference`: a percentage, or the plain difference when the reference is 0 (a percentage of 0 means nothing). */
const by = (task: TaskName, value: MetricsJSON, reference: MetricsJSON) => {
  const r = headline(task, reference).value;
  return Math.abs(r) < 1e-9 ? Math.abs(headline(task, value).value - r).toFixed(3) : pct(relativeWorse(task, value, reference));
};

/** Every served-by choice the pairs make: sharing's (weighSharing), then the blend's against it (weighBlend). */
export function weighServing(task: TaskName, pairs: readonly PairedScore[], tolerance = DEFAULT_GUARD_TOLERANCE): { sharing: SharingEvidence; blend: ReturnType<typeof weighBlend>; servedBy: ServedBy } {
  const sharing = weighSharing(task, pairs, tolerance);
  const blend = weighBlend(task, pairs, sharing.servedBy === 'shared' ? 'shared' : 'single');
  return { sharing, blend, servedBy: blend?.serve ? 'blend' : sharing.servedBy };
}

/**
 * The negative-transfer guard. Per task: served by the shared model unless the paired scores say sharing
 * may hurt by more than the tolerance (weighSharing; then the single-task model serves it), and by the blend of
 * the two instead when the pairs that scored it say it beats that choice beyond its spread (weighBlend). The version
 * becomes active on its own only if every task's served model beats persistence on the validation
 * window and is not worse than the active version's served model on the same window by more than
 * the tolerance, and it serves every task the active version serves. Every finding is a reason.
 */
export function decide(tasks: readonly GuardInput[], options: { tolerance?: number; activeVersion?: string | null; activeTasks?: readonly TaskName[] } = {}): GuardDecision {
  const tolerance = options.tolerance ?? DEFAULT_GUARD_TOLERANCE;
  const serving: Partial<Record<TaskName, ServedBy>> = {};
  const weighed: NonNullable<GuardDecision['evidence']> = {};
  const reasons: string[] = [];
  let promote = true;
  for (const t of tasks) {
    const pairs = t.pairs ?? [pairOf(t)];
    const { sharing: evidence, blend, servedBy } = weighServing(t.task, t.blend ? pairs : pairs.map(({ shared, single }) => ({ shared, single })), tolerance);
    serving[t.task] = servedBy;
    weighed[t.task] = { worse: evidence.worse, mean: evidence.mean, sd: evidence.sd, bound: evidence.bound, ...(blend ? { blend: { worse: blend.worse, mean: blend.mean, sd: blend.sd, bound: blend.bound } } : {}) };
    const served = servedScore(t, servedBy);
    const signed = (x: number) => `${x < 0 ? '−' : '+'}${pct(x)}`;
    if (pairs.length > 1) reasons.push(`${t.task}: over ${pairs.length} paired scores the shared model's ${name(t.task)} is ${signed(evidence.mean)} ± ${pct(evidence.sd)} vs the single-task model's (bound ${signed(evidence.bound)}, tolerance ${pct(tolerance)}): sharing ${evidence.servedBy === 'shared' ? 'holds' : 'hurts'}`);
    else if (evidence.servedBy === 'single') reasons.push(`${t.task}: the shared model's ${name(t.task)} ${fmt(t.task, t.shared)} is ${pct(evidence.mean)} worse than the single-task model's ${fmt(t.task, t.single)} (tolerance ${pct(tolerance)}): sharing hurts`);
    else reasons.push(`${t.task}: the shared model's ${name(t.task)} ${fmt(t.task, t.shared)} is within the tolerance of the single-task model's ${fmt(t.task, t.single)}: sharing holds`);
    if (blend) {
      const against = evidence.servedBy === 'shared' ? 'shared' : 'single-task';
      const over = blend.worse.length > 1 ? `over ${blend.worse.length} scores the blend is ${signed(blend.mean)} ± ${pct(blend.sd)} vs the ${against} model (bound ${signed(blend.bound)})` : `the blend's ${name(t.task)} ${fmt(t.task, t.blend as MetricsJSON)} is ${signed(blend.mean)} vs the ${against} model's`;
      reasons.push(`${t.task}: ${over}: served by ${servedByPhrase(servedBy)}`);
    } else reasons.push(`${t.task}: served by ${servedByPhrase(servedBy)}`);
    const vsPersistence = relativeWorse(t.task, served, t.persistence);
    if (vsPersistence < 0) reasons.push(`${t.task}: served ${name(t.task)} ${fmt(t.task, served)} beats persistence ${fmt(t.task, t.persistence)} by ${by(t.task, served, t.persistence)}`);
    else {
      promote = false;
      reasons.push(`${t.task}: REFUSED: served ${name(t.task)} ${fmt(t.task, served)} does not beat persistence ${fmt(t.task, t.persistence)}`);
    }
    if (t.active) {
      const vsActive = relativeWorse(t.task, served, t.active.metrics);
      if (vsActive > tolerance) {
        promote = false;
        reasons.push(`${t.task}: REFUSED: served ${name(t.task)} ${fmt(t.task, served)} is ${pct(vsActive)} worse than active version ${t.active.version} (${fmt(t.task, t.active.metrics)}) on the same validation windows (tolerance ${pct(tolerance)})`);
      } else reasons.push(`${t.task}: ${vsActive <= 0 ? `${pct(vsActive)} better than` : `within the tolerance of`} active version ${t.active.version} (${fmt(t.task, t.active.metrics)}) on the same validation windows`);
    }
  }
  const covered = new Set(tasks.map((t) => t.task));
  for (const task of options.activeTasks ?? []) {
    if (covered.has(task)) continue;
    promote = false;
    reasons.push(`${task}: REFUSED: active version ${options.activeVersion ?? '?'} serves ${task}, which this version does not`);
  }
  if (tasks.length === 0) {
    promote = false;
    reasons.push('REFUSED: the version serves no task');
  }
  return { promote, tolerance, compared_with: options.activeVersion ?? null, serving, evidence: weighed, reasons };
}
