import { commonConfigSpec, loadConfig, type ConfigOf } from '@headstream/core';
import { storeConfigSpec } from '@headstream/store';
import { checkTransportConfig, sourcesConfigSpec, transportConfigSpec } from '@headstream/transport';
import { trainingConfigSpec } from '@headstream/training';

/**
 * What the CLI reads: the shared settings plus the same MQTT/Kafka credentials and TLS as the
 * services (replay, simulate and selfcheck connect like ingest does) and HS_PG_SCHEMA (migrate).
 */
// sourcesConfigSpec: every registered source's settings, so selfcheck checks the sources configured (HS_SPARKPLUG_GROUPS, ...).
export const cliConfigSpec = { ...commonConfigSpec, ...transportConfigSpec, ...storeConfigSpec, ...trainingConfigSpec, ...sourcesConfigSpec };
export type CliConfig = ConfigOf<typeof cliConfigSpec>;

/** Loads and checks the CLI config; throws ConfigError (one line per problem). */
export function loadCliConfig(): CliConfig {
  const config = loadConfig(cliConfigSpec);
  checkTransportConfig(config);
  return config;
}
