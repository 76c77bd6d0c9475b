import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it } from 'vitest';
import { mqttTopic } from '@headstream/core';
import * as store from '@headstream/store';
import { connectPostgres, migrate, quoteIdent, type SqlClient } from '@headstream/store';
import { freePort, realServiceOrSkip, runNodeScript, spawnNodeScript, testSchemaName, uniqueName, waitUntil } from '@headstream/testkit';
import { connectMqtt } from '@headstream/transport';

// Hardening item 7: ingest runs least-privileged. `headstream migrate` (the owner) migrates; the
// service only checks the schema version and refuses to start when it is behind; roles are per
// schema; a migration that cannot apply fails loudly and is not recorded.

const require = createRequire(import.meta.url);
const binary = (pkg: string) => require.resolve(`${pkg}/package.json`).replace(/package\.json$/, 'dist/main.js');
const CLI = binary('@headstream/cli');
const INGEST = binary('@headstream/ingest');

// Role names as this build derives them from the schema (absent before the fix: the shared role).
const ingestRole = (schema: string): string => (store as { ingestRoleFor?: (s: string) => string }).ingestRoleFor?.(schema) ?? store.INGEST_ROLE;
const readerRole = (schema: string): string => (store as { readerRoleFor?: (s: string) => string }).readerRoleFor?.(schema) ?? store.READER_ROLE;
// Every role migrations create for a schema (migration 6 added the trainer and predictor roles).
const schemaRoles = (schema: string): string[] => (store as { schemaRolesFor?: (s: string) => string[] }).schemaRolesFor?.(schema) ?? [ingestRole(schema), readerRole(schema)];

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

/** The owner's connection (the test cluster's superuser) on a fresh schema, dropped with its roles after the test. */
async function ownerOnFreshSchema(url: string, label: string): Promise<{ owner: SqlClient; schema: string }> {
  const schema = testSchemaName(label);
  const owner = await connectPostgres({ url, schema });
  cleanups.push(async () => {
    await owner.query(`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`);
    for (const role of schemaRoles(schema)) {
      if (role === store.INGEST_ROLE || role === store.READER_ROLE) continue; // shared (old build): leave it
      await owner.query(`DROP OWNED BY ${quoteIdent(role)}`).catch(() => undefined);
      await owner.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`);
    }
    await owner.close();
  });
  return { owner, schema };
}

async function loginRole(owner: SqlClient, inRole?: string): Promise<string> {
  const login = `hs_t_login_${randomBytes(4).toString('hex')}`;
  await owner.query(`CREATE ROLE ${login} LOGIN${inRole ? ` IN ROLE ${quoteIdent(inRole)}` : ''}`);
  cleanups.push(async () => {
    await owner.query(`DROP OWNED BY ${login}`);
    await owner.query(`DROP ROLE ${login}`);
  });
  return login;
}

const as = (url: string, user: string) => {
  const u = new URL(url);
  u.username = user;
  u.password = '';
  return u.toString();
};

describe('ingest as a least-privileged role', () => {
  it('refuses to start on a schema that is behind (one line, exit code 4), and ingests after `headstream migrate` as the owner', { timeout: 180_000 }, async (ctx) => {
    const pgUrl = realServiceOrSkip(ctx, 'postgres');
    const mqttUrl = realServiceOrSkip(ctx, 'mqtt');
    const { owner, schema } = await ownerOnFreshSchema(pgUrl, 'least-priv');
    const root = uniqueName('lp').replace(/-/g, '_');
    const env = (user: string, port: number) => ({
      HS_PG_URL: as(pgUrl, user),
      HS_PG_SCHEMA: schema,
      HS_MQTT_URL: mqttUrl,
      HS_INGEST_SOURCES: 'mqtt',
      HS_TOPIC_ROOT: root,
      HS_MQTT_CLIENT_ID: uniqueName('ingest'),
      HS_HTTP_PORT: String(port),
      HS_LOG_LEVEL: 'warn',
    });

    // Before any migration: a login with no rights at all. The service must not try to migrate.
    const early = await runNodeScript(INGEST, [], env(await loginRole(owner), await freePort()), 60_000);
    expect({ code: early.code, stderr: early.stderr.trim() }).toEqual({
      code: 4,
      stderr: `database schema "${schema}" is at version 0, this build needs ${store.MIGRATIONS.at(-1)?.version}: run \`headstream migrate\` as the schema owner (same HS_PG_SCHEMA) before starting services`,
    });

    // The owner migrates.
    const migrated = await runNodeScript(CLI, ['migrate'], { HS_PG_URL: pgUrl, HS_PG_SCHEMA: schema }, 60_000);
    expect(migrated.stderr).toBe('');
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toContain(`schema ${schema} at version ${store.MIGRATIONS.at(-1)?.version}`);

    // A login that is only a member of this schema's ingest role.
    const login = await loginRole(owner, ingestRole(schema));
    const port = await freePort();
    const ingest = spawnNodeScript(INGEST, [], env(login, port));
    cleanups.push(async () => {
      if (ingest.child.exitCode === null) ingest.child.kill('SIGKILL');
      await ingest.exited;
    });
    await waitUntil(
      async () => {
        if (ingest.child.exitCode !== null) throw new Error(`ingest exited: ${ingest.output()}`);
        return (await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined))?.status === 200;
      },
      'ingest /healthz to answer 200',
      60_000,
      100,
    );
    const pub = await connectMqtt({ url: mqttUrl });
    cleanups.push(() => pub.endAsync());
    const frames = JSON.stringify([{ site: 's1', ts: '2024-01-01T00:00:00Z', values: { flow: 1, speed: 2 } }]);
    await pub.publishAsync(mqttTopic({ kind: 'readings', domain: 'city', site: 's1' }, root), frames, { qos: 1 });
    await pub.publishAsync(mqttTopic({ kind: 'readings', domain: 'city', site: 's1' }, root), 'not json', { qos: 1 });
    await waitUntil(async () => (await owner.query('SELECT 1 FROM readings')).rowCount === 2, `the readings to be stored; ingest output:\n${ingest.output()}`, 30_000);
    await waitUntil(async () => (await owner.query('SELECT 1 FROM dead_letters')).rowCount === 1, 'the bad message to be dead-lettered', 30_000);

    // What the login may not do.
    const asLogin = await connectPostgres({ url: as(pgUrl, login), schema, createSchema: false });
    cleanups.push(() => asLogin.close());
    await expect(asLogin.query('DELETE FROM readings')).rejects.toThrow(/permission denied/);
    await expect(asLogin.query('CREATE TABLE x (i int)')).rejects.toThrow(/permission denied/);
    await expect(asLogin.query('SELECT * FROM model_versions')).rejects.toThrow(/permission denied/);
  });

  it('two schemas in one cluster have separate roles: one schema\'s ingest role cannot read the other', { timeout: 60_000 }, async (ctx) => {
    const pgUrl = realServiceOrSkip(ctx, 'postgres');
    const a = await ownerOnFreshSchema(pgUrl, 'roles-a');
    const b = await ownerOnFreshSchema(pgUrl, 'roles-b');
    await migrate(a.owner);
    await migrate(b.owner);
    expect(ingestRole(a.schema)).not.toBe(ingestRole(b.schema));
    const login = await loginRole(a.owner, ingestRole(a.schema));
    const onB = await connectPostgres({ url: as(pgUrl, login), schema: b.schema, createSchema: false });
    cleanups.push(() => onB.close());
    await expect(onB.query(`SELECT * FROM ${quoteIdent(b.schema)}.readings`)).rejects.toThrow(/permission denied/);
  });
});

describe('a migration that cannot apply', () => {
  it('fails loudly and is not recorded (migrations 4 and 6: the owner may not create the roles), then applies once they exist', { timeout: 60_000 }, async (ctx) => {
    const pgUrl = realServiceOrSkip(ctx, 'postgres');
    const { owner: admin, schema } = await ownerOnFreshSchema(pgUrl, 'no-createrole');
    // An owner without CREATEROLE, owning the schema.
    const ownerRole = await loginRole(admin);
    await admin.query(`ALTER SCHEMA ${quoteIdent(schema)} OWNER TO ${ownerRole}`);
    const owner = await connectPostgres({ url: as(pgUrl, ownerRole), schema, createSchema: false });
    cleanups.push(() => owner.close());

    await expect(migrate(owner)).rejects.toThrow(new RegExp(`${ingestRole(schema)}.* may not create roles`));
    const recorded = (await owner.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY 1')).rows.map((r) => r.version);
    expect(recorded).toEqual([1, 2, 3]);

    // An administrator creates the roles of migration 4; the owner's migration applies 4 and 5, and
    // stops at 6 naming the roles that one needs (trainer, predictor), unrecorded.
    for (const role of [ingestRole(schema), readerRole(schema)]) await admin.query(`CREATE ROLE ${quoteIdent(role)} NOLOGIN`);
    const later = schemaRoles(schema).slice(2);
    if (later.length > 0) {
      await expect(migrate(owner)).rejects.toThrow(new RegExp(`${later.join(', ')} do not exist and .* may not create roles`));
      const recordedNow = (await owner.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY 1')).rows.map((r) => r.version);
      expect(recordedNow).toEqual([1, 2, 3, 4, 5]);
      for (const role of later) await admin.query(`CREATE ROLE ${quoteIdent(role)} NOLOGIN`);
    }
    await migrate(owner);
    const all = (await owner.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY 1')).rows.map((r) => r.version);
    expect(all).toEqual(store.MIGRATIONS.map((m) => m.version));
  });
});
