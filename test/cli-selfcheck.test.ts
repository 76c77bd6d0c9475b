import { expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startOpcuaSimServer } from '@headstream/sim';
import { freePort, runNodeScript, testServices } from '@headstream/testkit';

const cli = createRequire(import.meta.url).resolve('@headstream/cli/package.json').replace(/package\.json$/, 'dist/main.js');

it('selfcheck passes against every real service that is up', async () => {
  const s = testServices();
  const env: Record<string, string> = {};
  if (s.postgres.available) env.HS_PG_URL = s.postgres.url;
  if (s.mqtt.available) Object.assign(env, { HS_MQTT_URL: s.mqtt.url, HS_SPARKPLUG_GROUPS: 'factory' });
  if (s.kafka.available) env.HS_KAFKA_BROKERS = s.kafka.brokers.join(',');
  // A real OPC UA server (node-opcua) with one variable that has a value and one that has none yet.
  const port = await freePort();
  const opcua = await startOpcuaSimServer({ port, variables: [{ site: 'm-1', metrics: ['temperature', 'speed'] }] });
  opcua.write({ site: 'm-1', time: Date.now(), values: { temperature: 41.5 } });
  const dir = mkdtempSync(join(tmpdir(), 'hs-selfcheck-opcua-'));
  env.HS_OPCUA_CONFIG = join(dir, 'opcua.json');
  writeFileSync(env.HS_OPCUA_CONFIG, JSON.stringify({ endpoints: [{ name: 'm', url: `opc.tcp://127.0.0.1:${port}/UA/Headstream`, sites: ['m-1'], nodes: [{ nodeId: 'ns=1;s={site}.{metric}', sites: ['m-1'], metrics: ['temperature', 'speed'] }] }] }));
  // Mapped JSON topics: the config is validated and its templates subscribed on the broker.
  if (s.mqtt.available) {
    env.HS_JSON_SOURCES_CONFIG = join(dir, 'json-sources.json');
    writeFileSync(env.HS_JSON_SOURCES_CONFIG, JSON.stringify({ topics: [{ topic: 'selfcheck/{site}/{metric}', domain: 'factory' }] }));
  }
  const run = await runNodeScript(cli, ['selfcheck', '--json'], env).finally(async () => {
    await opcua.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  expect(run.code, run.stderr).toBe(0);
  const report = JSON.parse(run.stdout) as { checks: { check: string; status: string; target: string; detail: string }[] };
  const status = Object.fromEntries(report.checks.map((c) => [c.check, c.status]));
  expect(status).toEqual({
    contracts: 'ok',
    database: 'ok',
    mqtt: 'ok',
    kafka: s.kafka.available ? 'ok' : 'skipped',
    sparkplug: s.mqtt.available ? 'ok' : 'skipped',
    opcua: 'ok',
    json: s.mqtt.available ? 'ok' : 'skipped',
  });
  if (s.mqtt.available) expect(report.checks.find((c) => c.check === 'json')?.detail).toBe('1 topic template(s) valid and subscribed');
  expect(report.checks.find((c) => c.check === 'opcua')).toMatchObject({ target: `opc.tcp://127.0.0.1:${port}/UA/Headstream`, detail: '1 endpoint(s), 2 variables monitored; initial values: 1 readings' });
  if (s.postgres.available) expect(report.checks.find((c) => c.check === 'database')?.target).toContain('127.0.0.1');
}, 90_000);
