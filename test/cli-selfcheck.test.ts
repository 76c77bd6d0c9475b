import { expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { runNodeScript, testServices } from '@headstream/testkit';

const cli = createRequire(import.meta.url).resolve('@headstream/cli/package.json').replace(/package\.json$/, 'dist/main.js');

it('selfcheck passes against every real service that is up', async () => {
  const s = testServices();
  const env: Record<string, string> = {};
  if (s.postgres.available) env.HS_PG_URL = s.postgres.url;
  if (s.mqtt.available) Object.assign(env, { HS_MQTT_URL: s.mqtt.url, HS_SPARKPLUG_GROUPS: 'factory' });
  if (s.kafka.available) env.HS_KAFKA_BROKERS = s.kafka.brokers.join(',');
  const run = await runNodeScript(cli, ['selfcheck', '--json'], env);
  expect(run.code, run.stderr).toBe(0);
  const report = JSON.parse(run.stdout) as { checks: { check: string; status: string; target: string }[] };
  const status = Object.fromEntries(report.checks.map((c) => [c.check, c.status]));
  expect(status).toEqual({
    contracts: 'ok',
    database: 'ok',
    mqtt: 'ok',
    kafka: s.kafka.available ? 'ok' : 'skipped',
    sparkplug: s.mqtt.available ? 'ok' : 'skipped',
  });
  if (s.postgres.available) expect(report.checks.find((c) => c.check === 'database')?.target).toContain('127.0.0.1');
}, 90_000);
