import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { connectPostgres, openPglite, quoteIdent, schemaRolesFor, type EmbeddedEngine, type SqlClient } from '@headstream/store';
import { describe, inject, it, type TestContext } from 'vitest';
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
        // Migrations create this schema's own roles (cluster-wide objects): drop them too, or they pile up.
        for (const role of schemaRolesFor(schema)) {
          const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
          if (exists.rowCount === 0) continue;
          await client.query(`DROP OWNED BY ${quoteIdent(role)}`);
          await client.query(`DROP ROLE ${quoteIdent(role)}`);
        }
      } finally {
        await client.close();
      }
    },
  });
}

/** A fresh in-memory PGlite database (plain, or the build with TimescaleDB). */
export async function embeddedDatabase(engine: EmbeddedEngine = 'pglite'): Promise<TestDatabase> {
  const client = await openPglite({ engine });
  return Object.assign(Object.create(client) as SqlClient, { dispose: () => client.close() });
}

/** A place a test runs against; `missing` says why the real service is not there (then nothing runs on it). */
export interface TestTarget {
  name: string;
  missing?: string;
}

export interface DatabaseTarget extends TestTarget {
  name: 'postgres' | 'pglite' | 'timescale';
  open: (label: string) => Promise<TestDatabase>;
}

export interface MqttTarget extends TestTarget {
  name: 'mosquitto' | 'embedded';
  url: string;
  protocolVersion: 4 | 5;
}

const missingReason = (status: { available: boolean; detail: string }) => (status.available ? {} : { missing: status.detail });

/**
 * The databases a store test should run against: the real PostgreSQL (with `missing` set when it is
 * not there) and always embedded PGlite (and PGlite with TimescaleDB when asked). Run suites over them with describeEachTarget, which reports
 * a missing one as a skipped test naming why (in CI the global setup has already failed the run).
 */
export function databaseTargets(options: { timescale?: boolean } = {}): DatabaseTarget[] {
  return [
    { name: 'postgres', open: realDatabase, ...missingReason(testServices().postgres) },
    { name: 'pglite', open: () => embeddedDatabase() },
    // The query surface (store, history, dashboards, live view, alerts) also runs on PGlite with TimescaleDB.
    ...(options.timescale ? [{ name: 'timescale' as const, open: () => embeddedDatabase('timescale') }] : []),
  ];
}

/** MQTT brokers to test against: the real one (with `missing` when absent) and always the embedded aedes one. */
export function mqttTargets(): MqttTarget[] {
  const services = testServices();
  return [
    { name: 'mosquitto', url: services.mqtt.url, protocolVersion: 5, ...missingReason(services.mqtt) },
    { name: 'embedded', url: services.embeddedMqttUrl, protocolVersion: 4 },
  ];
}

/** The first target that is there (the real service when present, else the embedded one). */
export function firstAvailable<T extends TestTarget>(targets: readonly T[]): T {
  const target = targets.find((t) => t.missing === undefined);
  if (!target) throw new Error(`no target available: ${targets.map((t) => `${t.name}: ${t.missing ?? ''}`).join('; ')}`);
  return target;
}

/**
 * describe() per target, "$name" in the title replaced by its name. A missing target's suite holds
 * one test that skips naming why off CI and fails in CI, so a real-service variant never drops out silently.
 */
export function describeEachTarget<T extends TestTarget>(targets: readonly T[], title: string, body: (target: T) => void): void {
  for (const target of targets) {
    const name = title.replaceAll('$name', target.name);
    const missing = target.missing;
    if (missing === undefined) describe(name, () => body(target));
    else describe(name, () => it(`needs ${target.name}`, (ctx) => skipOrFailInCi(ctx, missing)));
  }
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
export { runNodeScript, spawnNodeScript, startHealthyService, type HealthyService, type NodeProcess, type ProcessRun } from './run-process.js';
export { tcpConnect, waitUntil } from './wait.js';
export { freePort, mosquittoBinary, postgresBinDir, startScratchMosquitto, startScratchPostgres, type ScratchMosquitto, type ScratchPostgres } from './scratch-services.js';
export { compareStoredReadings, diffReadings, readingsOfMessage, storedReadings, type ReadingRow, type ReadingsDiff } from './readings.js';
