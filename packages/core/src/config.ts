import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseAllowList } from './allow-list.js';
import { NAME_PATTERN, SQL_IDENTIFIER_PATTERN } from './names.js';
import type { InboundOptions } from './inbound.js';
import { PARSE_DEFAULTS, type ParseOptions } from './reading.js';
import { MASK, maskDeep, maskSecrets, maskUrl } from './secrets.js';
import { DEFAULT_TIME_WINDOW } from './time.js';
import { DEFAULT_TOPIC_ROOT } from './topics.js';

/**
 * Configuration from the environment, optionally layered over a JSON file (HS_CONFIG_FILE)
 * whose keys are the same variable names. Environment wins over the file. Every problem
 * becomes one line naming the key and the expected form; apps exit with CONFIG_EXIT_CODE.
 */
export const CONFIG_EXIT_CODE = 2;
/** A command line's bad flag or value (the CLI, the demo): one line naming it, and the configuration's code. */
export const USAGE_EXIT_CODE = CONFIG_EXIT_CODE;
/** Interrupted by the user (SIGINT / Ctrl-C), as shells report 128 + 2. */
export const INTERRUPTED_EXIT_CODE = 130;
/** Services' exit codes beyond configuration (docs/ARCHITECTURE.md, "Failure and safety semantics"): the store refuses every write (ingest). */
export const STORE_FAILURE_EXIT_CODE = 3;
/** The database schema is older than this build: run `headstream migrate` as the owner first. */
export const SCHEMA_BEHIND_EXIT_CODE = 4;
export const CONFIG_FILE_ENV = 'HS_CONFIG_FILE';

export interface ConfigField<T> {
  env: string;
  schema: z.ZodType<T>;
  /** The expected form, for the error line, e.g. "a postgres:// URL". */
  expected: string;
  /** Never echo the value in errors or dumps. */
  secret?: boolean;
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a spec mixes fields of many value types
export type ConfigSpec = Record<string, ConfigField<any>>;
export type ConfigOf<S extends ConfigSpec> = { [K in keyof S]: S[K] extends ConfigField<infer T> ? T : never };

export class ConfigError extends Error {
  override name = 'ConfigError';
  constructor(readonly problems: { key: string; line: string }[]) {
    super(problems.map((p) => p.line).join('\n'));
  }
}

export function field<T>(env: string, schema: z.ZodType<T>, expected: string, options: { secret?: boolean } = {}): ConfigField<T> {
  return { env, schema, expected, ...options };
}

/** Schema builders that accept both env strings and typed JSON values from the file. */
export const cfg = {
  string: () => z.string().min(1),
  name: () => z.string().regex(NAME_PATTERN).max(128),
  /** A SQL identifier as quoteIdent accepts it (SQL_IDENTIFIER_PATTERN). */
  identifier: () => z.string().regex(SQL_IDENTIFIER_PATTERN),
  int: (min: number, max: number) =>
    z.preprocess((v) => (typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v.trim()) : v), z.number().int().min(min).max(max)),
  bool: () =>
    z.preprocess((v) => {
      if (typeof v !== 'string') return v;
      const s = v.trim().toLowerCase();
      return ['1', 'true', 'yes', 'on'].includes(s) ? true : ['0', 'false', 'no', 'off'].includes(s) ? false : v;
    }, z.boolean()),
  url: (protocols: string[]) =>
    z.string().refine((v) => {
      try {
        return protocols.includes(new URL(v).protocol);
      } catch {
        return false;
      }
    }),
  list: () =>
    z.preprocess(
      (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter((s) => s.length > 0) : v),
      z.array(z.string().min(1)).min(1),
    ),
  listOf: <const T extends readonly [string, ...string[]]>(values: T) =>
    z.preprocess(
      (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter((s) => s.length > 0) : v),
      z.array(z.enum(values)).min(1),
    ),
  hostPortList: () =>
    z.preprocess(
      (v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter((s) => s.length > 0) : v),
      z.array(z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$/)).min(1),
    ),
  isoTime: () => z.preprocess((v) => (typeof v === 'string' ? Date.parse(v) : v), z.number().refine(Number.isFinite)),
  oneOf: <const T extends readonly [string, ...string[]]>(values: T) => z.enum(values),
  /** Names, globs, a /regex/ or @file (see parseAllowList), as one RegExp. */
  allowList: () =>
    z.string().transform((v, ctx) => {
      try {
        return parseAllowList(v);
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message, params: { explain: true } });
        return z.NEVER;
      }
    }),
};

export interface LoadConfigOptions {
  env?: Record<string, string | undefined>;
  /** JSON file path; defaults to env HS_CONFIG_FILE. */
  file?: string;
}

export function loadConfig<S extends ConfigSpec>(spec: S, options: LoadConfigOptions = {}): ConfigOf<S> {
  const env = options.env ?? process.env;
  const filePath = options.file ?? blankToUndefined(env[CONFIG_FILE_ENV]);
  const fileValues = filePath === undefined ? {} : readConfigFile(filePath, spec);

  const problems: { key: string; line: string }[] = [];
  const out: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(spec)) {
    const fromEnv = blankToUndefined(env[f.env]);
    const raw: unknown = fromEnv ?? fileValues[f.env];
    const parsed = f.schema.safeParse(raw);
    if (parsed.success) {
      out[key] = parsed.data;
      continue;
    }
    const where = fromEnv !== undefined ? '' : raw !== undefined ? ` (from ${filePath})` : '';
    // A URL's password is masked: a config error is printed, logged, pasted into tickets.
    const got = raw === undefined ? 'it is not set' : f.secret ? 'got a value that is not' : `got ${JSON.stringify(typeof raw === 'string' ? maskUrl(raw) : raw)}`;
    // A custom check (an unreadable @file, a bad /regex/) says what exactly is wrong.
    const why = f.secret ? undefined : parsed.error.issues.find((i) => i.code === 'custom' && i.params?.explain === true)?.message;
    problems.push({ key: f.env, line: `config: ${f.env}${where}: expected ${f.expected}; ${got}${why ? ` (${maskSecrets(why)})` : ''}` });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return out as ConfigOf<S>;
}

function readConfigFile(path: string, spec: ConfigSpec): Record<string, unknown> {
  const fail = (why: string): never => {
    throw new ConfigError([{ key: CONFIG_FILE_ENV, line: `config: ${CONFIG_FILE_ENV}: expected a readable JSON object file; ${why}` }]);
  };
  let text = '';
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    fail(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    fail(`${path} is not JSON: ${(error as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) fail(`${path} does not hold a JSON object`);
  const known = new Set(Object.values(spec).map((f) => f.env));
  const unknown = Object.keys(doc as object).filter((k) => !known.has(k));
  if (unknown.length > 0) fail(`${path} has unknown key ${unknown.map((k) => JSON.stringify(k)).join(', ')}`);
  return doc as Record<string, unknown>;
}

function blankToUndefined(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v;
}

/** Config shown to a person: secrets and URL passwords masked. */
export function describeConfig<S extends ConfigSpec>(spec: S, config: ConfigOf<S>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, f] of Object.entries(spec)) {
    const value = config[key];
    out[f.env] = f.secret && value !== undefined ? MASK : typeof value === 'string' ? maskUrl(value) : maskDeep(value);
  }
  return out;
}

/** Settings every Headstream app shares. Unset service URLs mean "use the embedded one". */
export const commonConfigSpec = {
  logLevel: field('HS_LOG_LEVEL', cfg.oneOf(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'), 'one of fatal|error|warn|info|debug|trace|silent'),
  pgUrl: field('HS_PG_URL', cfg.url(['postgres:', 'postgresql:']).optional(), 'a postgres://user@host:port/database URL (unset: embedded PGlite)'),
  mqttUrl: field('HS_MQTT_URL', cfg.url(['mqtt:', 'mqtts:', 'ws:', 'wss:']).optional(), 'an mqtt://host:port URL (unset: embedded broker)'),
  kafkaBrokers: field('HS_KAFKA_BROKERS', cfg.hostPortList().optional(), 'a comma-separated list of host:port (unset: Kafka off)'),
  topicRoot: field('HS_TOPIC_ROOT', cfg.name().default(DEFAULT_TOPIC_ROOT), 'a name of [A-Za-z0-9_.-]'),
  maxPayloadBytes: field('HS_MAX_PAYLOAD_BYTES', cfg.int(64, 256 * 1024 * 1024).default(PARSE_DEFAULTS.maxPayloadBytes), 'an integer number of bytes, 64..268435456'),
  maxFrames: field('HS_MAX_FRAMES', cfg.int(1, 1_000_000).default(PARSE_DEFAULTS.maxFrames), 'an integer 1..1000000'),
  tsNotBefore: field('HS_TS_NOT_BEFORE', cfg.isoTime().default(DEFAULT_TIME_WINDOW.notBeforeMs), 'an ISO-8601 time, e.g. 1990-01-01T00:00:00Z'),
  tsMaxFutureMs: field('HS_TS_MAX_FUTURE_MS', cfg.int(0, 365 * 24 * 3600 * 1000).default(DEFAULT_TIME_WINDOW.maxFutureMs), 'an integer number of milliseconds'),
} satisfies ConfigSpec;
export type CommonConfig = ConfigOf<typeof commonConfigSpec>;

/** The reading parser's limits as configured (HS_MAX_PAYLOAD_BYTES, HS_MAX_FRAMES, HS_TS_*). */
export function parseOptionsOf(config: CommonConfig): Omit<ParseOptions, 'domain' | 'now'> {
  return {
    maxPayloadBytes: config.maxPayloadBytes,
    maxFrames: config.maxFrames,
    window: { notBeforeMs: config.tsNotBefore, maxFutureMs: config.tsMaxFutureMs },
  };
}

/**
 * The allow-lists every reader of readings applies (ingest and the predictor), defined once:
 * a message naming another site or domain is refused (site_not_allowed, domain_not_allowed).
 */
export const inboundConfigSpec = {
  allowedSites: field('HS_ALLOWED_SITES', cfg.allowList().optional(), 'site names/globs separated by commas (e.g. s-*,plant-7), one /regex/, or @file with one per line (unset: any site)'),
  allowedDomains: field('HS_ALLOWED_DOMAINS', cfg.allowList().optional(), 'domain names/globs separated by commas, one /regex/, or @file with one per line (unset: any domain)'),
} satisfies ConfigSpec;
export type InboundConfig = ConfigOf<typeof inboundConfigSpec>;

/** decodeInbound's options as configured: the parser's limits, the allow-lists and HS_TOPIC_ROOT. */
export function inboundOptionsOf(config: CommonConfig & InboundConfig): InboundOptions {
  return {
    ...parseOptionsOf(config),
    topicRoot: config.topicRoot,
    ...(config.allowedSites ? { allowedSites: config.allowedSites } : {}),
    ...(config.allowedDomains ? { allowedDomains: config.allowedDomains } : {}),
  };
}
