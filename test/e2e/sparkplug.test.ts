import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as sparkplugClient from 'sparkplug-client';
import { afterEach, describe, expect, it } from 'vitest';
import { datasetFolder } from '@headstream/datasets';
import { startLiveView, type EdgeNodeRow, type EdgeNodes } from '@headstream/live-view';
import { readPredictions, type EngineReading } from '@headstream/serving';
import { migrate, ReadingWriter } from '@headstream/store';
import { realDatabase, realServiceOrSkip, startHealthyService, testServices, uniqueName, waitUntil, type TestDatabase } from '@headstream/testkit';
import { promote, taskRecords } from '@headstream/training';
import { connectMqtt, encodeSparkplugPayload, REBIRTH_METRIC } from '@headstream/transport';
import { FIXTURE_SLICES, installFixtureVersion } from '../fixture/index.js';
import { expectedPredictions } from './expected.js';

const require = createRequire(import.meta.url);
const binary = (pkg: string) => require.resolve(`${pkg}/package.json`).replace(/package\.json$/, 'dist/main.js');
const INGEST = binary('@headstream/ingest');
const PREDICTOR = binary('@headstream/predictor');

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

const HISTORY = FIXTURE_SLICES.find((s) => s.task === 'traffic')?.records ?? 0;
const LIVE = 6;

type EdgeNode = ReturnType<typeof sparkplugClient.newClient>;

/** A real Tahu edge node (sparkplug-client) that answers rebirth requests as the specification asks. */
function edgeNode(url: string, group: string, node: string, birth: (edge: EdgeNode) => void): { edge: EdgeNode; births: () => number; rebirthRequests: () => number } {
  let births = 0;
  let rebirthRequests = 0;
  const edge = sparkplugClient.newClient({ serverUrl: url, username: '', password: '', groupId: group, edgeNode: node, clientId: uniqueName(`edge-${node}`), publishDeath: true });
  edge.on('birth', () => {
    births++;
    birth(edge);
  });
  edge.on('ncmd', (payload) => {
    if (payload.metrics?.some((m) => m.name === REBIRTH_METRIC && m.value === true)) {
      rebirthRequests++;
      births++;
      birth(edge);
    }
  });
  return { edge, births: () => births, rebirthRequests: () => rebirthRequests };
}

/**
 * Issue #22 item 1: Sparkplug B edge nodes (Eclipse Tahu's own client) on real Mosquitto, the ingest
 * service (Primary Host) and the predictor on PostgreSQL. Births name the metrics and aliases, data comes
 * by alias with metric timestamps as the reading times; the predictor publishes for the site exactly what
 * the engine makes of those readings; a seq gap is dead-lettered and answered with a rebirth request;
 * NDEATH shows the node offline (/healthz, /metrics, and the live view, which reads what ingest recorded
 * in edge_nodes), a new NBIRTH online again, and the MQTT will of a connection that drops offline; an
 * edge node whose device is mapped onto another site is refused by both (site_mismatch) and moves none
 * of that site's forecasts.
 */
describe('Sparkplug B end to end', () => {
  it('births, data by alias, predictions, seq gap → rebirth, NDEATH → offline (live view too), NBIRTH → online, will → offline, a device mapped to another site refused', { timeout: 300_000 }, async (ctx) => {
    const mqtt = realServiceOrSkip(ctx, 'mqtt');
    realServiceOrSkip(ctx, 'postgres');
    const db: TestDatabase = await realDatabase('e2e-sparkplug');
    cleanups.push(() => db.dispose());
    await migrate(db);

    const readings: EngineReading[] = [];
    for await (const r of taskRecords('traffic', { path: join(datasetFolder('pems-detector-5min-flow'), 'train.csv') })) {
      readings.push({ domain: 'city', site: r.site, time: r.time, values: r.values });
      if (readings.length >= HISTORY + LIVE) break;
    }
    const history = readings.slice(0, HISTORY);
    const live = readings.slice(HISTORY);
    const siteA = live[0]?.site ?? '';
    expect(live.every((r) => r.site === siteA)).toBe(true);
    await new ReadingWriter(db).write(history);
    await installFixtureVersion(db, 'v-spb');
    await promote(db, 'v-spb', { reason: 'e2e', actor: 'test' });
    const expected = await expectedPredictions(db, 'v-spb', [{ history, replayed: live }]);
    expect(expected.size, 'live steps to predict').toBeGreaterThanOrEqual(LIVE / 2);

    // The mapping file: this run's group is the city domain; the rogue node's device d1 is put on site A.
    const group = uniqueName('spb').replace(/-/g, '_');
    const dir = mkdtempSync(join(tmpdir(), 'hs-spb-'));
    cleanups.push(() => Promise.resolve(rmSync(dir, { recursive: true, force: true })));
    const mapFile = join(dir, 'sparkplug.json');
    writeFileSync(mapFile, JSON.stringify({ groups: { [group]: { domain: 'city', nodes: { rogue: { devices: { d1: siteA } } } } } }));
    const hostId = uniqueName('host');
    const root = uniqueName('e2e').replace(/-/g, '_');
    const env = { HS_MQTT_URL: mqtt, HS_TOPIC_ROOT: root, HS_PG_URL: testServices().postgres.url, HS_PG_SCHEMA: db.schema, HS_SPARKPLUG_GROUPS: group, HS_SPARKPLUG_MAP: mapFile, HS_SPARKPLUG_HOST_ID: hostId };
    const ingest = await startHealthyService(INGEST, { ...env, HS_INGEST_SOURCES: 'sparkplug', HS_MQTT_CLIENT_ID: uniqueName('ingest') });
    cleanups.push(() => ingest.stop());
    const predictor = await startHealthyService(PREDICTOR, { ...env, HS_PREDICT_SOURCES: 'sparkplug', HS_PREDICT_OUTPUTS: 'db', HS_MQTT_CLIENT_ID: uniqueName('predictor') }, { timeoutMs: 180_000 });
    cleanups.push(() => predictor.stop());

    // Ingest is the Primary Host: its retained STATE says online.
    const observer = await connectMqtt({ url: mqtt, clientId: uniqueName('observer') });
    cleanups.push(() => observer.endAsync());
    const states: string[] = [];
    observer.on('message', (topic, payload) => {
      if (topic === `spBv1.0/STATE/${hostId}`) states.push(payload.toString());
    });
    await observer.subscribeAsync(`spBv1.0/STATE/${hostId}`, { qos: 1 });
    await waitUntil(() => states.length > 0, 'the retained STATE message', 10_000, 20);
    expect(JSON.parse(states[0] ?? '{}')).toMatchObject({ online: true, timestamp: expect.any(Number) as number });

    const deadLetters = async (app: string) => (await db.query<{ reason: string; source: string }>('SELECT reason, source FROM dead_letters WHERE app = $1 ORDER BY id', [app])).rows;
    const metrics = Object.keys(live[0]?.values ?? {});

    // The spoof first: a rogue edge node whose device is mapped onto site A, with an absurd flow.
    const rogue = edgeNode(mqtt, group, 'rogue', (edge) => {
      edge.publishNodeBirth({ timestamp: Date.now(), metrics: [] });
      edge.publishDeviceBirth('d1', { timestamp: live[0]?.time ?? 0, metrics: metrics.map((name, i) => ({ name, alias: i + 1, type: 'Double', value: 999, timestamp: live[0]?.time ?? 0 })) });
    });
    cleanups.push(() => Promise.resolve(rogue.edge.stop()));
    await waitUntil(async () => (await deadLetters('ingest')).length >= 1 && (await deadLetters('predictor')).length >= 1, 'both to dead-letter the rogue DBIRTH', 60_000, 100);
    expect(await deadLetters('ingest')).toEqual([{ reason: 'site_mismatch', source: 'sparkplug' }]);

    // The live view, reading the database (what ingest recorded of births and deaths), as a user opens it.
    const view = await startLiveView({ db });
    cleanups.push(() => view.close());
    const shown = async (): Promise<EdgeNodeRow | undefined> => {
      const answer = (await (await fetch(new URL('/api/edge-nodes', view.url))).json()) as EdgeNodes;
      return answer.nodes.find((n) => n.group === group && n.node === siteA && n.device === null);
    };

    // Site A's own edge node: the birth names the metrics and their aliases (no values), then NDATA by alias.
    const birthOf = (edge: EdgeNode) => edge.publishNodeBirth({ timestamp: Date.now(), metrics: metrics.map((name, i) => ({ name, alias: i + 1, type: 'Double', value: null })) });
    const node = edgeNode(mqtt, group, siteA, birthOf);
    cleanups.push(() => Promise.resolve(node.edge.stop()));
    await waitUntil(() => node.births() > 0, 'the edge node to connect and publish its NBIRTH', 10_000, 20);
    await waitUntil(async () => (await shown())?.online === true, 'the live view to show the edge node online after its NBIRTH', 30_000, 50);
    const born = await shown();
    expect(born).toMatchObject({ source: 'sparkplug', domain: 'city', site: siteA, online: true, bd_seq: 0, cause: 'NBIRTH' });
    for (const r of live) node.edge.publishNodeData({ timestamp: r.time, metrics: metrics.map((name, i) => ({ alias: i + 1, type: 'Double', value: r.values[name] ?? null, timestamp: r.time })) });

    const storedA = async () => (await readPredictions(db, { task: 'traffic', site: siteA })).filter((p) => p.model_version === 'v-spb');
    await waitUntil(async () => (await storedA()).length >= expected.size, `${expected.size} predictions for ${siteA}`, 120_000, 200).catch(() => undefined);
    const stored = await storedA();
    // Exactly the forecasts of A's own readings (metric timestamps as their times): the rogue's moved none.
    expect(stored.map((p) => `${p.task}/${p.site}/${p.issued_at}`).sort()).toEqual([...expected.keys()].sort());
    for (const p of stored) {
      const e = expected.get(`${p.task}/${p.site}/${p.issued_at}`);
      if (p.kind !== 'regression' || e?.kind !== 'regression') throw new Error(`${p.issued_at}: expected regression predictions`);
      const got = p.horizons.map((h) => h.value);
      const want = e.horizons.map((h) => h.value);
      expect(got.every((v, i) => Math.abs(v - (want[i] ?? NaN)) <= 1e-5 * Math.max(1, Math.abs(v))), `${p.issued_at}: ${JSON.stringify(got)} vs ${JSON.stringify(want)}`).toBe(true);
    }
    const flows = async () =>
      (await db.query<{ value: number }>("SELECT value FROM reading_values WHERE site = $1 AND metric = 'flow' AND time >= $2 ORDER BY time", [siteA, new Date(live[0]?.time ?? 0)])).rows.map((r) => r.value);
    await waitUntil(async () => (await flows()).length >= live.length, `ingest to store ${live.length} flows of ${siteA}`, 60_000, 100).catch(() => undefined);
    expect(await flows()).toEqual(live.map((r) => r.values.flow));
    expect(await deadLetters('predictor')).toEqual([{ reason: 'site_mismatch', source: 'sparkplug' }]);

    // A lost message: the node's next seq skips one. Dead-lettered, and the host asks for a rebirth (NCMD).
    (node.edge as unknown as { seq: number }).seq += 1;
    const last = live[live.length - 1]?.time ?? 0;
    node.edge.publishNodeData({ timestamp: last, metrics: [{ alias: 1, type: 'Double', value: 1, timestamp: last + 300_000 }] });
    await waitUntil(async () => (await deadLetters('ingest')).some((d) => d.reason === 'sparkplug_seq_gap'), 'ingest to dead-letter the seq gap', 30_000, 50);
    await waitUntil(() => node.rebirthRequests() > 0, 'a rebirth request (NCMD Node Control/Rebirth) at the edge node', 30_000, 20);
    const healthz = async () => (await (await fetch(`http://127.0.0.1:${ingest.port}/healthz`)).json()) as { sources: { kind: string; nodes?: Record<string, { online: boolean }> }[] };
    await waitUntil(async () => (await healthz()).sources[0]?.nodes?.[`${group}/${siteA}`]?.online === true, 'the node online again after its rebirth', 30_000, 50);
    // A rebirth of the same session (same bdSeq): online since its first birth.
    await waitUntil(async () => ((await shown())?.event_at_ms ?? 0) > (born?.event_at_ms ?? Infinity), 'ingest to record the rebirth', 30_000, 50);
    expect((await shown())?.since_ms).toBe(born?.since_ms);

    // NDEATH (the client's death certificate): the node is offline in /healthz and /metrics.
    node.edge.stop();
    await waitUntil(async () => (await healthz()).sources[0]?.nodes?.[`${group}/${siteA}`]?.online === false, 'the node offline in /healthz after its NDEATH', 30_000, 50);
    const text = await (await fetch(`http://127.0.0.1:${ingest.port}/metrics`)).text();
    expect(text).toContain(`headstream_sparkplug_node_online{group="${group}",node="${siteA}",device="",app="ingest"} 0`);
    // The live view too, since the death.
    await waitUntil(async () => (await shown())?.online === false, 'the live view to show the edge node offline after its NDEATH', 30_000, 50);
    const dead = await shown();
    expect(dead).toMatchObject({ online: false, bd_seq: 0, cause: 'NDEATH' });
    expect(dead?.since_ms).toBeGreaterThan(born?.since_ms ?? Infinity);
    // Until a new birth, what the node says is refused (and nothing predicted from it): DATA after its death.
    const before = (await deadLetters('predictor')).length;
    await observer.publishAsync(`spBv1.0/${group}/NDATA/${siteA}`, encodeSparkplugPayload({ timestamp: last, seq: 1, metrics: [{ alias: 1, type: 'Double', value: 5, timestamp: last + 300_000 }] }), { qos: 1 });
    await waitUntil(async () => (await deadLetters('predictor')).length > before, 'the predictor to refuse DATA after the NDEATH', 30_000, 50);
    expect((await deadLetters('predictor')).slice(before).map((d) => d.reason)).toEqual(['sparkplug_no_birth']);
    expect((await storedA()).length).toBe(expected.size);

    // The node comes back (a new connection, a new NBIRTH): online again in the live view, since then.
    const again = edgeNode(mqtt, group, siteA, birthOf);
    cleanups.push(() => Promise.resolve(again.edge.stop()));
    await waitUntil(async () => (await shown())?.online === true, 'the live view to show the edge node online after a new NBIRTH', 30_000, 50);
    const reborn = await shown();
    expect(reborn).toMatchObject({ online: true, cause: 'NBIRTH' });
    expect(reborn?.since_ms).toBeGreaterThan(dead?.since_ms ?? Infinity);
    // Its connection drops without a DISCONNECT (power cut, cable): the broker publishes its will, an NDEATH.
    const client = (again.edge as unknown as { client: { options: { reconnectPeriod: number }; stream: { destroy(): void } } }).client;
    client.options.reconnectPeriod = 0;
    client.stream.destroy();
    await waitUntil(async () => (await shown())?.online === false, 'the live view to show the edge node offline after its MQTT will', 30_000, 50);
    expect(await shown()).toMatchObject({ online: false, cause: 'NDEATH' });
  });
});
