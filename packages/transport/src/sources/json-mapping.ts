import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { checkReadingFrames, ConfigError, isValidName, type InboundOptions } from '@headstream/core';
import type { DecodeVerdict, InboundMessage } from '../source.js';

/**
 * Mapped JSON topics (HS_JSON_SOURCES_CONFIG): vendor JSON on the vendor's own MQTT topics, the
 * Telegraf json_v2 / ThingsBoard converter idea. Each entry is a topic template and a payload mapping:
 *
 *   { "topics": [ { "topic": "plant/{site}/{metric}", "domain": "factory",
 *                   "payload": { "value": "/v", "time": "/ts", "site": "/site" } } ] }
 *
 * - topic: MQTT levels; `{name}` matches one level and names it (site, metric, domain are used; other
 *   names are ignored), `+` one level unnamed, `#` (last) any rest. Subscribed as the MQTT filter.
 * - payload: RFC 6901 JSON pointers. value defaults to "" (the whole payload: a bare number); time
 *   absent = the receive time (epoch ms or ISO-8601 otherwise); site / metric: from the payload, the
 *   topic, or (metric, domain) a fixed name. A site in both the payload and the topic must agree
 *   (site_mismatch); the allow-lists apply as to every source (core's checkReadingFrames).
 * The first template a topic matches maps it; a topic none matches, a payload that is not JSON or lacks
 * a mapped field, or a value that is not a number, is dead-lettered with its reason.
 */

const name = z.string().refine(isValidName, 'a name of [A-Za-z0-9_.-], 1..128 characters');
const pointer = z.string().refine((p) => p === '' || (p.startsWith('/') && !/~[^01]/.test(p)), 'an RFC 6901 JSON pointer ("" or /a/b, ~0 and ~1 escapes)');
const TEMPLATE_LEVEL = /^(\{[A-Za-z_][A-Za-z0-9_]*\}|\+|#|[^+#{}]+)$/;

const mapping = z
  .object({
    topic: z
      .string()
      .min(1)
      .refine((t) => t.split('/').every((level, i, all) => TEMPLATE_LEVEL.test(level) && (level !== '#' || i === all.length - 1)), 'MQTT levels: names, {part}, + or a final #'),
    /** Fixed domain (or {domain} in the topic, or payload.domain). */
    domain: name.optional(),
    /** Fixed metric name (or {metric} in the topic, or payload.metric). */
    metric: name.optional(),
    payload: z
      .object({
        value: pointer.default(''),
        time: pointer.optional(),
        site: pointer.optional(),
        metric: pointer.optional(),
        domain: pointer.optional(),
      })
      .strict()
      .default({ value: '' }),
  })
  .strict()
  .refine((m) => m.topic.includes('{site}') || m.payload.site !== undefined, { message: 'needs {site} in the topic or payload.site', path: ['topic'] })
  .refine((m) => [m.topic.includes('{metric}'), m.payload.metric !== undefined, m.metric !== undefined].filter(Boolean).length === 1, {
    message: 'needs exactly one of {metric} in the topic, payload.metric or metric',
    path: ['metric'],
  })
  .refine((m) => [m.topic.includes('{domain}'), m.payload.domain !== undefined, m.domain !== undefined].filter(Boolean).length === 1, {
    message: 'needs exactly one of {domain} in the topic, payload.domain or domain',
    path: ['domain'],
  });

export const jsonSourcesConfigSchema = z.object({ topics: z.array(mapping).min(1) }).strict();
export type JsonSourcesConfig = z.infer<typeof jsonSourcesConfigSchema>;
export type JsonTopicMapping = JsonSourcesConfig['topics'][number];

export const JSON_SOURCES_ENV = 'HS_JSON_SOURCES_CONFIG';

/** Validates a parsed document; a problem is one line naming `where` (the file) and the field. */
export function parseJsonSourcesConfig(doc: unknown, where = 'JSON sources config'): JsonSourcesConfig {
  const result = jsonSourcesConfigSchema.safeParse(doc);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = (issue?.path ?? []).map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
    throw new ConfigError([{ key: JSON_SOURCES_ENV, line: `config: ${JSON_SOURCES_ENV}: ${where}: ${path || '(top)'}: ${issue?.message ?? 'invalid'}` }]);
  }
  return result.data;
}

/** Reads and validates the config file. */
export function loadJsonSourcesConfig(path: string): JsonSourcesConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([{ key: JSON_SOURCES_ENV, line: `config: ${JSON_SOURCES_ENV}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}` }]);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new ConfigError([{ key: JSON_SOURCES_ENV, line: `config: ${JSON_SOURCES_ENV}: ${path} is not JSON: ${(error as Error).message}` }]);
  }
  return parseJsonSourcesConfig(doc, path);
}

/** The MQTT filter a template subscribes: {part} → +. */
export const topicFilterOf = (template: string): string => template.split('/').map((l) => (l.startsWith('{') ? '+' : l)).join('/');

/** The named parts of a topic, or undefined when the template does not match it. */
export function matchTopic(template: string, topic: string): Record<string, string> | undefined {
  const want = template.split('/');
  const got = topic.split('/');
  const parts: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] ?? '';
    if (w === '#') return parts;
    const g = got[i];
    if (g === undefined) return undefined;
    if (w === '+') continue;
    if (w.startsWith('{')) {
      if (g === '') return undefined;
      parts[w.slice(1, -1)] = g;
    } else if (w !== g) return undefined;
  }
  return got.length === want.length ? parts : undefined;
}

const MISSING = Symbol('missing');

/** RFC 6901: the value at `pointer` in `doc`, or MISSING. */
export function resolvePointer(doc: unknown, pointer: string): unknown {
  if (pointer === '') return doc;
  let at: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const token = raw.replaceAll('~1', '/').replaceAll('~0', '~');
    if (Array.isArray(at)) {
      if (!/^(0|[1-9][0-9]*)$/.test(token) || Number(token) >= at.length) return MISSING;
      at = at[Number(token)];
    } else if (typeof at === 'object' && at !== null && Object.prototype.hasOwnProperty.call(at, token)) {
      at = (at as Record<string, unknown>)[token];
    } else return MISSING;
  }
  return at;
}

export const JSON_SOURCE_REJECT_REASONS = ['json_no_match', 'json_missing_field'] as const;

const reject = (reason: string, detail: string): DecodeVerdict => ({ ok: false, reason, detail });
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The decoder of mapped JSON topics (stateless: one instance per config). */
export class JsonTopicDecoder {
  constructor(private readonly config: JsonSourcesConfig) {}

  /** The MQTT filters to subscribe (one per template, duplicates removed). */
  filters(): string[] {
    return [...new Set(this.config.topics.map((t) => topicFilterOf(t.topic)))];
  }

  decode(message: InboundMessage, inbound: InboundOptions): DecodeVerdict {
    const { topicRoot: _root, ...parse } = inbound;
    let mapping: JsonTopicMapping | undefined;
    let parts: Record<string, string> | undefined;
    for (const t of this.config.topics) {
      parts = matchTopic(t.topic, message.topic);
      if (parts) {
        mapping = t;
        break;
      }
    }
    if (!mapping || !parts) return reject('json_no_match', `topic ${JSON.stringify(message.topic.slice(0, 200))} matches no template of ${JSON_SOURCES_ENV}`);
    const max = parse.maxPayloadBytes;
    if (max !== undefined && message.payload.byteLength > max) return reject('payload_too_large', `payload is ${message.payload.byteLength} bytes (max ${max})`);
    let doc: unknown;
    try {
      doc = JSON.parse(utf8.decode(message.payload));
    } catch (error) {
      return reject('not_json', `payload is not JSON: ${(error as Error).message}`);
    }
    const where = `template ${mapping.topic}`;
    const field = (key: 'value' | 'time' | 'site' | 'metric' | 'domain'): unknown => {
      const p = mapping.payload[key];
      return p === undefined ? undefined : resolvePointer(doc, p);
    };
    const missing = (key: string) => reject('json_missing_field', `${where}: payload has no ${key} at ${JSON.stringify(mapping.payload[key as 'value'])}`);

    const value = field('value');
    if (value === MISSING) return missing('value');
    if (typeof value !== 'number' || !Number.isFinite(value)) {
      return reject('bad_value', `${where}: value at ${JSON.stringify(mapping.payload.value)} is ${value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value}, expected a finite number`);
    }
    const time = field('time');
    if (time === MISSING) return missing('time');
    const payloadSite = field('site');
    if (payloadSite === MISSING) return missing('site');
    const payloadMetric = field('metric');
    if (payloadMetric === MISSING) return missing('metric');
    const payloadDomain = field('domain');
    if (payloadDomain === MISSING) return missing('domain');

    const topicSite = parts.site;
    const site = payloadSite ?? topicSite;
    const metric = payloadMetric ?? parts.metric ?? mapping.metric;
    const domain = payloadDomain ?? parts.domain ?? mapping.domain;
    if (typeof metric !== 'string') return reject('bad_name', `${where}: metric at ${JSON.stringify(mapping.payload.metric)} is ${metric === null ? 'null' : typeof metric}, expected a name`);
    const frame = { site, ts: time ?? message.receivedAt, values: { [metric]: value }, domain };
    // The topic's site, when the template names one, is the site the message is addressed to: a payload naming another is site_mismatch.
    return checkReadingFrames([frame], { ...parse, ...(topicSite === undefined ? {} : { site: topicSite }) }, false);
  }
}
