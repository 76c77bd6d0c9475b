import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it, type TestContext } from 'vitest';
import { mqttTopic } from '@headstream/core';
import { freePort, mosquittoBinary, realDatabase, realServiceOrSkip, runNodeScript, skipOrFailInCi, spawnNodeScript, tcpConnect, uniqueName, waitUntil, type TestDatabase } from '@headstream/testkit';
import { migrate } from '@headstream/store';
import { connectMqtt, type MqttClient } from '@headstream/transport';

// Hardening item 5 on the REAL Mosquitto: a password file and an ACL, and Headstream's clients
// (the CLI publishers and ingest) using credentials from the same settings (HS_MQTT_USERNAME/PASSWORD).

const run = promisify(execFile);
const require = createRequire(import.meta.url);
const binary = (pkg: string) => require.resolve(`${pkg}/package.json`).replace(/package\.json$/, 'dist/main.js');
const CLI = binary('@headstream/cli');
const INGEST = binary('@headstream/ingest');

const ROOT = 'hs';
const USERS = { admin: 'admin-pw', ingest: 'ingest-pw', 'site-7': 'device-pw' } as const;
// The deployment's ACL (README, Security): devices publish only their own site's readings (user
// name = site), ingest reads readings and writes dead letters, nothing else.
const ACL = [
  'user admin',
  'topic readwrite #',
  'user ingest',
  `topic read ${ROOT}/v1/readings/#`,
  `topic write ${ROOT}/v1/deadletter`,
  `pattern write ${ROOT}/v1/readings/+/%u`,
  '',
].join('\n');

interface Broker {
  url: string;
  dispose(): Promise<void>;
}

/** A Mosquitto of the test's own: password file, ACL, no anonymous clients. */
async function startAuthMosquitto(): Promise<Broker> {
  const bin = mosquittoBinary();
  if (!bin) throw new Error('mosquitto is not installed');
  const dir = mkdtempSync(join(tmpdir(), 'hs-mosquitto-auth-'));
  chmodSync(dir, 0o755);
  const passwords = join(dir, 'passwd');
  writeFileSync(passwords, '');
  for (const [user, password] of Object.entries(USERS)) await run('mosquitto_passwd', ['-b', passwords, user, password]);
  chmodSync(passwords, 0o600);
  const acl = join(dir, 'acl');
  writeFileSync(acl, ACL);
  chmodSync(acl, 0o600);
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [`listener ${port} 127.0.0.1`, 'allow_anonymous false', `password_file ${passwords}`, `acl_file ${acl}`, 'log_dest none', ...(userInfo().uid === 0 ? ['user root'] : []), ''].join('\n'),
  );
  const child: ChildProcess = spawn(bin, ['-c', conf], { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  await Promise.race([
    waitUntil(() => tcpConnect('127.0.0.1', port).then(() => true, () => false), `Mosquitto on ${port}`, 15_000, 100),
    exited.then(() => {
      throw new Error('mosquitto exited at start');
    }),
  ]);
  return {
    url: `mqtt://127.0.0.1:${port}`,
    async dispose() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

let broker: Broker | undefined;
beforeAll(async () => {
  if (mosquittoBinary()) broker = await startAuthMosquitto();
});
afterAll(async () => {
  await broker?.dispose();
});
const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

function brokerOrSkip(ctx: TestContext): Broker {
  if (!broker) skipOrFailInCi(ctx, 'no mosquitto binary to run a broker with a password file and an ACL');
  return broker as Broker;
}

async function client(url: string, user?: keyof typeof USERS, onMessage?: (topic: string, payload: Buffer) => void): Promise<MqttClient> {
  const c = await connectMqtt({
    url,
    reconnectPeriodMs: 0,
    connectTimeoutMs: 10_000,
    clientId: uniqueName(user ?? 'anon'),
    ...(user ? { username: user, password: USERS[user] } : {}),
    ...(onMessage ? { onMessage } : {}),
  });
  cleanups.push(() => c.endAsync());
  return c;
}

const topic = (site: string) => mqttTopic({ kind: 'readings', domain: 'city', site }, ROOT);

describe('Mosquitto with a password file and an ACL', () => {
  it('refuses a client without credentials, and one with a wrong password', { timeout: 60_000 }, async (ctx) => {
    const { url } = brokerOrSkip(ctx);
    await expect(client(url)).rejects.toThrow(/Not authorized|Bad User Name or Password/i);
    await expect(connectMqtt({ url, reconnectPeriodMs: 0, username: 'site-7', password: 'wrong' })).rejects.toThrow(/Not authorized|Bad User Name or Password/i);
  });

  it('a device user publishes only its own site: another site\'s publish is not delivered', { timeout: 60_000 }, async (ctx) => {
    const { url } = brokerOrSkip(ctx);
    const got: string[] = [];
    const sub = await client(url, 'ingest', (t) => got.push(t));
    expect((await sub.subscribeAsync(`${ROOT}/v1/readings/#`, { qos: 1 }))[0]?.qos).toBe(1);
    const device = await client(url, 'site-7');
    // Refused (MQTT 5 PUBACK "not authorized") or dropped: either way never delivered.
    await device.publishAsync(topic('site-8'), 'spoofed', { qos: 1 }).catch(() => undefined);
    await device.publishAsync(topic('site-7'), 'own', { qos: 1 });
    // In order on one connection: once "own" arrived, "spoofed" would have arrived before it.
    await waitUntil(() => got.includes(topic('site-7')), 'the own-site reading to arrive', 20_000);
    expect(got).toEqual([topic('site-7')]);
  });

  it('the ingest user may subscribe to readings but not publish predictions', { timeout: 60_000 }, async (ctx) => {
    const { url } = brokerOrSkip(ctx);
    const got: string[] = [];
    const admin = await client(url, 'admin', (t) => got.push(t));
    await admin.subscribeAsync('#', { qos: 1 });
    const ingest = await client(url, 'ingest');
    const granted = await ingest.subscribeAsync(`$share/ingest/${ROOT}/v1/readings/+/+`, { qos: 1 });
    expect(granted[0]?.qos).toBe(1);
    const predictions = mqttTopic({ kind: 'predictions', task: 'traffic', site: 's1' }, ROOT);
    await ingest.publishAsync(predictions, 'forged', { qos: 1 }).catch(() => undefined);
    await ingest.publishAsync(`${ROOT}/v1/deadletter`, 'marker', { qos: 1 });
    await waitUntil(() => got.includes(`${ROOT}/v1/deadletter`), 'the marker to arrive', 20_000);
    expect(got).toEqual([`${ROOT}/v1/deadletter`]);
  });

  it('the CLI publishers use HS_MQTT_USERNAME / HS_MQTT_PASSWORD: replay as the device user reaches a subscriber', { timeout: 90_000 }, async (ctx) => {
    const { url } = brokerOrSkip(ctx);
    const got: string[] = [];
    const sub = await client(url, 'admin', (t) => got.push(t));
    await sub.subscribeAsync(`${ROOT}/v1/readings/#`, { qos: 1 });
    const dir = mkdtempSync(join(tmpdir(), 'hs-auth-csv-'));
    cleanups.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
    const csv = join(dir, 'r.csv');
    writeFileSync(csv, 'time,v\n2024-01-01T00:00:00Z,1\n2024-01-01T00:01:00Z,2\n');
    const args = ['replay', csv, '--format', 'csv', '--domain', 'city', '--site', 'site-7', '--time-column', 'time', '--metrics', 'v', '--to', 'mqtt'];
    const replay = await runNodeScript(CLI, args, { HS_MQTT_URL: url, HS_MQTT_USERNAME: 'site-7', HS_MQTT_PASSWORD: USERS['site-7'] }, 80_000);
    expect(replay.stderr).not.toMatch(/headstream:|error/i);
    expect(replay.code).toBe(0);
    await waitUntil(() => got.includes(topic('site-7')), 'the replayed reading to arrive', 20_000);
    // Without credentials the CLI is refused, saying so in one line.
    const anonymous = await runNodeScript(CLI, args, { HS_MQTT_URL: url }, 80_000);
    expect(anonymous.code).toBe(1);
    expect(anonymous.stderr).toMatch(/^headstream: .*(Not authorized|Bad User Name or Password)/i);
  });

  it('ingest with the ingest user (HS_MQTT_USERNAME / HS_MQTT_PASSWORD) stores a device\'s readings', { timeout: 150_000 }, async (ctx) => {
    const { url } = brokerOrSkip(ctx);
    realServiceOrSkip(ctx, 'postgres');
    const db: TestDatabase = await realDatabase('mqtt-auth');
    cleanups.push(() => db.dispose());
    await migrate(db);
    const env = (user: keyof typeof USERS) => ({
      HS_PG_URL: realServiceOrSkip(ctx, 'postgres'),
      HS_PG_SCHEMA: db.schema,
      HS_MQTT_URL: url,
      HS_MQTT_USERNAME: user,
      HS_MQTT_PASSWORD: USERS[user],
      HS_INGEST_SOURCES: 'mqtt',
      HS_MQTT_CLIENT_ID: uniqueName('ingest'),
      HS_LOG_LEVEL: 'warn',
    });

    const port = await freePort();
    const ingest = spawnNodeScript(INGEST, [], { ...env('ingest'), HS_HTTP_PORT: String(port) });
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
    const device = await client(url, 'site-7');
    await device.publishAsync(topic('site-7'), JSON.stringify({ site: 'site-7', ts: '2024-01-01T00:00:00Z', values: { v: 1 } }), { qos: 1 });
    await waitUntil(async () => (await db.query('SELECT 1 FROM readings')).rowCount === 1, `the reading to be stored; ingest output:\n${ingest.output()}`, 30_000);
  });
});
