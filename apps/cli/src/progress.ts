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
