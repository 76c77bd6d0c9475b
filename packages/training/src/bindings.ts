import { readFile } from 'node:fs/promises';
import { DOMAINS, NAME_PATTERN, timeZoneProblem, type Domain } from '@headstream/core';
import { TASK_NAMES, TASKS, taskModule, type TaskName } from '@headstream/tasks';
import { z } from 'zod';
import type { SeriesInfo } from '@headstream/registry';

/**
 * Task bindings: which domain, sites and metrics of the database feed each task, and which metric
 * holds a classification task's labels. Without a file every task binds itself to what the
 * database holds (resolveBindings); a file narrows or renames. Format: BINDINGS.md.
 */

const metricName = z.string().regex(NAME_PATTERN, 'expected a metric name of [A-Za-z0-9_.-]');
const sitePattern = z.string().regex(/^[A-Za-z0-9_.*-]+$/, 'expected a site name or a glob with *');

const taskBindingSchema = z.strictObject({
  /** Use this recipe of the task (default: the one with the most qualifying readings). */
  recipe: z.string().min(1).optional(),
  /** Look for the task's sites in this domain (default: the recipe's). */
  domain: z.enum(DOMAINS).optional(),
  /** Only these sites: exact names or globs where * matches any run of characters. */
  sites: z.array(sitePattern).min(1).optional(),
  /** Recipe source name → the database metric that holds it (renames; unnamed sources keep their name). */
  metrics: z.record(z.string().min(1), metricName).optional(),
  /** Database metric holding the class index (classification; default: the recipe's label). */
  label: metricName.optional(),
  /** The sites' local time zone, for the calendar channels (IANA name like "America/Los_Angeles" or "+08:00"; default UTC). */
  time_zone: z
    .string()
    .refine((zone) => timeZoneProblem(zone) === null, { message: 'expected a time zone: "UTC", an offset like "+01:00", or an IANA name like "Europe/Rome"' })
    .optional(),
});

export const bindingsSchema = z.strictObject({
  version: z.literal(1),
  /** Per task: false disables it; an object binds it; a task left out binds itself by default. */
  tasks: z.partialRecord(z.enum(TASK_NAMES), z.union([z.literal(false), taskBindingSchema])),
});

export type Bindings = z.infer<typeof bindingsSchema>;
export type TaskBinding = z.infer<typeof taskBindingSchema>;

/** A bindings file that cannot be used: one line naming the file and the field. */
export class BindingsError extends Error {
  override name = 'BindingsError';
  constructor(
    readonly file: string,
    /** Dotted path of the offending field ('' for the whole file). */
    readonly field: string,
    readonly problem: string,
  ) {
    super(`${file}: ${field === '' ? '' : `${field}: `}${problem}`);
  }
}

/** Reads and validates a bindings file; any problem is a BindingsError naming the file and field. */
export async function loadBindings(path: string): Promise<Bindings> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new BindingsError(path, '', `cannot read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new BindingsError(path, '', `not JSON (${(error as Error).message})`);
  }
  return parseBindings(json, path);
}

/** Validates bindings already parsed from JSON; `source` names them in the error. */
export function parseBindings(json: unknown, source = 'bindings'): Bindings {
  const parsed = bindingsSchema.safeParse(json);
  if (parsed.success) return parsed.data;
  const first = parsed.error.issues[0];
  if (first === undefined) throw new BindingsError(source, '', 'invalid');
  const { path, problem } = describeIssue(first);
  throw new BindingsError(source, formatPath(path), problem);
}

type Issue = z.core.$ZodIssue;

/** One issue as a path and a short problem; a union (false | object) reports its object branch's own issue. */
function describeIssue(issue: Issue): { path: PropertyKey[]; problem: string } {
  switch (issue.code) {
    case 'invalid_union': {
      // The deepest issue of any branch says what is wrong inside the object; at the top, both kinds fit.
      const branches = issue.errors.map((b) => b[0]).filter((i): i is Issue => i !== undefined);
      const deepest = branches.reduce<Issue | undefined>((best, i) => (best === undefined || i.path.length > best.path.length ? i : best), undefined);
      if (deepest === undefined || deepest.path.length === 0) return { path: issue.path, problem: 'expected false or an object' };
      const inner = describeIssue(deepest);
      return { path: [...issue.path, ...inner.path], problem: inner.problem };
    }
    case 'unrecognized_keys': {
      const [key = '', ...more] = issue.keys;
      if (issue.path.length === 1 && issue.path[0] === 'tasks') {
        return { path: [...issue.path, key], problem: `unknown task (tasks are ${TASK_NAMES.join(', ')})` };
      }
      return { path: [...issue.path, key], problem: `unknown field${more.length > 0 ? ` (also ${more.join(', ')})` : ''}` };
    }
    case 'invalid_type':
      return { path: issue.path, problem: `expected ${issue.expected}` };
    case 'invalid_value':
      return { path: issue.path, problem: `expected ${issue.values.map((v) => JSON.stringify(v)).join(' or ')}` };
    case 'too_small':
      return { path: issue.path, problem: issue.origin === 'array' ? `expected at least ${issue.minimum} item(s)` : `expected at least ${issue.minimum} character(s)` };
    default:
      return { path: issue.path, problem: issue.message };
  }
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`)).join('');
}

/** What resolution needs to know of a task recipe. */
export interface RecipeInfo {
  name: string;
  task: TaskName;
  domain: Domain;
  /** raw metrics the recipe reads (default database names) */
  sources: string[];
  /** required subset of sources (the target etc.); the rest may be missing at a site */
  required: string[];
  /** classification: default label metric */
  label?: string;
}

/** A task bound to data: the recipe, where its sites are and which database metric feeds each source. */
export interface ResolvedBinding {
  task: TaskName;
  recipe: string;
  domain: string;
  sites: string[];
  /** recipe source → database metric, only those present */
  metrics: Record<string, string>;
  /** Database metric holding the class index (classification tasks). */
  label?: string;
  /** Readings of the bound metrics (and the label) at the sites; first/last epoch ms over them. */
  readings: number;
  first: number;
  last: number;
}

export interface ResolvedBindings {
  resolved: ResolvedBinding[];
  /** One line each, naming the task and what is missing. */
  skipped: { task: TaskName; reason: string }[];
}

/**
 * Binds each task (in TASK_NAMES order) to the database's series. A task without an entry considers
 * its recipes in the given order: a site qualifies for a recipe when it is in the recipe's domain and
 * carries every required metric (and the label metric, for classification); the recipe with the most
 * readings at qualifying sites wins (ties: the first). An entry narrows that (recipe, domain, sites)
 * or renames (metrics, label); `false` disables the task. Nothing here throws for a mismatch: a task
 * that cannot be bound is skipped with the reason.
 */
export function resolveBindings(catalogue: readonly SeriesInfo[], recipes: readonly RecipeInfo[], bindings?: Bindings): ResolvedBindings {
  const byDomain = indexCatalogue(catalogue);
  const resolved: ResolvedBinding[] = [];
  const skipped: { task: TaskName; reason: string }[] = [];
  for (const task of TASK_NAMES) {
    const entry = bindings?.tasks[task];
    if (entry === false) {
      skipped.push({ task, reason: `${task}: disabled in the bindings` });
      continue;
    }
    const outcome = resolveTask(task, recipes, byDomain, entry);
    if ('reason' in outcome) skipped.push({ task, reason: outcome.reason });
    else resolved.push(outcome);
  }
  return { resolved, skipped };
}

/** domain → site → metric → its series. */
type CatalogueIndex = Map<string, Map<string, Map<string, SeriesInfo>>>;

function indexCatalogue(catalogue: readonly SeriesInfo[]): CatalogueIndex {
  const byDomain: CatalogueIndex = new Map();
  for (const s of catalogue) {
    let sites = byDomain.get(s.domain);
    if (sites === undefined) byDomain.set(s.domain, (sites = new Map<string, Map<string, SeriesInfo>>()));
    let metrics = sites.get(s.site);
    if (metrics === undefined) sites.set(s.site, (metrics = new Map<string, SeriesInfo>()));
    metrics.set(s.metric, s);
  }
  return byDomain;
}

function resolveTask(task: TaskName, recipes: readonly RecipeInfo[], byDomain: CatalogueIndex, entry: TaskBinding | undefined): ResolvedBinding | { reason: string } {
  let candidates = recipes.filter((r) => r.task === task);
  if (candidates.length === 0) return { reason: `${task}: no recipe for this task` };
  if (entry?.recipe !== undefined) {
    const named = candidates.filter((r) => r.name === entry.recipe);
    if (named.length === 0) return { reason: `${task}: no recipe "${entry.recipe}" for this task (recipes: ${candidates.map((r) => r.name).join(', ')}); fix "recipe"` };
    candidates = named;
  }
  const attempts = candidates.map((recipe) => ({ recipe, outcome: bindRecipe(task, recipe, byDomain, entry) }));
  let best: ResolvedBinding | undefined;
  for (const { outcome } of attempts) if (!('reason' in outcome) && (best === undefined || outcome.readings > best.readings)) best = outcome;
  if (best !== undefined) return best;
  // Every recipe failed: one line, the reason alone when all recipes fail the same way.
  const reasons = [...new Set(attempts.map(({ outcome }) => ('reason' in outcome ? outcome.reason : '')))];
  if (reasons.length === 1) return { reason: `${task}: ${reasons[0] ?? ''}` };
  return { reason: `${task}: ${attempts.map(({ recipe, outcome }) => `recipe ${recipe.name}: ${'reason' in outcome ? outcome.reason : ''}`).join('; ')}` };
}

/** Binds one recipe, or says (without the task prefix) why no site fits it. */
function bindRecipe(task: TaskName, recipe: RecipeInfo, byDomain: CatalogueIndex, entry: TaskBinding | undefined): ResolvedBinding | { reason: string } {
  const renames = entry?.metrics ?? {};
  const unknown = Object.keys(renames).filter((source) => !recipe.sources.includes(source));
  if (unknown.length > 0) return { reason: `recipe ${recipe.name} has no source ${unknown.map((s) => `"${s}"`).join(', ')} (its sources: ${recipe.sources.join(', ')}); fix "metrics"` };
  const classification = TASKS[task].kind === 'classification';
  const label = classification ? (entry?.label ?? recipe.label) : undefined;
  if (classification && label === undefined) return { reason: `recipe ${recipe.name} names no label metric; bind "label"` };

  const domain = entry?.domain ?? recipe.domain;
  let sites = [...(byDomain.get(domain) ?? new Map<string, Map<string, SeriesInfo>>())];
  if (sites.length === 0) return { reason: `no ${domain} readings in the database` };
  if (entry?.sites !== undefined) {
    const patterns = entry.sites.map(globToRegExp);
    sites = sites.filter(([site]) => patterns.some((p) => p.test(site)));
    if (sites.length === 0) return { reason: `"sites" (${entry.sites.join(', ')}) match no ${domain} site` };
  }

  const bound = (source: string) => renames[source] ?? source;
  // A recipe may list its label among the required metrics; the label binding (not "metrics") renames it.
  const required = recipe.required.filter((m) => m !== recipe.label);
  const needed = [...required.map(bound), ...(label === undefined ? [] : [label])];
  const qualifying = sites.filter(([, metrics]) => needed.every((m) => metrics.has(m)));
  if (qualifying.length === 0) return { reason: missingReason(task, recipe.name, required, domain, sites, needed, label, bound) };

  const metrics: Record<string, string> = {};
  for (const source of recipe.sources) {
    if (source === recipe.label) continue;
    const metric = bound(source);
    if (qualifying.some(([, m]) => m.has(metric))) metrics[source] = metric;
  }
  let readings = 0;
  let first = Number.POSITIVE_INFINITY;
  let last = Number.NEGATIVE_INFINITY;
  for (const [, m] of qualifying) {
    for (const metric of new Set([...Object.values(metrics), ...(label === undefined ? [] : [label])])) {
      const s = m.get(metric);
      if (s === undefined) continue;
      readings += s.readings;
      first = Math.min(first, s.first);
      last = Math.max(last, s.last);
    }
  }
  const binding: ResolvedBinding = { task, recipe: recipe.name, domain, sites: qualifying.map(([site]) => site).sort(), metrics, readings, first, last };
  if (label !== undefined) binding.label = label;
  return binding;
}

/** Why no site qualifies: the needed metrics no site carries, or that none carries them together. */
function missingReason(
  task: TaskName,
  recipe: string,
  required: readonly string[],
  domain: string,
  sites: readonly [string, Map<string, SeriesInfo>][],
  needed: readonly string[],
  label: string | undefined,
  bound: (source: string) => string,
): string {
  const where = `${domain} site`;
  if (label !== undefined && !sites.some(([, m]) => m.has(label))) {
    // The label travels as a gt_* reading: a replay of the task's data set with --ground-truth sends it.
    const hint = `replay ${taskModule(task).dataset} with --ground-truth or bind "label"`;
    return `no ${where} carries ${label} (the label metric); ${hint}`;
  }
  const absent = needed.filter((metric) => !sites.some(([, m]) => m.has(metric)));
  if (absent.length > 0) {
    const renamed = required.filter((s) => bound(s) !== s && absent.includes(bound(s)));
    const hint = renamed.length > 0 ? 'check "metrics"' : `bind "metrics" to the database names (e.g. {"${required.find((s) => absent.includes(bound(s))) ?? absent[0]}": "<metric>"})`;
    return `no ${where} carries ${absent.join(', ')} (required by recipe ${recipe}); ${hint}`;
  }
  return `no ${where} carries all of ${needed.join(', ')} together (required by recipe ${recipe})`;
}

/** An exact site name or a glob where * matches any run of characters. */
function globToRegExp(pattern: string): RegExp {
  return new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.]/g, '\\.')).join('.*')}$`);
}
