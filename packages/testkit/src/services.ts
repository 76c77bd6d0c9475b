import { connectPostgres, type SqlClient } from '@headstream/store';
import { connectMqtt, createKafkaConnection } from '@headstream/transport';
import { tcpConnect } from './wait.js';

declare module 'vitest' {
  export interface ProvidedContext {
    headstreamServices: TestServices;
  }
}

/** What the integration tests run against, decided once per run by the global setup. */
export interface ServiceStatus {
  /** Whether the real service answered; otherwise `detail` says why not. */
  available: boolean;
  target: string;
  detail: string;
}

export interface TestServices {
  postgres: ServiceStatus & { url: string };
  mqtt: ServiceStatus & { url: string };
  kafka: ServiceStatus & { brokers: string[] };
  /** In-process aedes broker, always started, so the embedded variant is tested too. */
  embeddedMqttUrl: string;
  ci: boolean;
}

export const DEFAULT_TEST_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';
export const DEFAULT_TEST_MQTT_URL = 'mqtt://127.0.0.1:1883';
export const DEFAULT_TEST_KAFKA_BROKERS = '127.0.0.1:9092';

export function serviceTargets(env: Record<string, string | undefined> = process.env) {
  return {
    pgUrl: env.HS_PG_URL || DEFAULT_TEST_PG_URL,
    mqttUrl: env.HS_MQTT_URL || DEFAULT_TEST_MQTT_URL,
    kafkaBrokers: (env.HS_KAFKA_BROKERS || DEFAULT_TEST_KAFKA_BROKERS).split(',').map((s) => s.trim()).filter(Boolean),
  };
}

const message = (error: unknown): string => {
  if (error instanceof AggregateError && error.errors.length > 0) return message(error.errors[0]);
  return (error instanceof Error ? error.message || error.name : String(error)).split('\n')[0] ?? '';
};

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export async function probePostgres(url: string): Promise<ServiceStatus> {
  const target = new URL(url).host;
  let client: SqlClient | undefined;
  try {
    client = await withTimeout(connectPostgres({ url, applicationName: 'headstream-probe' }), 5_000, 'connect');
    const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
    return { available: true, target, detail: `PostgreSQL ${rows[0]?.v ?? '?'}` };
  } catch (error) {
    return { available: false, target, detail: `no PostgreSQL at ${target}: ${message(error)}` };
  } finally {
    await client?.close().catch(() => undefined);
  }
}

export async function probeMqtt(url: string): Promise<ServiceStatus> {
  const target = new URL(url).host;
  try {
    const client = await withTimeout(
      connectMqtt({ url, protocolVersion: 5, reconnectPeriodMs: 0, connectTimeoutMs: 3_000, clientId: `hs-probe-${process.pid}` }),
      5_000,
      'connect',
    );
    await client.endAsync();
    return { available: true, target, detail: 'MQTT 5 broker' };
  } catch (error) {
    return { available: false, target, detail: `no MQTT broker at ${target}: ${message(error)}` };
  }
}

export async function probeKafka(brokers: string[]): Promise<ServiceStatus> {
  const target = brokers.join(',');
  const kafka = createKafkaConnection({ brokers, clientId: 'hs-probe', connectionTimeoutMs: 3_000, retries: 1 });
  try {
    // A TCP check first: kafkajs would otherwise retry an absent broker for many seconds.
    await Promise.any(
      brokers.map((b) => {
        const at = b.lastIndexOf(':');
        return tcpConnect(b.slice(0, at), Number(b.slice(at + 1)));
      }),
    );
    const topics = await withTimeout(kafka.listTopics(), 10_000, 'metadata');
    return { available: true, target, detail: `Kafka broker (${topics.length} topics)` };
  } catch (error) {
    return { available: false, target, detail: `no Kafka broker at ${target}: ${message(error)} (start one: npm run kafka:start)` };
  } finally {
    await kafka.close().catch(() => undefined);
  }
}
