import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { connectPostgres, openPglite, quoteIdent, type SqlClient } from '@headstream/store';
import { inject, type TestContext } from 'vitest';
import type { TestServices } from './services.js';

export type { ServiceStatus, TestServices } from './services.js';

/** The services probed by the global setup (integration project only). */
export function testServices(): TestServices {
  const services = inject('headstreamServices');
  if (services === undefined) throw new Error('no headstreamServices: run this test in the "integration" vitest project');
  return services;
}

export interface TestDatabase extends SqlClient {
  /** Drops the isolated schema (real PostgreSQL) or the in-memory database (PGlite), then closes. */
  dispose(): Promise<void>;
}

/** A unique schema name for one test file: t_<file>_<random>, within PostgreSQL's 63 characters. */
export function testSchemaName(label: string): string {
  const slug = basename(label).replace(/\.[^.]*$/, '').replace(/[^A-Za-z0-9]+/g, '_').toLowerCase().slice(0, 40);
  return `t_${slug}_${randomBytes(4).toString('hex')}`;
}

/** An isolated schema on the real PostgreSQL; its tables vanish on dispose. */
export async function realDatabase(label: string): Promise<TestDatabase> {
  const services = testServices();
  if (!services.postgres.available) throw new Error(services.postgres.detail);
  const schema = testSchemaName(label);
  const client = await connectPostgres({ url: services.postgres.url, schema, applicationName: `hs-test-${schema}` });
  return Object.assign(Object.create(client) as SqlClient, {
    async dispose() {
      try {
        await client.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
      } finally {
        await client.close();
      }
    },
  });
}

/** A fresh in-memory PGlite database. */
export async function embeddedDatabase(): Promise<TestDatabase> {
  const client = await openPglite();
  return Object.assign(Object.create(client) as SqlClient, { dispose: () => client.close() });
}

/**
 * The databases a store test should run against: always embedded PGlite, plus the real
 * PostgreSQL when it is there (the global setup already failed the run if CI lacks it).
 */
export function databaseTargets(): { name: 'postgres' | 'pglite'; open: (label: string) => Promise<TestDatabase> }[] {
  const targets: { name: 'postgres' | 'pglite'; open: (label: string) => Promise<TestDatabase> }[] = [
    { name: 'pglite', open: () => embeddedDatabase() },
  ];
  if (testServices().postgres.available) targets.unshift({ name: 'postgres', open: realDatabase });
  return targets;
}

/** MQTT brokers to test against: the embedded aedes one always, the real one when present. */
export function mqttTargets(): { name: 'mosquitto' | 'embedded'; url: string; protocolVersion: 4 | 5 }[] {
  const services = testServices();
  const targets: { name: 'mosquitto' | 'embedded'; url: string; protocolVersion: 4 | 5 }[] = [
    { name: 'embedded', url: services.embeddedMqttUrl, protocolVersion: 4 },
  ];
  if (services.mqtt.available) targets.unshift({ name: 'mosquitto', url: services.mqtt.url, protocolVersion: 5 });
  return targets;
}

/**
 * Requires a real service for this test: returns its address, or skips the test naming why
 * (never in CI, where a missing service fails instead).
 */
export function realServiceOrSkip(ctx: TestContext, name: 'postgres' | 'mqtt'): string {
  const services = testServices();
  const status = services[name];
  if (status.available) return status.url;
  skipOrFailInCi(ctx, status.detail);
  return '';
}

/** Kafka brokers, or skips the test naming why (never in CI: the global setup fails first). */
export function kafkaBrokersOrSkip(ctx: TestContext): string[] {
  const { kafka } = testServices();
  if (kafka.available) return kafka.brokers;
  skipOrFailInCi(ctx, kafka.detail);
  return [];
}

/** Skips the test naming what is missing; in CI, where nothing may skip, fails with that reason instead. */
export function skipOrFailInCi(ctx: TestContext, detail: string): void {
  if (testServices().ci) throw new Error(detail);
  ctx.skip(detail);
}

/** A name unique to this run, for topics, groups and client ids. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}
export { runNodeScript, spawnNodeScript, type NodeProcess, type ProcessRun } from './run-process.js';
export { tcpConnect, waitUntil } from './wait.js';
export { freePort, mosquittoBinary, postgresBinDir, startScratchMosquitto, startScratchPostgres, type ScratchMosquitto, type ScratchPostgres } from './scratch-services.js';
