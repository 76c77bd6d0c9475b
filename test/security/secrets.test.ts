import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, realServiceOrSkip, runNodeScript } from '@headstream/testkit';

// Hardening item 6: a password in HS_PG_URL / HS_MQTT_URL / HS_KAFKA_PASSWORD never reaches any
// output (stdout or stderr: logs, summaries, tables, config errors) of the CLI or the ingest service.

const require = createRequire(import.meta.url);
const binary = (pkg: string) => require.resolve(`${pkg}/package.json`).replace(/package\.json$/, 'dist/main.js');
const CLI = binary('@headstream/cli');
const INGEST = binary('@headstream/ingest');

const PLANTED = 'S3cr3t-planted';
const PG_UNREACHABLE = `postgres://hs:${PLANTED}@127.0.0.1:1/x`;
const MQTT_UNREACHABLE = `mqtt://dev:${PLANTED}@127.0.0.1:1`;

let dir: string;
let csv: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'hs-secrets-'));
  csv = join(dir, 'readings.csv');
  writeFileSync(csv, 'time,v\n2024-01-01T00:00:00Z,1\n2024-01-01T00:01:00Z,2\n');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const csvArgs = () => [csv, '--format', 'csv', '--domain', 'city', '--site', 's1', '--time-column', 'time', '--metrics', 'v'];

/** Runs a built entry point; returns stdout+stderr, which must not hold the planted password. */
async function allOutput(script: string, args: string[], env: Record<string, string>): Promise<{ code: number | null; out: string }> {
  const run = await runNodeScript(script, args, { HS_LOG_LEVEL: 'debug', ...env }, 50_000);
  return { code: run.code, out: `${run.stdout}${run.stderr}` };
}

describe('a planted password is never printed', () => {
  it.for([
    ['config', ['config'], { HS_PG_URL: PG_UNREACHABLE, HS_MQTT_URL: MQTT_UNREACHABLE, HS_KAFKA_PASSWORD: PLANTED }],
    ['selfcheck (table)', ['selfcheck'], { HS_PG_URL: PG_UNREACHABLE, HS_MQTT_URL: MQTT_UNREACHABLE }],
    ['selfcheck --json', ['selfcheck', '--json'], { HS_PG_URL: PG_UNREACHABLE, HS_MQTT_URL: MQTT_UNREACHABLE }],
    ['replay --to mqtt, broker unreachable', ['replay', ...csvArgs(), '--to', 'mqtt'], { HS_MQTT_URL: MQTT_UNREACHABLE }],
    ['migrate, database unreachable', ['migrate'], { HS_PG_URL: PG_UNREACHABLE }],
    ['migrate, a URL with a bad port (config error)', ['migrate'], { HS_PG_URL: `postgres://hs:${PLANTED}@127.0.0.1:99999/x` }],
    ['migrate, not a postgres URL (config error)', ['migrate'], { HS_PG_URL: `http://hs:${PLANTED}@127.0.0.1/x` }],
    ['config, a bad MQTT URL (config error)', ['config'], { HS_MQTT_URL: `mqtt://dev:${PLANTED}@127.0.0.1:1:2` }],
  ] as const)('CLI %s', { timeout: 60_000 }, async ([, args, env]) => {
    const { out } = await allOutput(CLI, [...args], { ...env });
    expect(out.length).toBeGreaterThan(0);
    expect(out).not.toContain(PLANTED);
  });

  it.for([
    ['database unreachable', { HS_PG_URL: PG_UNREACHABLE, HS_MQTT_URL: MQTT_UNREACHABLE }],
    ['config error', { HS_PG_URL: `postgres://hs:${PLANTED}@127.0.0.1:99999/x` }],
  ] as const)('ingest failing to start: %s', { timeout: 60_000 }, async ([, env]) => {
    const { code, out } = await allOutput(INGEST, [], { ...env, HS_HTTP_PORT: String(await freePort()), HS_INGEST_SOURCES: 'mqtt' });
    expect(code).not.toBe(0);
    expect(out).not.toContain(PLANTED);
  });

  it('ingest failing to start on an unreachable broker, the database reachable with a password', { timeout: 60_000 }, async (ctx) => {
    const pg = new URL(realServiceOrSkip(ctx, 'postgres'));
    pg.password = PLANTED; // trust authentication ignores it; it must still never be printed
    const { code, out } = await allOutput(INGEST, [], {
      HS_PG_URL: pg.toString(),
      HS_MQTT_URL: MQTT_UNREACHABLE,
      HS_HTTP_PORT: String(await freePort()),
      HS_INGEST_SOURCES: 'mqtt',
    });
    expect(code).not.toBe(0);
    expect(out).not.toContain(PLANTED);
    expect(out).toMatch(/\*\*\*/); // the URL was there, masked
  });
});
