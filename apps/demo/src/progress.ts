import { Presets, SingleBar } from 'cli-progress';

/** One measured quantity of a phase: a bar on a terminal, a line every few seconds elsewhere (CI logs, pipes). */
export interface ProgressBar {
  update(value: number, detail?: string): void;
  /** Sets the total once it is known or changes. */
  total(total: number): void;
  stop(detail?: string): void;
}

export interface Progress {
  /** A numbered phase heading, e.g. "[2/5] history …". */
  phase(title: string): void;
  line(text: string): void;
  bar(label: string, total: number, unit: string): ProgressBar;
}

/** Seconds between plain progress lines when stderr is not a terminal. */
const PLAIN_EVERY_MS = 5_000;

export function createProgress(phases: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  let phase = 0;
  const tty = stream.isTTY === true;
  // The bar being drawn and how to redraw it after a line was written above it.
  let active: { bar: SingleBar; redraw(): void } | undefined;
  const write = (text: string) => {
    if (active) active.bar.stop();
    stream.write(`${text}\n`);
    active?.redraw();
  };
  return {
    phase(title) {
      phase++;
      write(`[${phase}/${phases}] ${title}`);
    },
    line: (text) => write(`      ${text}`),
    bar(label, total, unit) {
      if (tty) {
        const bar = new SingleBar(
          { format: `      ${label} [{bar}] {percentage}% | {value}/{total} ${unit} {detail}`, stream, hideCursor: true, clearOnComplete: false, fps: 5 },
          Presets.shades_classic,
        );
        const state = { value: 0, total: Math.max(1, total), detail: '' };
        const entry = { bar, redraw: () => bar.start(state.total, state.value, { detail: state.detail }) };
        if (active) active.bar.stop();
        active = entry;
        entry.redraw();
        return {
          update(value, detail) {
            state.value = value;
            state.detail = detail ?? '';
            bar.update(value, { detail: state.detail });
          },
          total(t) {
            state.total = Math.max(1, t);
            bar.setTotal(state.total);
          },
          stop(detail) {
            if (detail !== undefined) bar.update({ detail });
            bar.stop();
            if (active === entry) active = undefined;
          },
        };
      }
      let last = Date.now();
      let max = total;
      let latest = 0;
      return {
        update(value, detail) {
          latest = value;
          if (Date.now() - last < PLAIN_EVERY_MS) return;
          last = Date.now();
          stream.write(`      ${label}: ${value}/${max} ${unit}${detail ? ` ${detail}` : ''}\n`);
        },
        total: (t) => {
          max = t;
        },
        stop: (detail) => {
          stream.write(`      ${label}: ${latest}/${max} ${unit}${detail ? ` ${detail}` : ''}\n`);
        },
      };
    },
  };
}
