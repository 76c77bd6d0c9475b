/**
 * The source registry: every kind of source Headstream reads readings from, one line each.
 *
 * Adding a source (the Redpanda Connect way: one module plus one line):
 *   1. Write packages/transport/src/sources/<kind>.ts exporting `defineSource({ kind, summary,
 *      configSpec, enabledByDefault, configProblems?, create })` (see types.ts):
 *      - configSpec: its settings as core's `field(ENV, cfg.…, 'what it expects')`: they validate and
 *        document themselves, and join every app's config (HS_* env variables or HS_CONFIG_FILE);
 *      - create(config, context) → { source, deadLetters?, close }: `source` is a MessageSource whose
 *        `decode(message, inboundOptions)` turns each InboundMessage into readings or a reject reason
 *        (frame-based sources: core's decodeInbound; others build frames and check them with core's
 *        checkReadingFrames, so the site identity rule and the allow-lists hold for every source).
 *        Its messages carry `source: <kind>` (dead_letters.source, metric labels).
 *   2. Add it to SOURCES below.
 * Ingest, the predictor, the demo and the benches then build it through startSources (wiring.ts) when
 * HS_INGEST_SOURCES / HS_PREDICT_SOURCES name it, or when its enabledByDefault says so.
 */
import type { ConfigSpec } from '@headstream/core';
import { jsonSource } from './json.js';
import { kafkaSource } from './kafka.js';
import { mqttSource } from './mqtt.js';
import { opcuaSource } from './opcua.js';
import { sparkplugSource } from './sparkplug.js';
import type { SourceDefinition } from './types.js';

export const SOURCES = [
  mqttSource,
  kafkaSource,
  sparkplugSource,
  opcuaSource,
  jsonSource,
] as const;

type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void ? I : never;

/** Every registered source's config fields (an app spreads it into its config spec). */
export type SourcesConfigSpec = UnionToIntersection<(typeof SOURCES)[number]['configSpec']>;
export const sourcesConfigSpec = Object.assign({}, ...SOURCES.map((s) => s.configSpec)) as SourcesConfigSpec & ConfigSpec;

/** The registered kinds, e.g. for cfg.listOf(SOURCE_KINDS). */
export const SOURCE_KINDS = SOURCES.map((s) => s.kind) as [string, ...string[]];

/** The definition of a kind; throws naming the registered kinds if there is none. */
export function sourceDefinition(kind: string): SourceDefinition {
  const found = SOURCES.find((s) => s.kind === kind);
  if (!found) throw new Error(`unknown source kind ${JSON.stringify(kind)} (registered: ${SOURCE_KINDS.join(', ')})`);
  return found;
}
