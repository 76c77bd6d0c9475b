import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { fetchDatasets, listDatasets, resolveDatasetsDir, type FetchEvent } from '../src/index.js';
import { startMirrorServer, type MirrorServer } from './mirror-server.js';

// Two small data sets (about 0.95 MB together): PeMS (licence, train.csv, SOURCE.md) and the Italian air quality.
const SMALL = ['pems-detector', 'italy-air'];
const TRAIN = '/pems-detector-5min-flow/train.csv';
const quick = { retryDelayMs: 10, idleTimeoutMs: 10_000 };

/** A port nothing listens on (just released by the OS). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return port;
}

describe('fetchDatasets from a local HTTP mirror of shared/datasets', () => {
  const shared = resolveDatasetsDir();
  const temp = mkdtempSync(join(tmpdir(), 'hs-fetch-'));
  let server: MirrorServer;
  let n = 0;
  const freshDir = () => join(temp, `target-${++n}`);
  beforeAll(async () => {
    server = await startMirrorServer(shared);
  });
  afterAll(async () => {
    await server.close();
    rmSync(temp, { recursive: true, force: true });
  });

  test('two data sets verify, list shows them verified (the rest missing there), a second fetch downloads nothing', async () => {
    const dir = freshDir();
    server.requests.length = 0;
    const events: FetchEvent[] = [];
    const summary = await fetchDatasets({ datasetsDir: dir, names: SMALL, mirror: server.url, ...quick, onEvent: (e) => events.push(e) });
    expect(summary.failures).toEqual([]);
    expect(summary.dir).toBe(dir);
    expect(summary.datasets.map((d) => [d.folder, d.state, d.downloaded])).toEqual([
      ['pems-detector-5min-flow', 'verified', 3],
      ['air-quality-uci-italy', 'verified', 2],
    ]);
    // SOURCE.md is written from the package, everything else came over HTTP from the mirror.
    expect(server.requests.map((r) => [r.path, r.status]).sort()).toEqual([
      ['/air-quality-uci-italy/AirQualityUCI.csv', 200],
      ['/pems-detector-5min-flow/LICENSE-xiaochus-TrafficFlowPrediction-MIT.txt', 200],
      ['/pems-detector-5min-flow/train.csv', 200],
    ]);
    expect(summary.receivedBytes).toBe(740_514 + 1_062 + 199_681);
    expect(events[0]).toMatchObject({ type: 'plan', dir, files: 5, alreadyVerified: 0 });
    expect(events.filter((e) => e.type === 'done')).toHaveLength(5);
    for (const file of ['train.csv', 'SOURCE.md']) {
      expect(readFileSync(join(dir, 'pems-detector-5min-flow', file)).equals(readFileSync(join(shared, 'pems-detector-5min-flow', file)))).toBe(true);
    }

    const listed = await listDatasets({ datasetsDir: dir });
    expect(listed.map((c) => [c.dataset.folder, c.state])).toEqual([
      ['air-quality-uci-italy', 'verified'],
      ['beijing-multisite-air-quality', 'missing'],
      ['gas-turbine-co-nox-tey', 'missing'],
      ['hydraulic-condition-monitoring-ts', 'missing'],
      ['los-loop-metr-la-speed', 'missing'],
      ['metro-interstate-traffic-volume', 'missing'],
      ['pems-detector-5min-flow', 'verified'],
      ['skab', 'missing'],
    ]);
    expect(new Set(listed.map((c) => c.dir.slice(0, dir.length)))).toEqual(new Set([dir]));

    server.requests.length = 0;
    const again = await fetchDatasets({ datasetsDir: dir, names: SMALL, mirror: server.url, ...quick });
    expect(again).toMatchObject({ downloadedFiles: 0, receivedBytes: 0, alreadyVerified: 5, failures: [] });
    expect(server.requests).toEqual([]);
  });

  test('a connection dropped mid-file is resumed with a Range request and completes', async () => {
    const dir = freshDir();
    server.requests.length = 0;
    server.faults.set(TRAIN, [{ kind: 'cut', afterBytes: 80_000 }]);
    const retries: FetchEvent[] = [];
    const summary = await fetchDatasets({ datasetsDir: dir, names: ['pems-detector'], mirror: server.url, ...quick, onEvent: (e) => e.type === 'retry' && retries.push(e) });
    expect(summary.failures).toEqual([]);
    expect(retries).toHaveLength(1);
    expect(retries[0]).toMatchObject({ file: 'pems-detector-5min-flow/train.csv', attempt: 1 });
    const gets = server.requests.filter((r) => r.path === TRAIN);
    expect(gets).toHaveLength(2);
    expect(gets[0]).toEqual({ path: TRAIN, status: 200 });
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(gets[1]?.range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(80_000);
    expect(gets[1]?.status).toBe(206);
    expect(summary.receivedBytes).toBe(1_062 + 199_681); // nothing fetched twice
    expect(statSync(join(dir, 'pems-detector-5min-flow', 'train.csv')).size).toBe(199_681);
    expect(existsSync(join(dir, 'pems-detector-5min-flow', 'train.csv.part'))).toBe(false);
  });

  test('without retries the partial file stays, one line names file and URL, and the next fetch resumes it', async () => {
    const dir = freshDir();
    server.requests.length = 0;
    server.faults.set(TRAIN, [{ kind: 'cut', afterBytes: 50_000 }]);
    const first = await fetchDatasets({ datasetsDir: dir, names: ['pems-detector'], mirror: server.url, ...quick, retries: 0 });
    expect(first.failures).toHaveLength(1);
    const line = first.failures[0]?.message ?? '';
    expect(line).not.toContain('\n');
    // The cut reaches the client as a broken connection or, when the kernel has already handed over the bytes
    // and the close (a loaded machine reads late), as a response that ended early: either way the part is kept.
    expect(line).toMatch(
      /^pems-detector-5min-flow\/train\.csv: (the connection broke after [\d,]+ bytes \(.+\); [\d,]+ bytes kept in .+train\.csv\.part|the response ended at byte [\d,]+ of 199,681; the partial file is kept), the next fetch resumes there \(http:\/\/127\.0\.0\.1:\d+\/pems-detector-5min-flow\/train\.csv\)$/,
    );
    expect(first.datasets[0]?.state).toBe('failed');
    const kept = statSync(join(dir, 'pems-detector-5min-flow', 'train.csv.part')).size;
    expect(kept).toBeGreaterThan(0);
    expect((await listDatasets({ datasetsDir: dir, names: ['pems-detector'] }))[0]?.state).toBe('incomplete');

    server.requests.length = 0;
    const second = await fetchDatasets({ datasetsDir: dir, names: ['pems-detector'], mirror: server.url, ...quick, retries: 0 });
    expect(second.failures).toEqual([]);
    expect(server.requests).toEqual([{ path: TRAIN, range: `bytes=${kept}-`, status: 206 }]);
    expect(second.receivedBytes).toBe(199_681 - kept);
    expect((await listDatasets({ datasetsDir: dir, names: ['pems-detector'] }))[0]?.state).toBe('verified');
  });

  test('a corrupted file gives one clear line and is not kept; the set is not verified', async () => {
    const dir = freshDir();
    server.faults.set(TRAIN, [{ kind: 'corrupt' }]);
    const summary = await fetchDatasets({ datasetsDir: dir, names: ['pems-detector'], mirror: server.url, ...quick });
    expect(summary.failures.map((f) => f.message)).toEqual([
      `pems-detector-5min-flow/train.csv: sha256 mismatch: got ${summary.failures[0]?.message.match(/got ([0-9a-f]{64})/)?.[1] ?? '?'}, expected cf46f219b4595fa214d99d42a85ccd5e7137499efaa54e4705eaf25653b09f14; the download was discarded (${server.url}${TRAIN})`,
    ]);
    expect(existsSync(join(dir, 'pems-detector-5min-flow', 'train.csv'))).toBe(false);
    expect(existsSync(join(dir, 'pems-detector-5min-flow', 'train.csv.part'))).toBe(false);
    const listed = (await listDatasets({ datasetsDir: dir, names: ['pems-detector'] }))[0];
    expect(listed?.state).toBe('incomplete');
    expect(listed?.files.map((f) => [f.file.path, f.state])).toEqual([
      ['LICENSE-xiaochus-TrafficFlowPrediction-MIT.txt', 'verified'],
      ['SOURCE.md', 'verified'],
      ['train.csv', 'missing'],
    ]);
  });

  test('a stale partial file that does not verify after resuming is started over once', async () => {
    const dir = freshDir();
    mkdirSync(join(dir, 'pems-detector-5min-flow'), { recursive: true });
    writeFileSync(join(dir, 'pems-detector-5min-flow', 'train.csv.part'), Buffer.alloc(1_000, 0x41));
    server.requests.length = 0;
    const reasons: string[] = [];
    const summary = await fetchDatasets({ datasetsDir: dir, names: ['pems-detector'], mirror: server.url, ...quick, onEvent: (e) => e.type === 'retry' && reasons.push(e.reason) });
    expect(summary.failures).toEqual([]);
    expect(reasons).toEqual(['sha256 mismatch after resuming; starting over']);
    expect(server.requests.filter((r) => r.path === TRAIN)).toEqual([
      { path: TRAIN, range: 'bytes=1000-', status: 206 },
      { path: TRAIN, status: 200 },
    ]);
    expect((await listDatasets({ datasetsDir: dir, names: ['pems-detector'] }))[0]?.state).toBe('verified');
  });

  test('a server that ignores Range: the file starts over and completes', async () => {
    const dir = freshDir();
    server.requests.length = 0;
    server.faults.set(TRAIN, [{ kind: 'cut', afterBytes: 30_000 }, { kind: 'ignore-range' }]);
    const summary = await fetchDatasets({ datasetsDir: dir, names: ['pems-detector'], mirror: server.url, ...quick });
    expect(summary.failures).toEqual([]);
    expect(server.requests.filter((r) => r.path === TRAIN).map((r) => r.status)).toEqual([200, 200]);
    expect((await listDatasets({ datasetsDir: dir, names: ['pems-detector'] }))[0]?.state).toBe('verified');
  });

  test('404 and a refused connection: one line each naming the file and the URL', async () => {
    const dir = freshDir();
    server.faults.set(TRAIN, [{ kind: 'not-found' }]);
    const missing = await fetchDatasets({ datasetsDir: dir, names: ['pems-detector'], mirror: server.url, ...quick });
    expect(missing.failures.map((f) => f.message)).toEqual([`pems-detector-5min-flow/train.csv: HTTP 404 Not Found (${server.url}${TRAIN})`]);

    const closed = await closedPort();
    const refused = await fetchDatasets({ datasetsDir: dir, names: ['pems-detector'], mirror: `http://127.0.0.1:${closed}`, ...quick, retries: 0 });
    expect(refused.failures.map((f) => f.message)).toEqual([
      `pems-detector-5min-flow/train.csv: cannot connect (connect ECONNREFUSED 127.0.0.1:${closed}) (http://127.0.0.1:${closed}/pems-detector-5min-flow/train.csv)`,
    ]);
  });

  test('unknown names and bad mirrors are refused before anything is fetched', async () => {
    await expect(fetchDatasets({ datasetsDir: freshDir(), names: ['nope'] })).rejects.toThrow(/^unknown data set "nope"; valid names: air-quality-uci-italy \(italy-air\), .*, skab$/);
    await expect(fetchDatasets({ datasetsDir: freshDir(), names: ['skab'], mirror: 'ftp://x' })).rejects.toThrow('mirror: expected an http:// or https:// URL; got "ftp://x"');
  });
});
