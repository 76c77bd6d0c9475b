import { z } from 'zod';
import { nameProblem, NAME_MAX_LENGTH, NAME_PATTERN, truncate } from './names.js';
import { DEFAULT_TIME_WINDOW, parseTimestamp, type TimeWindow } from './time.js';

const name = z.string().min(1).max(NAME_MAX_LENGTH).regex(NAME_PATTERN);

/** A reading frame as it travels on the wire (see DESIGN.md, "Contracts"). */
export const readingFrameSchema = z.strictObject({
  site: name,
  ts: z.union([z.string(), z.number()]),
  values: z.record(name, z.number()),
  /** Kafka carries the domain in the frame; MQTT carries it in the topic. */
  domain: name.optional(),
});
export type ReadingFrame = z.infer<typeof readingFrameSchema>;

/** A message carries one frame or an array of frames. */
export const readingMessageSchema = z.union([readingFrameSchema, z.array(readingFrameSchema).min(1)]);
export type ReadingMessage = z.infer<typeof readingMessageSchema>;

/** A validated frame, normalised: domain resolved, time in epoch ms. */
export interface Reading {
  domain: string;
  site: string;
  time: number;
  values: Record<string, number>;
}

export const REJECT_REASONS = [
  'payload_too_large',
  'not_json',
  'bad_shape',
  'bad_value',
  'bad_timestamp',
  'timestamp_out_of_window',
  'bad_name',
  'too_many_frames',
  /** A frame's site is not the one its MQTT topic or Kafka key names. */
  'site_mismatch',
  /** HS_ALLOWED_SITES / HS_ALLOWED_DOMAINS is set and the name is not on it. */
  'site_not_allowed',
  'domain_not_allowed',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export type ParseResult =
  | { ok: true; readings: Reading[] }
  | { ok: false; reason: RejectReason; detail: string };

/** An allow-list of names (a RegExp fits): see parseAllowList. */
export interface NameFilter {
  test(name: string): boolean;
}

export interface ParseOptions {
  /** Domain from the MQTT topic; a frame's own `domain` must agree with it. */
  domain?: string;
  /**
   * The site the message is addressed to: the MQTT topic's {site} or the Kafka record key.
   * Every frame's site must equal it; one that differs rejects the whole message
   * (site_mismatch), so a sensor can never write another site's series.
   */
  site?: string;
  /** Only these sites / domains are accepted (site_not_allowed / domain_not_allowed). */
  allowedSites?: NameFilter;
  allowedDomains?: NameFilter;
  maxPayloadBytes?: number;
  maxFrames?: number;
  maxMetricsPerFrame?: number;
  window?: TimeWindow;
  /** Clock, for the time window; injectable for tests. */
  now?: number;
}

export const PARSE_DEFAULTS = {
  maxPayloadBytes: 1024 * 1024,
  maxFrames: 10_000,
  maxMetricsPerFrame: 1_000,
} as const;

const FRAME_KEYS = new Set(['site', 'ts', 'values', 'domain']);
const utf8 = new TextDecoder('utf-8', { fatal: true });

const reject = (reason: RejectReason, detail: string): ParseResult => ({ ok: false, reason, detail });

/**
 * Parses one MQTT/Kafka reading message. Never throws: any bad input yields a typed reason
 * and a short human detail naming the offending frame and field. One bad frame rejects the
 * whole message so it can be dead-lettered intact.
 */
export function parseReadingMessage(payload: Uint8Array | string, options: ParseOptions = {}): ParseResult {
  const maxPayloadBytes = options.maxPayloadBytes ?? PARSE_DEFAULTS.maxPayloadBytes;
  const size = typeof payload === 'string' ? Buffer.byteLength(payload, 'utf8') : payload.byteLength;
  if (size > maxPayloadBytes) return reject('payload_too_large', `payload is ${size} bytes (max ${maxPayloadBytes})`);
  if (size === 0) return reject('not_json', 'payload is empty');

  let text: string;
  try {
    text = typeof payload === 'string' ? payload : utf8.decode(payload);
  } catch {
    return reject('not_json', 'payload is not valid UTF-8');
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    return reject('not_json', `payload is not JSON: ${(error as Error).message}`);
  }

  if (Array.isArray(doc) && doc.length === 0) return reject('bad_shape', 'message is an empty array');
  return checkReadingFrames(Array.isArray(doc) ? doc : [doc], options, Array.isArray(doc));
}

/**
 * Checks decoded frames ({site, ts, values, domain?} objects) as parseReadingMessage checks a JSON
 * message's: names, values, time window, the addressed site (site_mismatch) and the allow-lists. For
 * sources that decode another wire format (Sparkplug B) into frames, so every source refuses the same
 * frames for the same reasons. Never throws.
 */
export function checkReadingFrames(frames: readonly unknown[], options: ParseOptions = {}, numbered = true): ParseResult {
  const maxFrames = options.maxFrames ?? PARSE_DEFAULTS.maxFrames;
  const maxMetrics = options.maxMetricsPerFrame ?? PARSE_DEFAULTS.maxMetricsPerFrame;
  const window = options.window ?? DEFAULT_TIME_WINDOW;
  if (frames.length > maxFrames) return reject('too_many_frames', `message has ${frames.length} frames (max ${maxFrames})`);

  if (options.domain !== undefined) {
    const problem = nameProblem(options.domain);
    if (problem) return reject('bad_name', `domain ${problem}`);
  }
  const context: FrameContext = { options, maxMetrics, window, now: options.now ?? Date.now() };
  const readings: Reading[] = [];
  for (let i = 0; i < frames.length; i++) {
    const at = numbered ? `frames[${i}]` : 'frame';
    const result = checkFrame(frames[i], at, context);
    if ('reason' in result) return result;
    readings.push(result);
  }
  return { ok: true, readings };
}

interface FrameContext {
  options: ParseOptions;
  maxMetrics: number;
  window: TimeWindow;
  now: number;
}

function checkFrame(frame: unknown, at: string, context: FrameContext): Reading | { ok: false; reason: RejectReason; detail: string } {
  const { options, maxMetrics, window, now } = context;
  const topicDomain = options.domain;
  const fail = (reason: RejectReason, detail: string) => ({ ok: false as const, reason, detail: `${at}: ${detail}` });
  if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
    return fail('bad_shape', `expected an object {site, ts, values}, got ${frame === null ? 'null' : Array.isArray(frame) ? 'array' : typeof frame}`);
  }
  const record = frame as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    if (!FRAME_KEYS.has(key)) return fail('bad_shape', `unknown field ${JSON.stringify(truncate(key, 40))}`);
  }
  for (const key of ['site', 'ts', 'values'] as const) {
    if (!(key in record)) return fail('bad_shape', `missing field "${key}"`);
  }

  const siteProblem = nameProblem(record.site);
  if (siteProblem) return fail(typeof record.site === 'string' ? 'bad_name' : 'bad_shape', `site ${siteProblem}`);
  const site = record.site as string;
  if (options.site !== undefined && site !== options.site) {
    return fail('site_mismatch', `site "${site}" is not "${truncate(options.site, 40)}", the site its topic or key names`);
  }
  if (options.allowedSites && !options.allowedSites.test(site)) return fail('site_not_allowed', `site "${site}" is not in the allowed sites`);

  let domain = topicDomain;
  if (record.domain !== undefined) {
    const problem = nameProblem(record.domain);
    if (problem) return fail(typeof record.domain === 'string' ? 'bad_name' : 'bad_shape', `domain ${problem}`);
    const frameDomain = record.domain as string;
    if (topicDomain !== undefined && frameDomain !== topicDomain) {
      return fail('bad_shape', `domain "${frameDomain}" disagrees with the topic's "${topicDomain}"`);
    }
    domain = frameDomain;
  }
  if (domain === undefined) return fail('bad_shape', 'missing field "domain" (required when the topic does not carry it)');
  if (options.allowedDomains && !options.allowedDomains.test(domain)) return fail('domain_not_allowed', `domain "${domain}" is not in the allowed domains`);

  const ts = parseTimestamp(record.ts);
  if (!ts.ok) return fail('bad_timestamp', `ts ${ts.problem}`);
  if (ts.ms < window.notBeforeMs || ts.ms > now + window.maxFutureMs) {
    return fail(
      'timestamp_out_of_window',
      `ts ${new Date(ts.ms).toISOString()} is outside [${new Date(window.notBeforeMs).toISOString()}, now + ${window.maxFutureMs} ms]`,
    );
  }

  const values = record.values;
  if (typeof values !== 'object' || values === null || Array.isArray(values)) {
    return fail('bad_shape', `values must be an object of metric → number, got ${values === null ? 'null' : Array.isArray(values) ? 'array' : typeof values}`);
  }
  const metrics = Object.keys(values);
  if (metrics.length === 0) return fail('bad_shape', 'values is empty');
  if (metrics.length > maxMetrics) return fail('bad_shape', `values has ${metrics.length} metrics (max ${maxMetrics})`);
  const clean: [string, number][] = [];
  for (const metric of metrics) {
    const problem = nameProblem(metric);
    if (problem) return fail('bad_name', `metric ${problem}`);
    const value = (values as Record<string, unknown>)[metric];
    if (typeof value !== 'number') {
      return fail('bad_value', `values.${metric} is ${value === null ? 'null' : typeof value}, expected a number`);
    }
    if (!Number.isFinite(value)) return fail('bad_value', `values.${metric} is ${String(value)}, expected a finite number`);
    clean.push([metric, value]);
  }
  // fromEntries defines own properties, so a metric named "__proto__" is kept, not swallowed.
  return { domain, site, time: ts.ms, values: Object.fromEntries(clean) };
}
