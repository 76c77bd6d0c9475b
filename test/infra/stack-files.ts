/**
 * Readers of the deployable stack's files, for test/infra/compose.test.ts (no Docker engine runs
 * here, so the stack is tested by parsing): compose variable interpolation, the .env file, the
 * Dockerfile, .dockerignore matching and Mosquitto's ACL. Each follows the documented rules of
 * the tool it stands in for, as far as the stack's files use them.
 */

// ---- .env (compose --env-file) ---------------------------------------------------------------

/** KEY=value lines; blank lines and # comments. Stricter than compose: no quotes, no spaces. */
export function parseDotenv(text: string): Map<string, string> {
  const out = new Map<string, string>();
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const m = /^([A-Z][A-Z0-9_]*)=([^\s'"#]*)$/.exec(line);
    if (!m) throw new Error(`line ${i + 1}: expected KEY=value without quotes, spaces or inline comments, got ${JSON.stringify(line)}`);
    const [, key = '', value = ''] = m;
    if (out.has(key)) throw new Error(`line ${i + 1}: ${key} is set twice`);
    out.set(key, value);
  });
  return out;
}

// ---- compose interpolation -------------------------------------------------------------------

export type InterpolationOp = '' | ':-' | '-' | ':?' | '?' | ':+' | '+';

/** One `${NAME…}` (or bare `$NAME`) in a string of compose.yaml. */
export interface Interpolation {
  name: string;
  op: InterpolationOp;
  /** The default (:- / -), error message (:? / ?) or replacement (:+ / +). */
  arg: string;
  bare: boolean;
  text: string;
}

const TOKEN = /\$(\$|\{([^}]*)\}|[A-Za-z_][A-Za-z0-9_]*|)/g;
const BRACED = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:-|-|:\?|\?|:\+|\+)([\s\S]*))?$/;

/** Every interpolation in `text` (`$$` is a literal `$`); throws on a `$` compose would reject. */
export function interpolationsIn(text: string): Interpolation[] {
  const out: Interpolation[] = [];
  for (const m of text.matchAll(TOKEN)) {
    const [whole, body = '', braced] = m;
    if (body === '$') continue;
    if (braced !== undefined) {
      const b = BRACED.exec(braced);
      if (!b) throw new Error(`invalid interpolation ${whole} in ${JSON.stringify(text)}`);
      out.push({ name: b[1] ?? '', op: (b[2] ?? '') as InterpolationOp, arg: b[3] ?? '', bare: false, text: whole });
    } else if (body !== '') {
      out.push({ name: body, op: '', arg: '', bare: true, text: whole });
    } else {
      throw new Error(`a lone $ in ${JSON.stringify(text)} (write $$ for a literal $)`);
    }
  }
  return out;
}

/** Compose's substitution of one string from `env` (the --env-file); a missing `:?` variable throws. */
export function interpolate(text: string, env: ReadonlyMap<string, string>): string {
  return text.replace(TOKEN, (whole, body: string, braced: string | undefined) => {
    if (body === '$') return '$';
    const [i] = interpolationsIn(whole);
    if (i === undefined) return whole;
    const value = env.get(i.name);
    const set = value !== undefined;
    const nonEmpty = set && value !== '';
    switch (i.op) {
      case '':
        return value ?? '';
      case ':-':
        return nonEmpty ? value : i.arg;
      case '-':
        return set ? value : i.arg;
      case ':?':
        if (!nonEmpty) throw new Error(`${i.name}: ${i.arg}`);
        return value;
      case '?':
        if (!set) throw new Error(`${i.name}: ${i.arg}`);
        return value;
      case ':+':
        return nonEmpty ? i.arg : '';
      case '+':
        return set ? i.arg : '';
    }
    return braced ?? whole;
  });
}

/** Every string scalar of a parsed YAML document, with its path of keys. */
export function stringsIn(value: unknown, path: string[] = []): { path: string[]; value: string }[] {
  if (typeof value === 'string') return [{ path, value }];
  if (Array.isArray(value)) return value.flatMap((v, i) => stringsIn(v, [...path, String(i)]));
  if (value !== null && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => stringsIn(v, [...path, k]));
  return [];
}

/** The document with `fn` applied to every string scalar (keys are not interpolated by compose). */
export function mapStrings(value: unknown, fn: (s: string) => string): unknown {
  if (typeof value === 'string') return fn(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, fn));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, mapStrings(v, fn)]));
  return value;
}

// ---- Dockerfile ------------------------------------------------------------------------------

export interface DockerInstruction {
  keyword: string;
  args: string;
}

export interface DockerStage {
  name: string;
  from: string;
  instructions: DockerInstruction[];
}

export interface Dockerfile {
  /** ARGs before the first FROM, with their defaults. */
  globalArgs: Map<string, string>;
  stages: DockerStage[];
}

/** Instructions by stage; `\` continuations joined, comments (and the # syntax= directive) skipped. */
export function parseDockerfile(text: string): Dockerfile {
  const logical: string[] = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.startsWith('#')) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    logical.push(pending + line);
    pending = '';
  }
  if (pending !== '') logical.push(pending);
  const globalArgs = new Map<string, string>();
  const stages: DockerStage[] = [];
  for (const line of logical) {
    const m = /^(\S+)\s*([\s\S]*)$/.exec(line);
    const keyword = (m?.[1] ?? '').toUpperCase();
    const args = (m?.[2] ?? '').trim();
    if (keyword === 'FROM') {
      const from = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!from) throw new Error(`unreadable FROM ${args}`);
      stages.push({ name: from[2] ?? String(stages.length), from: from[1] ?? '', instructions: [] });
    } else if (stages.length === 0) {
      if (keyword !== 'ARG') throw new Error(`${keyword} before the first FROM`);
      const [name = '', value = ''] = args.split('=');
      globalArgs.set(name, value);
    } else {
      stages[stages.length - 1]?.instructions.push({ keyword, args });
    }
  }
  return { globalArgs, stages };
}

/** A COPY's --from, sources and destination (the shell form; the stack uses no JSON form). */
export function parseCopy(args: string): { from?: string; sources: string[]; dest: string } {
  const words = args.split(/\s+/).filter((w) => w !== '');
  let from: string | undefined;
  while (words[0]?.startsWith('--')) {
    const flag = words.shift() ?? '';
    if (flag.startsWith('--from=')) from = flag.slice('--from='.length);
  }
  const dest = words.pop() ?? '';
  return { ...(from === undefined ? {} : { from }), sources: words, dest };
}

// ---- .dockerignore ---------------------------------------------------------------------------

interface IgnoreRule {
  negate: boolean;
  regex: RegExp;
}

function globToRegex(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    if (c === '*' && pattern[i + 1] === '*') {
      // `**/` = any number of directories (zero included); a trailing `**` = anything.
      if (pattern[i + 2] === '/') {
        out += '(?:.*/)?';
        i += 2;
      } else {
        out += '.*';
        i += 1;
      }
    } else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${out}$`);
}

/** Docker's rules: patterns match paths from the context root; the last matching rule wins; a
 * path is excluded when it or a directory above it is. */
export function dockerignore(text: string): (path: string) => boolean {
  const rules: IgnoreRule[] = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const negate = l.startsWith('!');
      const pattern = (negate ? l.slice(1) : l).replace(/^\/+/, '').replace(/\/+$/, '');
      return { negate, regex: globToRegex(pattern) };
    });
  return (path) => {
    const parts = path.split('/');
    const prefixes = parts.map((_, i) => parts.slice(0, i + 1).join('/'));
    let excluded = false;
    for (const rule of rules) if (prefixes.some((p) => rule.regex.test(p))) excluded = !rule.negate;
    return excluded;
  };
}

// ---- Mosquitto ACL ---------------------------------------------------------------------------

export type AclAccess = 'read' | 'write' | 'readwrite' | 'deny';
export interface AclEntry {
  access: AclAccess;
  topic: string;
}

/** `user` sections of `topic [access] filter` lines; entries before any `user` line under ''. */
export function parseAcl(text: string): Map<string, AclEntry[]> {
  const out = new Map<string, AclEntry[]>([['', []]]);
  let user = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const u = /^user\s+(\S+)$/.exec(line);
    if (u) {
      user = u[1] ?? '';
      if (out.has(user)) throw new Error(`user ${user} appears twice`);
      out.set(user, []);
      continue;
    }
    const t = /^topic\s+(?:(read|write|readwrite|deny)\s+)?(\S+)$/.exec(line);
    if (!t) throw new Error(`unsupported ACL line ${JSON.stringify(line)} (the test reads user and topic lines only)`);
    out.get(user)?.push({ access: (t[1] ?? 'readwrite') as AclAccess, topic: t[2] ?? '' });
  }
  return out;
}

/** MQTT topic filter matching (+ one level, # the rest). */
export function topicMatches(filter: string, topic: string): boolean {
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

/** Whether an ACL filter covers a whole subscription filter (Mosquitto's sub_matches_acl). */
export function filterCovers(acl: string, sub: string): boolean {
  const a = acl.split('/');
  const s = sub.split('/');
  for (let i = 0; i < a.length; i++) {
    if (a[i] === '#') return true;
    if (i >= s.length) return false;
    if (s[i] === '#') return false;
    if (a[i] !== '+' && a[i] !== s[i]) return false;
  }
  return a.length === s.length;
}

/** May `user` publish to a topic (write) or subscribe to a filter (read)? No deny lines are used. */
export function aclAllows(acl: Map<string, AclEntry[]>, user: string, access: 'read' | 'write', topicOrFilter: string): boolean {
  const entries = [...(acl.get('') ?? []), ...(acl.get(user) ?? [])];
  if (entries.some((e) => e.access === 'deny')) throw new Error('deny lines are not modelled by this test');
  return entries.some(
    (e) => (e.access === access || e.access === 'readwrite') && (access === 'write' ? topicMatches(e.topic, topicOrFilter) : filterCovers(e.topic, topicOrFilter)),
  );
}
