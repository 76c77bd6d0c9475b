#!/usr/bin/env node
/**
 * Embedded engine benchmark: plain PGlite against PGlite with TimescaleDB, each in a fresh child
 * process on a fresh data directory. Per engine: startup (open + every migration), restart (open an
 * existing directory + migrate, nothing to apply), ingest readings/s through the ReadingWriter (the
 * ingest path), an hourly rollup read, the data directory's size after ingest and, with TimescaleDB,
 * after its policies ran and the chunks older than a day were compressed. Prints human lines, or with
 * --json exactly one JSON object as the last line.
 *
 *   node packages/store/dist/bench/engine-bench.js [--json] [--days 6] [--series 40] [--step-s 60]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openDatabase } from '../open.js';
import { migrate } from '../migrations.js';
import { EMBEDDED_ENGINES, type EmbeddedEngine } from '../pglite.js';
import { ReadingWriter, type ReadingBatchItem } from '../reading-writer.js';
import { compressReadings, runTimescaleJobs, storageInfo } from '../storage.js';

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    days: { type: 'string', default: '6' },
    series: { type: 'string', default: '40' },
    'step-s': { type: 'string', default: '60' },
    batch: { type: 'string', default: '5000' },
    engine: { type: 'string' },
    dir: { type: 'string' },
  },
});

const positive = (name: string, text: string | undefined): number => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) {
    process.stderr.write(`engine-bench: --${name} expects a positive integer, got ${JSON.stringify(text)}\n`);
    process.exit(2);
  }
  return n;
};
const days = positive('days', values.days);
const seriesCount = positive('series', values.series);
const stepMs = positive('step-s', values['step-s']) * 1000;
const batch = positive('batch', values.batch);

function dirBytes(path: string): number {
  let total = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    const full = join(path, entry.name);
    total += entry.isDirectory() ? dirBytes(full) : statSync(full).size;
  }
  return total;
}

const ms = (t0: number) => Math.round(performance.now() - t0);

interface EngineFigures {
  engine: EmbeddedEngine;
  startup_ms: number;
  restart_ms: number;
  readings: number;
  ingest_readings_per_s: number;
  rollup_1h_read_ms: number;
  disk_mb_after_ingest: number;
  disk_mb_after_compression: number | null;
  compression_ratio: number | null;
  peak_rss_mb: number;
}

/** One engine, in this process (the child). */
async function measure(engine: EmbeddedEngine, dataDir: string): Promise<EngineFigures> {
  let t0 = performance.now();
  let db = await openDatabase({ dataDir, engine });
  await migrate(db, { log: () => undefined });
  const startup = ms(t0);
  await db.close();
  t0 = performance.now();
  db = await openDatabase({ dataDir, engine });
  await migrate(db, { log: () => undefined });
  const restart = ms(t0);

  // The demo's shape: minute readings of a few dozen series over six days, ending now.
  const end = Math.floor(Date.now() / stepMs) * stepMs;
  const start = end - days * 86_400_000;
  const writer = new ReadingWriter(db, { mode: 'unnest' });
  let readings = 0;
  let items: ReadingBatchItem[] = [];
  t0 = performance.now();
  for (let t = start; t < end; t += stepMs) {
    for (let s = 0; s < seriesCount; s++) items.push({ domain: 'city', site: `site-${s}`, time: t, values: { flow: 100 + 50 * Math.sin(t / 3_600_000 + s) } });
    if (items.length >= batch) {
      readings += (await writer.write(items)).inserted;
      items = [];
    }
  }
  if (items.length > 0) readings += (await writer.write(items)).inserted;
  const ingestSeconds = (performance.now() - t0) / 1000;

  t0 = performance.now();
  await db.query('SELECT series_id, count(*), avg(mean) FROM readings_1h GROUP BY 1');
  const rollupRead = ms(t0);
  await db.query('CHECKPOINT');
  const afterIngest = dirBytes(dataDir);
  let afterCompression: number | null = null;
  let ratio: number | null = null;
  if (engine === 'timescale') {
    await runTimescaleJobs(db);
    await compressReadings(db, '1 day');
    await db.query('CHECKPOINT');
    ratio = (await storageInfo(db)).compression?.ratio ?? null;
    afterCompression = dirBytes(dataDir);
  }
  await db.close();
  const mb = (b: number) => Math.round((b / 1048576) * 10) / 10;
  return {
    engine,
    startup_ms: startup,
    restart_ms: restart,
    readings,
    ingest_readings_per_s: Math.round(readings / ingestSeconds),
    rollup_1h_read_ms: rollupRead,
    disk_mb_after_ingest: mb(afterIngest),
    disk_mb_after_compression: afterCompression === null ? null : mb(afterCompression),
    compression_ratio: ratio === null ? null : Math.round(ratio * 100) / 100,
    peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
  };
}

if (values.engine !== undefined) {
  // Child: one engine, one JSON line.
  if (!(EMBEDDED_ENGINES as readonly string[]).includes(values.engine) || values.dir === undefined) throw new Error('child mode needs --engine and --dir');
  process.stdout.write(`${JSON.stringify(await measure(values.engine as EmbeddedEngine, values.dir))}\n`);
} else {
  const say = (line: string) => (values.json ? process.stderr : process.stdout).write(`${line}\n`);
  const results: EngineFigures[] = [];
  for (const engine of EMBEDDED_ENGINES) {
    const dir = mkdtempSync(join(tmpdir(), `hs-engine-bench-${engine}-`));
    try {
      say(`${engine}: ${days} days × ${seriesCount} series every ${stepMs / 1000} s …`);
      const args = [fileURLToPath(import.meta.url), '--engine', engine, '--dir', join(dir, 'db'), '--days', String(days), '--series', String(seriesCount), '--step-s', String(stepMs / 1000), '--batch', String(batch)];
      const child = spawnSync(process.execPath, args, { encoding: 'utf8', maxBuffer: 16 * 1048576 });
      if (child.status !== 0) throw new Error(`${engine} run failed (${child.status}): ${child.stderr.slice(-2000)}`);
      const figures = JSON.parse(child.stdout.trim().split('\n').at(-1) ?? '{}') as EngineFigures;
      results.push(figures);
      say(`  ${JSON.stringify(figures)}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const [plain, timescale] = results as [EngineFigures, EngineFigures];
  const summary = {
    node: process.version,
    days,
    series: seriesCount,
    step_s: stepMs / 1000,
    engines: results,
    timescale_vs_pglite: {
      startup: Math.round((timescale.startup_ms / plain.startup_ms) * 100) / 100,
      ingest: Math.round((timescale.ingest_readings_per_s / plain.ingest_readings_per_s) * 100) / 100,
      disk_after_ingest: Math.round((timescale.disk_mb_after_ingest / plain.disk_mb_after_ingest) * 100) / 100,
      disk_after_compression: timescale.disk_mb_after_compression === null ? null : Math.round((timescale.disk_mb_after_compression / plain.disk_mb_after_ingest) * 100) / 100,
    },
  };
  if (values.json) process.stdout.write(`${JSON.stringify(summary)}\n`);
  else say(JSON.stringify(summary.timescale_vs_pglite));
}
