import type { ReplayProgress, ReplaySummary } from './replay.js';

const numberFormat = new Intl.NumberFormat('en-US');

/** "1:02:03" or "2:03" for wall durations. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600), m = Math.floor((total % 3600) / 60), s = total % 60;
  const mm = h > 0 ? String(m).padStart(2, '0') : String(m);
  return `${h > 0 ? `${h}:` : ''}${mm}:${String(s).padStart(2, '0')}`;
}

/**
 * One progress line for a terminal: a bar when the total is known, records, rate, ETA and
 * the data time reached, e.g.
 * "[#########-----------] 45.0% 9,000/20,000 records · 1,500 rec/s · ETA 0:07 · data 2013-03-02T05:00:00Z".
 */
export function formatProgressLine(p: ReplayProgress, barWidth = 20): string {
  const parts: string[] = [];
  if (p.total !== undefined && p.total > 0) {
    const fraction = Math.min(1, p.records / p.total);
    const filled = Math.round(fraction * barWidth);
    parts.push(`[${'#'.repeat(filled)}${'-'.repeat(barWidth - filled)}] ${(fraction * 100).toFixed(1)}% ${numberFormat.format(p.records)}/${numberFormat.format(p.total)} records`);
  } else {
    parts.push(`${numberFormat.format(p.records)} records`);
  }
  parts.push(`${numberFormat.format(Math.round(p.ratePerSec))} rec/s`);
  if (p.etaMs !== undefined) parts.push(`ETA ${formatDuration(p.etaMs)}`);
  if (p.dataTime !== undefined) parts.push(`data ${new Date(p.dataTime).toISOString().replace('.000Z', 'Z')}`);
  return parts.join(' · ');
}

/** The final summary, one line. */
export function formatReplaySummary(s: ReplaySummary): string {
  const span = s.firstTime !== undefined && s.lastTime !== undefined
    ? ` covering ${new Date(s.firstTime).toISOString()} → ${new Date(s.lastTime).toISOString()}`
    : '';
  const rate = s.wallMs > 0 ? ` (${numberFormat.format(Math.round((s.records * 1000) / s.wallMs))} rec/s)` : '';
  return `${s.aborted ? 'stopped' : 'done'}: ${numberFormat.format(s.records)} records in ${numberFormat.format(s.messages)} messages from ${s.sites} sites${span}, ${numberFormat.format(s.skipped)} skipped, in ${formatDuration(s.wallMs)}${rate}`;
}
