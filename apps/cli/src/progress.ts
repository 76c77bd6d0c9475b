import { SingleBar, Presets } from 'cli-progress';
import { formatProgressLine, type ReplayProgress } from '@headstream/datasets';

/** A progress bar on a terminal; one line every few seconds elsewhere (CI logs, pipes). */
export function progressReporter(label: string, total: number | undefined): { update(p: ReplayProgress): void; stop(): void } {
  if (process.stderr.isTTY && total !== undefined) {
    const bar = new SingleBar(
      { format: `${label} [{bar}] {percentage}% | {value}/{total} records | {rate}/s | ETA {eta_formatted}`, stream: process.stderr, hideCursor: true, etaBuffer: 50 },
      Presets.shades_classic,
    );
    bar.start(total, 0, { rate: 0 });
    return {
      update: (p) => bar.update(p.records, { rate: Math.round(p.ratePerSec) }),
      stop: () => bar.stop(),
    };
  }
  let last = 0;
  return {
    update(p) {
      if (Date.now() - last < 5_000) return;
      last = Date.now();
      process.stderr.write(`${label} ${formatProgressLine(p)}\n`);
    },
    stop: () => undefined,
  };
}

/**
 * Training progress: a bar with ETA over every model's epochs on a terminal, one line per epoch
 * elsewhere. Log lines go above the bar. Epoch events arrive from inside the (synchronous) training
 * loop, so the bar redraws on each update rather than on a timer.
 */
export function trainingProgress(): {
  plan(totalEpochs: number): void;
  log(line: string): void;
  epoch(p: { model: string; epoch: number; epochs: number; losses: Record<string, number> }): void;
  stop(): void;
} {
  const loss = (l: Record<string, number>) => Object.entries(l).map(([t, v]) => `${t} ${v.toFixed(4)}`).join(', ');
  let done = 0;
  let total = 0;
  if (process.stderr.isTTY) {
    const bar = new SingleBar({ format: 'training [{bar}] {percentage}% | {model} epoch {epoch} | ETA {eta_formatted}', stream: process.stderr, hideCursor: true, etaBuffer: 20, synchronousUpdate: true, fps: 1000 }, Presets.shades_classic);
    let started = false;
    return {
      plan(n) {
        total = n;
      },
      log(line) {
        if (started) bar.stop();
        process.stderr.write(`${line}\n`);
        if (started) bar.start(total, done, {});
      },
      epoch(p) {
        done++;
        if (!started) {
          bar.start(total, done, { model: p.model, epoch: `${p.epoch + 1}/${p.epochs}` });
          started = true;
        } else {
          bar.update(done, { model: p.model, epoch: `${p.epoch + 1}/${p.epochs}` });
        }
      },
      stop: () => {
        if (started) bar.stop();
      },
    };
  }
  return {
    plan: (n) => {
      total = n;
    },
    log: (line) => process.stderr.write(`${line}\n`),
    epoch: (p) => process.stderr.write(`[train] ${p.model} epoch ${p.epoch + 1}/${p.epochs} (${++done}/${total}): ${loss(p.losses)}\n`),
    stop: () => undefined,
  };
}
