import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { migrate } from '@headstream/store';
import { realDatabase, realServiceOrSkip, startHealthyService, testServices, uniqueName, waitUntil, type TestDatabase } from '@headstream/testkit';

const require = createRequire(import.meta.url);
const INGEST = require.resolve('@headstream/ingest/package.json').replace(/package\.json$/, 'dist/main.js');
const CLI = require.resolve('@headstream/cli/package.json').replace(/package\.json$/, 'dist/main.js');
const run = promisify(execFile);

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

/**
 * Issue #22 item 3: vendor JSON on the vendor's own topics, mapped by HS_JSON_SOURCES_CONFIG, published
 * with the real mosquitto_pub client to real Mosquitto and stored by the ingest service in PostgreSQL:
 * mapped readings stored exactly (value, time and site by JSON pointer; the metric from the topic), a
 * bare-number topic timed at receipt; a topic no template matches, a payload without the mapped value,
 * a non-number, and a payload naming another site than its topic are dead-lettered with their reasons.
 */
describe('mapped JSON topics end to end', () => {
  it('stores mapped and bare-number readings; dead-letters non-matching, bad and spoofed messages', { timeout: 60_000 }, async (ctx) => {
    const mqtt = realServiceOrSkip(ctx, 'mqtt');
    realServiceOrSkip(ctx, 'postgres');
    const db: TestDatabase = await realDatabase('e2e-json');
    cleanups.push(() => db.dispose());
    await migrate(db);

    const p = uniqueName('vendor').replace(/-/g, '_');
    const dir = mkdtempSync(join(tmpdir(), 'hs-json-'));
    cleanups.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
    const configFile = join(dir, 'json-sources.json');
    writeFileSync(
      configFile,
      JSON.stringify({
        topics: [
          { topic: `${p}/plant/{site}/{metric}`, domain: 'factory', payload: { value: '/v', time: '/ts', site: '/device/site' } },
          { topic: `${p}/meter/{site}/{metric}`, domain: 'factory' },
        ],
      }),
    );
    const ingest = await startHealthyService(INGEST, {
      HS_MQTT_URL: mqtt,
      HS_PG_URL: testServices().postgres.url,
      HS_PG_SCHEMA: db.schema,
      HS_INGEST_SOURCES: 'json',
      HS_JSON_SOURCES_CONFIG: configFile,
      HS_MQTT_CLIENT_ID: uniqueName('ingest'),
    });
    cleanups.push(() => ingest.stop());

    const url = new URL(mqtt);
    const pub = (topic: string, message: string) => run('mosquitto_pub', ['-h', url.hostname, '-p', url.port || '1883', '-q', '1', '-t', topic, '-m', message]);
    const t0 = Date.now() - 60_000;
    const mapped = [
      { site: 'press-1', metric: 'temperature', time: t0, value: 71.25 },
      { site: 'press-1', metric: 'temperature', time: t0 + 1000, value: 71.5 },
      { site: 'press-1', metric: 'pressure', time: t0, value: 3.125 },
      { site: 'press-2', metric: 'temperature', time: t0, value: -4.75 },
    ];
    for (const r of mapped) await pub(`${p}/plant/${r.site}/${r.metric}`, JSON.stringify({ v: r.value, ts: new Date(r.time).toISOString(), device: { site: r.site, model: 'X1' } }));
    const beforeBare = Date.now();
    await pub(`${p}/meter/press-3/rpm`, '1480');
    const afterBare = Date.now();
    // Refused: an empty site level (no template matches), no value at /v, a string value, and press-2 naming press-1 on its own topic.
    await pub(`${p}/plant//temperature`, JSON.stringify({ v: 1, ts: t0, device: { site: 'press-1' } }));
    await pub(`${p}/plant/press-1/temperature`, JSON.stringify({ value: 1, ts: t0, device: { site: 'press-1' } }));
    await pub(`${p}/meter/press-3/rpm`, '"fast"');
    await pub(`${p}/plant/press-2/temperature`, JSON.stringify({ v: 999, ts: t0 + 5000, device: { site: 'press-1' } }));

    const rows = async () =>
      (await db.query<{ domain: string; site: string; metric: string; time: Date; value: number }>('SELECT domain, site, metric, time, value FROM reading_values ORDER BY site, metric, time')).rows;
    const deadLetters = async () => (await db.query<{ reason: string; source: string; topic: string }>("SELECT reason, source, topic FROM dead_letters WHERE app = 'ingest' ORDER BY id")).rows;
    await waitUntil(async () => (await rows()).length >= mapped.length + 1 && (await deadLetters()).length >= 4, 'ingest to store 5 readings and dead-letter 4 messages', 15_000, 50);

    const stored = await rows();
    const bare = stored.find((r) => r.site === 'press-3');
    expect(bare?.time.getTime()).toBeGreaterThanOrEqual(beforeBare - 5);
    expect(bare?.time.getTime()).toBeLessThanOrEqual(afterBare + 1000);
    expect(stored.map((r) => ({ ...r, time: r.site === 'press-3' ? 'receipt' : r.time.getTime() }))).toEqual(
      [
        ...mapped.map((r) => ({ domain: 'factory', site: r.site, metric: r.metric, time: r.time, value: r.value })),
        { domain: 'factory', site: 'press-3', metric: 'rpm', time: 'receipt', value: 1480 },
      ].sort((a, b) => a.site.localeCompare(b.site) || a.metric.localeCompare(b.metric) || Number(a.time) - Number(b.time)),
    );
    expect((await deadLetters()).map((d) => `${d.source} ${d.reason} ${d.topic}`).sort()).toEqual(
      [
        `json json_no_match ${p}/plant//temperature`,
        `json json_missing_field ${p}/plant/press-1/temperature`,
        `json bad_value ${p}/meter/press-3/rpm`,
        `json site_mismatch ${p}/plant/press-2/temperature`,
      ].sort(),
    );
  });
  it('stores what `headstream simulate --protocol json` emits, mapped by the config it writes', { timeout: 60_000 }, async (ctx) => {
    const mqtt = realServiceOrSkip(ctx, 'mqtt');
    realServiceOrSkip(ctx, 'postgres');
    const db: TestDatabase = await realDatabase('e2e-json-sim');
    cleanups.push(() => db.dispose());
    await migrate(db);
    const prefix = uniqueName('sim').replace(/-/g, '_');
    const dir = mkdtempSync(join(tmpdir(), 'hs-json-sim-'));
    cleanups.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
    const configFile = join(dir, 'json-sources.json');
    const env = { ...process.env, HS_MQTT_URL: mqtt };
    const simulateArgs = ['simulate', '--protocol', 'json', '--json-prefix', prefix, '--city', '2', '--factory', '1', '--rate', '1000', '--start', '2026-01-01T00:00:00Z'];
    // The first run writes the mapping (its one record goes to no subscriber yet).
    await run(process.execPath, [CLI, ...simulateArgs, '--count', '1', '--json-config', configFile], { env });
    const ingest = await startHealthyService(INGEST, { HS_MQTT_URL: mqtt, HS_PG_URL: testServices().postgres.url, HS_PG_SCHEMA: db.schema, HS_INGEST_SOURCES: 'json', HS_JSON_SOURCES_CONFIG: configFile, HS_MQTT_CLIENT_ID: uniqueName('ingest') });
    cleanups.push(() => ingest.stop());
    const { stdout } = await run(process.execPath, [CLI, ...simulateArgs, '--count', '20'], { env });
    const messages = Number(/in (\d+) vendor JSON messages/.exec(stdout)?.[1] ?? NaN);
    expect(messages).toBeGreaterThan(20);
    const count = async () => Number((await db.query<{ n: string }>('SELECT count(*) AS n FROM reading_values')).rows[0]?.n ?? 0);
    await waitUntil(async () => (await count()) >= messages, `ingest to store ${messages} readings`, 15_000, 50).catch(() => undefined);
    expect(await count()).toBe(messages);
    expect((await db.query<{ domain: string }>('SELECT DISTINCT domain FROM reading_values ORDER BY domain')).rows.map((r) => r.domain)).toEqual(['city', 'factory']);
    expect((await db.query('SELECT 1 FROM dead_letters')).rows).toEqual([]);
  });
});
