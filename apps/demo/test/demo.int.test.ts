import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TASK_NAMES } from '@headstream/tasks';
import { freePort, skipOrFailInCi, waitUntil } from '@headstream/testkit';
import { cleanups, finished, mosquittoSub, RUN_LIMIT_MS, startDemo, stopOnCleanup, tempDir } from './run-demo.js';


describe('npm run demo (the built headstream-demo binary)', () => {
  it(
    'embedded defaults with --serve: the summary shows predictions for every task; mosquitto_sub (MQTT 3.1.1) receives every task\'s predictions from the demo\'s broker; SIGINT exits 0',
    { timeout: RUN_LIMIT_MS + 120_000 },
    async (ctx) => {
      const sub = mosquittoSub();
      if (!sub) return skipOrFailInCi(ctx, 'mosquitto_sub is not installed (Debian package mosquitto-clients)');
      const cwd = tempDir();
      const port = await freePort();
      const started = Date.now();
      const demo = startDemo(['--serve', '--port', String(port), '--view-port', '0'], cwd);
      stopOnCleanup(demo);
      // The human summary comes once the live part is predicted; then the demo keeps serving.
      await waitUntil(
        () => {
          if (demo.child.exitCode !== null) throw new Error(`the demo exited with ${demo.child.exitCode}:\n${demo.stderr().slice(-3000)}`);
          return /^Subscribe /m.test(demo.stdout());
        },
        'the demo summary',
        RUN_LIMIT_MS,
        500,
      );
      const summarySeconds = (Date.now() - started) / 1000;
      const text = demo.stdout();
      expect(text, demo.stderr()).toMatch(/Headstream demo finished in \d+ s \(embedded/);
      const ingested = Number(/^Readings\s+([\d,]+) ingested/m.exec(text)?.[1]?.replaceAll(',', '') ?? 0);
      expect(ingested).toBeGreaterThan(0);
      for (const task of TASK_NAMES) {
        const counts = new RegExp(`^\\s+${task}\\s+([\\d,]+)\\s+on MQTT \\(.*\\), ([\\d,]+) in the table`, 'm').exec(text);
        const published = Number(counts?.[1]?.replaceAll(',', '') ?? 0);
        expect(published, `${task} predictions in:\n${text}`).toBeGreaterThan(0);
        // What the demo's own subscriber received is what the predictor stored.
        expect(Number(counts?.[2]?.replaceAll(',', '') ?? 0), task).toBe(published);
        // Its metrics row: shared, single-task and persistence.
        expect(text).toMatch(new RegExp(`^\\s+${task}\\s+(MAE|macro-F1)\\s+[\\d.]+\\s+[\\d.]+\\s+([\\d.]+|–)\\s+[\\d.]+\\s+[+−]?[\\d.]+ %\\s+(shared|single|blend)$`, 'm'));
      }
      expect(text).toMatch(/Δm% [+−]?\d+\.\d %/);
      // The live view's scores of the live part: the served model next to persistence on targets it did not train on.
      expect(text).toMatch(/^Live scores\s+the live view's scores of the live part/m);
      const traffic = /^\s+traffic\s+MAE ([\d.]+) vs persistence ([\d.]+) \([+−]?[\d.]+ %\) over ([\d,]+) targets: (better than persistence beyond noise|worse than persistence beyond noise|within noise|too few target times to tell)/m.exec(text);
      expect(traffic, text).not.toBeNull();
      // Traffic's served model beats persistence on the live part: twelve hours of six roads (4,176 targets). With two
      // hours (576 targets) its MAE was 0.74–0.91 of persistence's on seeds 1–3 with live parts at night and on a Sunday
      // morning and afternoon (the clock shifted); over every two hours of the validation part at most 0.97; over
      // twelve, 0.75 (seed 1). This test runs seed 1 at any hour.
      const [model, persistence, targets] = [Number(traffic?.[1]), Number(traffic?.[2]), Number(traffic?.[3]?.replaceAll(',', ''))];
      expect(targets, text).toBeGreaterThan(300);
      expect(model, text).toBeLessThanOrEqual(persistence);
      expect(text).toMatch(/^Guard\s+(promoted|REFUSED) v\d{8}T\d{6}Z/m);
      expect(text).toContain(`mosquitto_sub -h 127.0.0.1 -p ${port} -t 'hs/v1/predictions/#' -v`);
      expect(text).toContain(join(cwd, '.headstream', 'demo', 'db'));
      expect(text).not.toMatch(/PROBLEM/);
      // What stores the data (plain PGlite by default; --timescale: BENCHMARKS.md, embedded engines).
      expect(text).toMatch(/^\s+storage pglite$/m);
      // The live view (it reads the demo's database) answers while the demo serves.
      const view = /^Live view\s+(http:\/\/127\.0\.0\.1:\d+\S*)/m.exec(text)?.[1];
      expect(view, text).toBeDefined();
      expect((await fetch(view ?? '')).status).toBe(200);

      // Another terminal: Debian's mosquitto_sub speaking MQTT 3.1.1 to the demo's broker.
      const subscribed = Date.now();
      const client = spawn(sub, ['-V', 'mqttv311', '-h', '127.0.0.1', '-p', String(port), '-t', 'hs/v1/predictions/#', '-v'], { stdio: ['ignore', 'pipe', 'pipe'] });
      cleanups.push(async () => {
        if (client.exitCode === null) client.kill('SIGKILL');
        await new Promise((resolve) => (client.exitCode !== null ? resolve(null) : client.once('exit', resolve)));
      });
      let received = '';
      client.stdout?.on('data', (d: Buffer) => (received += d.toString()));
      const lines = () => received.split('\n').filter((l) => l.startsWith('hs/v1/predictions/'));
      const tasksSeen = () => new Set(lines().map((l) => l.split('/')[3]));
      // Each task's latest prediction per site is retained; new fault predictions follow every second while serving.
      const issuedAfterSubscribing = () =>
        lines().some((l) => {
          const issued = Date.parse((JSON.parse(l.slice(l.indexOf(' ') + 1)) as { issued_at: string }).issued_at);
          return l.startsWith('hs/v1/predictions/fault/') && issued >= subscribed - 5_000;
        });
      await waitUntil(() => TASK_NAMES.every((t) => tasksSeen().has(t)) && issuedAfterSubscribing(), `predictions of every task via mosquitto_sub (seen: ${[...tasksSeen()].join(', ')})`, 120_000, 250);
      for (const line of lines().slice(0, 20)) {
        const prediction = JSON.parse(line.slice(line.indexOf(' ') + 1)) as { task: string; site: string; model_version: string };
        expect(line.startsWith(`hs/v1/predictions/${prediction.task}/${prediction.site} `)).toBe(true);
        expect(prediction.model_version).toMatch(/^v\d{8}T\d{6}Z$/);
      }

      const interrupted = Date.now();
      demo.child.kill('SIGINT');
      const code = await finished(demo, 30_000);
      const stopSeconds = (Date.now() - interrupted) / 1000;
      expect(code, demo.stderr().slice(-2000)).toBe(0);
      expect(stopSeconds).toBeLessThan(15);
      expect(demo.stderr()).toMatch(/stopped cleanly/);
      process.stderr.write(`[demo test] summary after ${summarySeconds.toFixed(0)} s, stopped ${stopSeconds.toFixed(1)} s after SIGINT\n`);
    },
  );
});
