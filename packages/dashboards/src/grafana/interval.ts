/**
 * Grafana's interval strings ("5m", "1h", "300ms") as its Go backend reads and writes them
 * (grafana-plugin-sdk-go gtime.ParseInterval / FormatInterval), so expanded SQL matches Grafana's.
 */

const MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const DAY = 86_400_000;
// gtime computes y/M/w/d from the calendar (now.AddDate); fixed lengths are exact for w and d, approximate for y and M.
const PERIOD_MS: Record<string, number> = { d: DAY, w: 7 * DAY, M: 30 * DAY, y: 365 * DAY };

/** Milliseconds of an interval: "1d", "2w", or a Go duration ("90s", "1h30m", "1.5h", "250ms"). */
export function parseInterval(text: string): number {
  const period = /^(\d+)([yMwd])$/.exec(text);
  if (period) return Number(period[1]) * (PERIOD_MS[period[2] as string] as number);
  const parts = [...text.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/g)];
  if (parts.length === 0 || parts.map((p) => p[0]).join('') !== text) throw new Error(`not a Grafana interval: ${JSON.stringify(text)}`);
  return parts.reduce((sum, p) => sum + Number(p[1]) * (MS[p[2] as string] as number), 0);
}

/** The interval as Grafana prints $__interval: its largest whole unit ("1m" for 90 s), at least "1ms". */
export function formatInterval(ms: number): string {
  const units: [number, string][] = [
    [365 * DAY, 'y'],
    [DAY, 'd'],
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1000, 's'],
    [1, 'ms'],
  ];
  for (const [size, unit] of units) if (ms >= size) return `${Math.floor(ms / size)}${unit}`;
  return '1ms';
}

/** A float as Go's %v prints it (shortest digits; exponent form from 1e+06 up and below 1e-04). */
export function goFloat(value: number): string {
  if (value === 0 || !Number.isFinite(value)) return String(value);
  const exponent = Math.floor(Math.log10(Math.abs(value)));
  if (exponent < -4 || exponent >= 6) return value.toExponential().replace(/e([+-])(\d)$/, 'e$10$2');
  return String(value);
}
