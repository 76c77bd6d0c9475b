import { commonConfigSpec, loadConfig, type ConfigOf } from '@headstream/core';
import { engineConfigSpec, storeConfigSpec } from '@headstream/store';
import { trainingConfigSpec } from '@headstream/training';
import { checkTransportConfig, sourcesConfigSpec, transportConfigSpec } from '@headstream/transport';

/**
 * What the demo reads from the environment: the settings every app shares (with --stack: HS_PG_URL,
 * HS_MQTT_URL, HS_KAFKA_BROKERS, HS_TOPIC_ROOT), the same MQTT/Kafka credentials and TLS as the
 * services, HS_PG_SCHEMA, the embedded engine (HS_DB_ENGINE) and the guard's tolerance.
 */
export const demoConfigSpec = { ...commonConfigSpec, ...transportConfigSpec, ...storeConfigSpec, ...engineConfigSpec, ...sourcesConfigSpec, guardTolerance: trainingConfigSpec.guardTolerance };
export type DemoConfig = ConfigOf<typeof demoConfigSpec>;

/**
 * Loads and checks the config; throws ConfigError (one line per problem). Without `stack` the run is embedded and
 * reads only what it uses (topic root, limits, log level): HS_PG_URL, HS_MQTT_URL and HS_KAFKA_BROKERS name a
 * stack, which only --stack uses.
 */
export function loadDemoConfig(env: Record<string, string | undefined> = process.env, { stack = true }: { stack?: boolean } = {}): DemoConfig {
  const config = loadConfig(demoConfigSpec, { env: stack ? env : { ...env, HS_PG_URL: undefined, HS_MQTT_URL: undefined, HS_KAFKA_BROKERS: undefined } });
  checkTransportConfig(config);
  return config;
}
