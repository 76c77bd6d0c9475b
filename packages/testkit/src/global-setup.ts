import type { TestProject } from 'vitest/node';
import { startEmbeddedMqttBroker } from '@headstream/transport';
import { probeKafka, probeMqtt, probePostgres, serviceTargets, type TestServices } from './services.js';

/**
 * Probes the real services once per run and hands the result to every test file.
 * On a developer machine a missing service falls back to its embedded variant (or skips,
 * for Kafka) and is named here; with CI=true a missing service fails the whole run.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const ci = /^(1|true|yes)$/i.test(process.env.CI ?? '');
  const targets = serviceTargets();
  const [postgres, mqtt, kafka] = await Promise.all([
    probePostgres(targets.pgUrl),
    probeMqtt(targets.mqttUrl),
    probeKafka(targets.kafkaBrokers),
  ]);
  const broker = await startEmbeddedMqttBroker();
  const services: TestServices = {
    postgres: { ...postgres, url: targets.pgUrl },
    mqtt: { ...mqtt, url: targets.mqttUrl },
    kafka: { ...kafka, brokers: targets.kafkaBrokers },
    embeddedMqttUrl: broker.url,
    ci,
  };

  const line = (name: string, s: { available: boolean; target: string; detail: string }, fallback: string) =>
    s.available ? `  ${name}: real, ${s.target} (${s.detail})` : `  ${name}: ${fallback} — ${s.detail}`;
  console.error(
    [
      '[headstream tests] services:',
      line('postgres', postgres, 'NOT AVAILABLE, tests use embedded PGlite only'),
      line('mqtt', mqtt, 'NOT AVAILABLE, tests use the embedded aedes broker only'),
      line('kafka', kafka, 'SKIPPING Kafka tests'),
      `  embedded: PGlite in each test file; aedes broker at ${broker.url}`,
    ].join('\n'),
  );
  const missing = [postgres, mqtt, kafka].filter((s) => !s.available);
  if (ci && missing.length > 0) {
    await broker.close();
    throw new Error(`CI=true and a service is missing: ${missing.map((s) => s.detail).join('; ')}`);
  }
  project.provide('headstreamServices', services);
  return () => broker.close();
}
