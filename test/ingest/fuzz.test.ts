import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterEach, expect, it } from 'vitest';
import { mqttTopic, parseMqttTopic, parseReadingMessage, type ParseOptions } from '@headstream/core';
import { IngestPipeline } from '@headstream/pipeline';
import { migrate } from '@headstream/store';
import { compareStoredReadings, databaseTargets, firstAvailable, mqttTargets, uniqueName, waitUntil, type ReadingRow } from '@headstream/testkit';
import { connectMqtt, createMqttSource } from '@headstream/transport';

/** mulberry32: a small seeded PRNG, so a failing case can be replayed. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)] as T;
  return { next, int, pick };
}

const SEED = 20261129;
const T0 = Date.parse('2024-06-01T00:00:00Z');
const parseOptions = { maxPayloadBytes: 8 * 1024, maxFrames: 50 } satisfies Omit<ParseOptions, 'domain'>;

function generate(count: number, root: string) {
  const r = prng(SEED);
  let clock = 0;
  // A message's frames are of the site its topic names (a reading belongs to its topic).
  const validFrame = (site: string) => {
    const values: Record<string, number> = {};
    for (let m = 0, n = 1 + r.int(4); m < n; m++) values[`m${r.int(6)}`] = (r.next() - 0.5) * 10 ** r.int(6);
    clock++;
    return { site, ts: r.next() < 0.5 ? T0 + clock * 1000 : new Date(T0 + clock * 1000).toISOString(), values };
  };
  const validMessage = (site: string) => (r.next() < 0.5 ? validFrame(site) : Array.from({ length: 1 + r.int(5) }, () => validFrame(site)));
  const mutations: ((text: string) => string)[] = [
    (t) => t.slice(0, r.int(t.length)), // truncated
    (t) => { const i = r.int(t.length); return t.slice(0, i) + String.fromCharCode(r.int(128)) + t.slice(i + 1); }, // one byte changed
    (t) => t.replace(/"values":\{"(m\d)":/, '"values":{"$1":"NaN","x":'),
    (t) => t.replace(/("m\d"):(-?[\d.e+-]+)/, '$1:1e999'),
    (t) => t.replace(/("m\d"):(-?[\d.e+-]+)/, '$1:null'),
    (t) => t.replace(/"site":"s(\d+)"/, '"site":"s $1"'),
    (t) => t.replace(/"site":"s(\d+)"/, '"site":"s#$1"'),
    (t) => t.replace(/"ts":"[^"]+"/, '"ts":"2024-06-01T12:00:00"').replace(/"ts":\d+/, '"ts":"soon"'),
    (t) => t.replace(/"ts":\d+/, '"ts":99999999999999').replace(/"ts":"[^"]+"/, '"ts":"2999-01-01T00:00:00Z"'),
    (t) => t.replace(/"ts":\d+/, '"ts":1717200000').replace(/"ts":"[^"]+"/, '"ts":"1970-01-01T00:00:00Z"'), // seconds, not ms
    (t) => t.replace('"values"', '"valeurs"'),
    (t) => t.replace(/\{"site"/, '{"extra":true,"site"'),
    (t) => t.replace(/"values":\{[^}]*\}/, '"values":{}'),
  ];
  const junk: ((site: string) => string | Buffer)[] = [
    () => '',
    () => Buffer.from(Array.from({ length: 1 + r.int(200) }, () => r.int(256))),
    () => JSON.stringify(r.pick([42, 'text', null, true, [], {}, [[1]], { a: { b: [] } }])),
    () => '['.repeat(2000) + ']'.repeat(2000),
    (site) => JSON.stringify(Array.from({ length: 60 }, () => validFrame(site))), // too many frames
    (site) => JSON.stringify({ ...validFrame(site), site: 'x'.repeat(9000) }), // too large
    (site) => JSON.stringify({ ...validFrame(site), site: 'y'.repeat(200) }), // name too long
    (site) => JSON.stringify({ ...validFrame(site), values: { [`m${'\u00e9'}`]: 1 } }),
  ];
  const messages: { topic: string; payload: string | Buffer }[] = [];
  for (let i = 0; i < count; i++) {
    const site = `s${r.int(20)}`;
    // Now and then the topic names another site than the frames (site_mismatch).
    const topicSite = r.next() < 0.03 ? `s${20 + r.int(5)}` : site;
    const topic = r.next() < 0.02 ? `${root}/v1/readings/city/bad site` : mqttTopic({ kind: 'readings', domain: 'city', site: topicSite }, root);
    const roll = r.next();
    const payload = roll < 0.3 ? JSON.stringify(validMessage(site)) : roll < 0.8 ? r.pick(mutations)(JSON.stringify(validMessage(site))) : r.pick(junk)(site);
    messages.push({ topic, payload });
  }
  return messages;
}

/** JS heap plus Buffer memory (payloads live outside the heap). */
function heapAndBuffers(): number {
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/** heapAndBuffers() after a full, synchronous garbage collection (gc exposed at run time for this). */
function retainedHeap(): number {
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  gc();
  gc();
  return heapAndBuffers();
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c().catch(() => undefined);
});

it('fuzz: 10,000 mutated, random and valid messages — bad ones dead-lettered with a reason, good ones stored, memory bounded', async () => {
  const dbTarget = firstAvailable(databaseTargets());
  const broker = firstAvailable(mqttTargets());
  const db = await dbTarget.open(import.meta.filename);
  cleanups.push(() => db.dispose());
  await migrate(db);
  const root = uniqueName('fuzz').replace(/-/g, '_');
  const messages = generate(10_000, root);

  // The oracle: the unit-tested parser decides what is valid; the pipeline must agree end to end.
  const expectedReadings: ReadingRow[] = [];
  const expectedReasons = new Map<string, number>();
  for (const m of messages) {
    const topic = parseMqttTopic(m.topic, root);
    const parsed = topic?.kind === 'readings' ? parseReadingMessage(m.payload, { ...parseOptions, domain: topic.domain, site: topic.site }) : null;
    if (parsed?.ok) for (const rd of parsed.readings) for (const [metric, value] of Object.entries(rd.values)) expectedReadings.push({ domain: rd.domain, site: rd.site, metric, time: rd.time, value });
    else {
      const reason = parsed === null ? 'bad_topic' : parsed.reason;
      expectedReasons.set(reason, (expectedReasons.get(reason) ?? 0) + 1);
    }
  }
  expect(expectedReasons.size).toBeGreaterThanOrEqual(8); // the generator really covers the reasons
  expect(expectedReadings.length).toBeGreaterThan(5_000);

  const source = createMqttSource({
    url: broker.url,
    protocolVersion: broker.protocolVersion,
    clientId: uniqueName('fuzz-ingest'),
    filters: [`${root}/v1/readings/+/+`],
    ackMode: 'on-receipt',
    maxBatchMessages: 500,
  });
  const pipeline = new IngestPipeline({ db, sources: [source], topicRoot: root, parse: parseOptions });
  await pipeline.start();
  cleanups.push(() => pipeline.stop());
  const pub = await connectMqtt({ url: broker.url, protocolVersion: broker.protocolVersion });
  cleanups.push(() => pub.endAsync());

  // Memory: the heap that survives a full GC must not grow with what went through (the input is
  // ~7 MB of payloads; a leak of even one copy of the messages would show). RSS is the soak's job.
  const inputBytes = messages.reduce((a, m) => a + Buffer.byteLength(m.payload), 0);
  const heapBefore = retainedHeap();
  let heapPeak = heapAndBuffers();
  for (let start = 0; start < messages.length; start += 500) {
    const chunk = messages.slice(start, start + 500);
    await Promise.all(chunk.map((m) => pub.publishAsync(m.topic, m.payload, { qos: 1 })));
    // Keep the broker's per-client queue short: wait for ingest to catch up.
    await waitUntil(() => pipeline.stats.messages >= start + chunk.length, `message ${start + chunk.length}`, 60_000);
    heapPeak = Math.max(heapPeak, heapAndBuffers());
  }

  const dead = await db.query<{ reason: string; n: number }>('SELECT reason, count(*)::int AS n FROM dead_letters GROUP BY 1');
  expect(Object.fromEntries(dead.rows.map((d) => [d.reason, d.n]))).toEqual(Object.fromEntries(expectedReasons));
  // Every valid reading is stored with its value, under its site and metric, and nothing else.
  const stored = await compareStoredReadings(db, expectedReadings);
  expect(stored).toEqual({ stored: stored.sent, sent: stored.sent, missing: [], unexpected: [] });
  expect(stored.sent).toBeGreaterThan(5_000);
  const detailless = await db.query("SELECT 1 FROM dead_letters WHERE detail = '' OR reason = ''");
  expect(detailless.rowCount).toBe(0);
  // Still up and serving after the storm.
  await pub.publishAsync(mqttTopic({ kind: 'readings', domain: 'city', site: 'after' }, root), JSON.stringify({ site: 'after', ts: T0, values: { ok: 1 } }), { qos: 1 });
  await waitUntil(async () => (await db.query("SELECT 1 FROM reading_values WHERE site = 'after'")).rowCount === 1, 'a reading after the fuzz');
  await pipeline.stop();
  const retained = retainedHeap() - heapBefore;
  // Measured: 1.3–1.5 MB retained (series cache, counters, client state) for 6.5 MB of input, 26–35 MB peak;
  // keeping every payload (a deliberate leak) retained 9.5 MB and failed here.
  expect(retained).toBeLessThan(0.5 * inputBytes);
  expect(heapPeak - heapBefore).toBeLessThan(16 * inputBytes);
}, 240_000);
