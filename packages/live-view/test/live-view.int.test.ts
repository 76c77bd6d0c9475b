import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, recordEdgeNodes } from '@headstream/store';
import { databaseTargets, firstAvailable, skipOrFailInCi, type TestDatabase } from '@headstream/testkit';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLiveView, type LiveView } from '../src/index.js';
import { CHROMIUM_FLAGS, chromiumExecutable } from './chromium.js';
import { bucketEnd, seed, SEEDED_STEPS, writeSteps } from './seed.js';

/**
 * The live view in a real browser (Debian's Chromium, driven by playwright-core) against a real
 * database: the page draws every chart from the seeded history and lists the Sparkplug edge nodes
 * ingest recorded, then follows readings, predictions and a node's death written while it is open,
 * with no console error, page error or failed request.
 * HS_LIVE_VIEW_SCREENSHOT=<file.png> saves a screenshot of the live page.
 */

/** What the test reads of a chart in the page: drawn data and the pixels of each series' colour. */
interface ChartState {
  points: number;
  /** Last x value (uPlot's: seconds for time axes). */
  lastX: number | null;
  series: { label: string; values: number; color: string | null; pixels: number }[];
  /** Plot pixels of the interval band: the forecast blue at the band fill's alpha 0.18 (uPlot draws on a transparent canvas; a line's antialiased edge rarely has exactly that). */
  bandPixels: number;
}

/** Runs in the page: every chart's data and, per series with a solid colour, how many plot pixels have it. */
function readCharts(): Record<string, ChartState> {
  interface Series {
    label?: unknown;
    stroke?: unknown;
  }
  interface Plot {
    data: (number | null)[][];
    series: Series[];
    bbox: { left: number; top: number; width: number; height: number };
    ctx: { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } };
  }
  const hooks = (globalThis as unknown as { hsLiveView: { charts: Record<string, Plot> } }).hsLiveView;
  const out: Record<string, ChartState> = {};
  for (const [id, plot] of Object.entries(hooks.charts)) {
    const { left, top, width, height } = plot.bbox;
    const pixels = width > 0 && height > 0 ? plot.ctx.getImageData(left, top, width, height).data : [];
    const xs = plot.data[0] ?? [];
    let bandPixels = 0;
    for (let p = 0; p < pixels.length; p += 4) {
      const alpha = pixels[p + 3] ?? 0;
      const d = Math.abs((pixels[p] ?? 0) - 0x1f) + Math.abs((pixels[p + 1] ?? 0) - 0x77) + Math.abs((pixels[p + 2] ?? 0) - 0xb4);
      if (alpha >= 40 && alpha <= 52 && d < 12) bandPixels++;
    }
    out[id] = {
      bandPixels,
      points: xs.length,
      lastX: xs.length ? (xs[xs.length - 1] ?? null) : null,
      series: plot.series.slice(1).map((s, i) => {
        const stroke: unknown = typeof s.stroke === 'function' ? (s.stroke as (u: Plot, i: number) => unknown)(plot, i + 1) : s.stroke;
        const color = typeof stroke === 'string' && /^#[0-9a-f]{6}$/i.test(stroke) ? stroke : null;
        let matching = 0;
        if (color) {
          const [r, g, b] = [1, 3, 5].map((k) => parseInt(color.slice(k, k + 2), 16)) as [number, number, number];
          for (let p = 0; p < pixels.length; p += 4) {
            const d = Math.abs((pixels[p] ?? 0) - r) + Math.abs((pixels[p + 1] ?? 0) - g) + Math.abs((pixels[p + 2] ?? 0) - b);
            if ((pixels[p + 3] ?? 0) > 200 && d < 60) matching++;
          }
        }
        return { label: String(s.label), values: (plot.data[i + 1] ?? []).filter((v) => v !== null && v !== undefined).length, color, pixels: matching };
      }),
    };
  }
  return out;
}

const CHART_IDS = [
  'traffic:main',
  'traffic:errors',
  'air_quality:main',
  'air_quality:errors',
  'fault:main',
  'fault:state',
  'fault:errors',
  'throughput:main',
  'throughput:errors',
  'cosine',
];

describe('live view in Chromium', () => {
  let db: TestDatabase | undefined;
  let view: LiveView | undefined;
  let context: BrowserContext | undefined;
  let profile: string | undefined;

  beforeAll(async () => {
    db = await firstAvailable(databaseTargets()).open('live-view-browser');
    await migrate(db);
    await seed(db);
    // An edge node and its device online, as ingest records their births.
    const born = { source: 'sparkplug', group: 'plant1', node: 'press-7', domain: 'factory', site: 'line-01', online: true, at: Date.now() - 3_600_000, bdSeq: 4 };
    await recordEdgeNodes(db, [{ ...born, cause: 'NBIRTH' }, { ...born, device: 'm1', site: 'line-01-m1', cause: 'DBIRTH' }]);
    view = await startLiveView({ db });
  });

  afterAll(async () => {
    await context?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
    await view?.close();
    await db?.dispose();
  });

  it('draws every chart from the database and follows data written while it is open', { timeout: 120_000 }, async (ctx) => {
    const executablePath = chromiumExecutable();
    if (executablePath === undefined) return skipOrFailInCi(ctx, 'no chromium on PATH (apt-get install chromium, or set HS_CHROMIUM)');
    if (!view || !db) throw new Error('setup failed');
    const started = Date.now();
    profile = await mkdtemp(join(tmpdir(), 'hs-live-view-chromium-'));
    context = await chromium.launchPersistentContext(profile, { executablePath, headless: true, args: CHROMIUM_FLAGS, viewport: { width: 1400, height: 1000 }, timeout: 60_000 });
    const page: Page = context.pages()[0] ?? (await context.newPage());
    const problems: string[] = [];
    page.on('console', (msg) => {
      if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()} (${req.failure()?.errorText ?? '?'})`));
    page.on('response', (res) => {
      if (res.status() >= 400) problems.push(`HTTP ${res.status()}: ${res.url()}`);
    });

    await page.goto(view.url);
    const launched = Date.now();
    await page.waitForFunction((ids) => {
      const hooks = (globalThis as unknown as { hsLiveView?: { polls: number; charts: Record<string, { data: unknown[][] }> } }).hsLiveView;
      return hooks !== undefined && hooks.polls >= 1 && ids.every((id) => (hooks.charts[id]?.data[0]?.length ?? 0) > 0);
    }, CHART_IDS, { timeout: 60_000 });
    const firstDraw = Date.now();

    const before = await page.evaluate(readCharts);
    for (const id of CHART_IDS) {
      const chart = before[id];
      expect(chart, id).toBeDefined();
      expect(chart?.points, id).toBeGreaterThan(10);
      for (const s of chart?.series ?? []) {
        // Every series has data and, where drawn in a solid colour, left pixels of it in the plot.
        expect(s.values, `${id} ${s.label}: values`).toBeGreaterThan(0);
        if (s.color) expect(s.pixels, `${id} ${s.label}: pixels of ${s.color}`).toBeGreaterThan(50);
      }
    }
    // The 80 % interval is a filled band around each regression forecast.
    for (const task of ['traffic', 'air_quality', 'throughput']) expect(before[`${task}:main`]?.bandPixels, `${task} band`).toBeGreaterThan(1000);
    expect(before['traffic:main']?.lastX).toBe(bucketEnd('traffic', SEEDED_STEPS + 1) / 1000);
    expect(before['fault:main']?.lastX).toBe(bucketEnd('fault', SEEDED_STEPS) / 1000);
    expect(before.cosine?.series).toHaveLength(6);
    expect(await page.locator('#version').textContent()).toContain('v-live-test (active)');
    // With the server's verdict on the paired difference (scores.ts maeVerdict), and its band where it has one.
    expect(await page.locator('section[data-task="traffic"] .summary').textContent()).toMatch(
      /^MAE 3\.00 vs persistence [\d.]+ \([+−-]?[\d.]+ %\) on \d+ scored forecasts, (better than persistence beyond noise: |worse than persistence beyond noise: |within noise: |too few target times)/,
    );
    // The edge nodes card: each node and device, online, since when.
    await page.locator('#edge-nodes').waitFor({ state: 'visible', timeout: 15_000 });
    expect(await page.locator('#edge-nodes-sub').textContent()).toBe('(2 of 2 online)');
    expect(await page.locator('tr[data-node="plant1/press-7"] td').allTextContents()).toEqual(['plant1', 'press-7', '–', 'line-01', 'online', expect.stringMatching(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d \(60 min ago\)$/) as string, '4']);

    // New readings and predictions, 30 more steps of every task: the charts follow within a few polls.
    const more = 30;
    await writeSteps(db, SEEDED_STEPS + 1, SEEDED_STEPS + 1 + more);
    // And the edge node dies (its NDEATH, or its MQTT will): node and device offline within a few polls.
    await recordEdgeNodes(db, [{ source: 'sparkplug', group: 'plant1', node: 'press-7', domain: 'factory', site: 'line-01', online: false, at: Date.now(), bdSeq: 4, cause: 'NDEATH' }]);
    const wrote = Date.now();
    const expectLast = {
      'traffic:main': bucketEnd('traffic', SEEDED_STEPS + more + 1),
      // Errors are scored up to the newest step that is over: the newest bucket has no later reading yet.
      'traffic:errors': bucketEnd('traffic', SEEDED_STEPS + more - 1),
      'air_quality:main': bucketEnd('air_quality', SEEDED_STEPS + more + 1),
      'throughput:main': bucketEnd('throughput', SEEDED_STEPS + more + 1),
      'fault:main': bucketEnd('fault', SEEDED_STEPS + more),
      'fault:state': bucketEnd('fault', SEEDED_STEPS + more),
      'fault:errors': bucketEnd('fault', SEEDED_STEPS + more - 1),
    };
    await page.waitForFunction(
      (expected) => {
        const hooks = (globalThis as unknown as { hsLiveView: { charts: Record<string, { data: (number | null)[][] }> } }).hsLiveView;
        return Object.entries(expected).every(([id, ms]) => hooks.charts[id]?.data[0]?.at(-1) === ms / 1000);
      },
      expectLast,
      { timeout: 45_000 },
    );
    const followed = Date.now();
    await page.locator('tr[data-node="plant1/press-7/m1"] td.offline').waitFor({ timeout: 15_000 });
    expect(await page.locator('#edge-nodes-sub').textContent()).toBe('(0 of 2 online)');
    const after = await page.evaluate(readCharts);
    for (const id of Object.keys(expectLast)) {
      // The newest points hold values: the actual of the last new bucket is drawn, not just its time.
      const chart = after[id];
      expect(chart?.series.every((s) => s.values > 0), id).toBe(true);
    }
    expect(problems).toEqual([]);

    const screenshot = process.env.HS_LIVE_VIEW_SCREENSHOT;
    if (screenshot) await page.screenshot({ path: screenshot, fullPage: true });
    console.log(
      `live view: browser up and page loaded ${launched - started} ms, first full draw ${firstDraw - launched} ms, followed new data ${followed - wrote} ms after the write`,
    );
  });
});
