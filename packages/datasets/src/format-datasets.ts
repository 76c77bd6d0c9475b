import { loaders } from './registry.js';
import { describeFileProblem, type DatasetCheck } from './verify.js';

/** "740.5 kB", "30.6 MB" (decimal units, as downloads are usually shown). */
export function formatBytes(bytes: number): string {
  if (bytes < 1_000) return `${bytes} B`;
  if (bytes < 1_000_000) return `${(bytes / 1_000).toFixed(1)} kB`;
  if (bytes < 1_000_000_000) return `${(bytes / 1_000_000).toFixed(1)} MB`;
  return `${(bytes / 1_000_000_000).toFixed(2)} GB`;
}

const loaderOf = (folder: string) => Object.values(loaders).find((l) => l.folder === folder)?.name;

/** One data set as `datasets list --json` prints it. */
export interface DatasetListEntry {
  folder: string;
  loader?: string;
  title: string;
  state: DatasetCheck['state'];
  /** The folder checked: where the loaders read it, or where fetch would put it. */
  dir: string;
  files: number;
  verifiedFiles: number;
  bytes: number;
  /** One line per file that is missing or differs (empty when verified). */
  problems: string[];
  /** The files come from here (SOURCE.md's snapshot). */
  source: string;
}

export function datasetListEntries(checks: readonly DatasetCheck[]): DatasetListEntry[] {
  return checks.map((c) => {
    const loader = loaderOf(c.dataset.folder);
    return {
      folder: c.dataset.folder,
      ...(loader === undefined ? {} : { loader }),
      title: c.dataset.title,
      state: c.state,
      dir: c.dir,
      files: c.files.length,
      verifiedFiles: c.files.filter((f) => f.state === 'verified').length,
      bytes: c.dataset.files.reduce((sum, f) => sum + f.size, 0),
      problems: c.state === 'missing' ? [] : c.files.filter((f) => f.state !== 'verified').map((f) => describeFileProblem(c.dataset.folder, f)),
      source: `${c.dataset.snapshot.repository}/tree/${c.dataset.snapshot.commit}`,
    };
  });
}

/**
 * A table, one row per data set (state, verified files, size, where), the problems of a set that is
 * not verified indented under it (at most `maxProblems` each), and a hint when something is to fetch.
 */
export function formatDatasetList(checks: readonly DatasetCheck[], maxProblems = 3): string {
  const entries = datasetListEntries(checks);
  const rows = entries.map((e) => [e.loader === undefined || e.loader === e.folder ? e.folder : `${e.folder} (${e.loader})`, e.state, `${e.verifiedFiles}/${e.files}`, formatBytes(e.bytes), e.dir]);
  const header = ['DATA SET', 'STATE', 'FILES', 'SIZE', 'WHERE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  const out = [line(header)];
  entries.forEach((e, i) => {
    out.push(line(rows[i] ?? []));
    for (const p of e.problems.slice(0, maxProblems)) out.push(`    ${p}`);
    if (e.problems.length > maxProblems) out.push(`    … and ${e.problems.length - maxProblems} more`);
  });
  const toFetch = entries.filter((e) => e.state !== 'verified');
  if (toFetch.length > 0) out.push('', `not verified: ${toFetch.map((e) => e.folder).join(', ')}; get them with \`headstream datasets fetch${toFetch.length === entries.length ? '' : ` ${toFetch.map((e) => e.loader ?? e.folder).join(' ')}`}\``);
  return out.join('\n');
}
