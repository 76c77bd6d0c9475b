import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it } from 'vitest';
import { migrate } from '@headstream/store';
import { endMqttSession } from '@headstream/transport';
import { realDatabase, realServiceOrSkip, testServices, uniqueName, waitUntil } from '@headstream/testkit';

// A one-off run (`npm run demo -- --stack`, a client id per process) must leave no MQTT session on the
// real broker: a session left behind stays subscribed to the readings and the broker queues every later
// reading for a client that never returns. The demo's ingest and predictor are started here as the demo
// wires them (its built modules), against the real PostgreSQL and Mosquitto, then the process is
// SIGKILLed (no chance to clean up). A client of the same id connecting with clean start off must find
// no session. A persistent source in the same process (a service's session) is the control: the probe
// does find that one, so a "no session" answer means something.

const DEMO_DIST = fileURLToPath(new URL('../../apps/demo/dist/', import.meta.url));

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

/** The child: the demo's startIngest and startDemoPredictor, plus a persistent source (the control); prints READY with its pid. */
const CHILD = `
import { createLogger, parseOptionsOf, mqttReadingsFilter } from '@headstream/core';
import { connectPostgres } from '@headstream/store';
import { createMqttSource } from '@headstream/transport';
const { startIngest } = await import(process.env.DEMO_DIST + 'ingest.js');
const { startDemoPredictor } = await import(process.env.DEMO_DIST + 'predictor.js');
const { loadDemoConfig } = await import(process.env.DEMO_DIST + 'config.js');
const config = loadDemoConfig();
const log = createLogger('one-off-sessions', { level: 'warn' });
const db = await connectPostgres({ url: process.env.HS_PG_URL, schema: process.env.HS_PG_SCHEMA });
const url = new URL(process.env.HS_MQTT_URL);
const services = { mode: 'stack', db, database: 'test', mqtt: { url: process.env.HS_MQTT_URL, protocolVersion: 5 }, broker: { host: url.hostname, port: Number(url.port), embedded: false }, topicRoot: config.topicRoot, sourcesConfig: config, close: async () => {} };
const parse = parseOptionsOf(config);
await startIngest(services, parse, log);
await startDemoPredictor(services, parse, log);
const control = createMqttSource({ url: process.env.HS_MQTT_URL, clientId: process.env.CONTROL_ID + '-' + process.pid, filters: [mqttReadingsFilter({ root: config.topicRoot })], sessionExpirySeconds: 600 });
await control.start(async () => {});
process.stdout.write('READY ' + process.pid + '\\n');
setInterval(() => {}, 1000);
`;

it('a one-off run of the demo\'s ingest and predictor, SIGKILLed, leaves no MQTT session on the real broker; a persistent one stays (control)', { timeout: 180_000 }, async (ctx) => {
  const mqttUrl = realServiceOrSkip(ctx, 'mqtt');
  realServiceOrSkip(ctx, 'postgres');
  if (!existsSync(`${DEMO_DIST}ingest.js`)) throw new Error(`${DEMO_DIST}ingest.js is missing: npx turbo run build --filter=@headstream/demo`);
  const db = await realDatabase('one-off-sessions');
  cleanups.push(() => db.dispose());
  await migrate(db);
  const root = uniqueName('oneoff').replace(/-/g, '_');
  const controlId = uniqueName('oneoff-control');
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('HS_')));
  const child = spawn(process.execPath, ['--input-type=module', '-e', CHILD], {
    cwd: fileURLToPath(new URL('../../', import.meta.url)),
    env: { ...inherited, DEMO_DIST, CONTROL_ID: controlId, HS_PG_URL: testServices().postgres.url, HS_PG_SCHEMA: db.schema, HS_MQTT_URL: mqttUrl, HS_TOPIC_ROOT: root, HS_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  });
  await waitUntil(
    () => {
      if (child.exitCode !== null) throw new Error(`the child exited: ${output}`);
      return /READY \d+/.test(output);
    },
    'the demo\'s ingest and predictor connected',
    120_000,
    100,
  );
  const pid = Number(/READY (\d+)/.exec(output)?.[1]);
  child.kill('SIGKILL');
  await exited;

  // The control's persistent session is there (and the probe ends it, so the broker keeps nothing).
  expect(await endMqttSession({ url: mqttUrl, clientId: `${controlId}-${pid}` }), 'the control: a persistent session stays after SIGKILL').toBe(true);
  for (const id of [`headstream-demo-ingest-${pid}`, `headstream-demo-predictor-${pid}`]) {
    // The broker notices the closed connection at once (TCP reset); give it a moment under load.
    await new Promise((r) => setTimeout(r, 200));
    expect(await endMqttSession({ url: mqttUrl, clientId: id }), `a session of ${id} remains on the broker`).toBe(false);
  }
});
