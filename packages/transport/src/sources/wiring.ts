import { ConfigError, type ConfigOf } from '@headstream/core';
import type { MessagePublisher, MessageSource } from '../source.js';
import { SOURCES, sourceDefinition, type SourcesConfigSpec } from './registry.js';
import type { BuiltSource, SourceContext } from './types.js';

/** Every registered source's settings, as loaded (an app's config includes them: sourcesConfigSpec). */
export type SourcesConfig = ConfigOf<SourcesConfigSpec>;

export interface StartedSources {
  /** The kinds built, in the order asked. */
  kinds: string[];
  built: BuiltSource[];
  /** The MessageSources, for the ingest pipeline or the predictor (they start and stop them). */
  sources: MessageSource[];
  /** Dead-letter topic publishers by source kind (only with context.deadLetters). */
  deadLetterPublishers: Record<string, MessagePublisher>;
  /** Closes what the sources opened besides themselves (call after stopping the sources). */
  close(): Promise<void>;
}

/** The kinds an app runs: its list (HS_INGEST_SOURCES, HS_PREDICT_SOURCES) or each source's default. */
export function sourceKindsOf(list: readonly string[] | undefined, config: SourcesConfig, app: string): string[] {
  if (list !== undefined) {
    for (const kind of list) sourceDefinition(kind);
    return [...list];
  }
  return SOURCES.filter((s) => s.enabledByDefault(config, app)).map((s) => s.kind);
}

/** Config problems of the sources an app runs (one line each, naming the variable). */
export function sourcesConfigProblems(kinds: readonly string[], config: SourcesConfig, app: string): { key: string; line: string }[] {
  return kinds.flatMap((kind) => sourceDefinition(kind).configProblems?.(config, app) ?? []);
}

/**
 * The one wiring of sources, for ingest, the predictor, the demo and the benches: builds each kind
 * (its MessageSource with its decoder, and its dead-letter publisher when asked). A config problem
 * is a ConfigError naming the variable; on any failure what was built is closed again.
 */
export async function startSources(kinds: readonly string[], config: SourcesConfig, context: SourceContext): Promise<StartedSources> {
  const problems = sourcesConfigProblems(kinds, config, context.app);
  if (problems.length > 0) throw new ConfigError(problems);
  const built: BuiltSource[] = [];
  const close = async () => {
    for (const b of built.reverse()) await b.close().catch((error: unknown) => context.log.warn({ err: error, source: b.source.kind }, 'error while closing a source'));
  };
  try {
    for (const kind of kinds) built.push(await sourceDefinition(kind).create(config, context));
  } catch (error) {
    await close();
    throw error;
  }
  const deadLetterPublishers: Record<string, MessagePublisher> = {};
  for (const b of built) if (b.deadLetters) deadLetterPublishers[b.source.kind] = b.deadLetters;
  return { kinds: [...kinds], built: [...built], sources: built.map((b) => b.source), deadLetterPublishers, close };
}
