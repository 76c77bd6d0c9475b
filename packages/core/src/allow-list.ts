import { readFileSync } from 'node:fs';

/**
 * Allow-lists of names (HS_ALLOWED_SITES, HS_ALLOWED_DOMAINS), compiled to one RegExp.
 *
 *   s-001,s-002,plant-*     names and globs (* any run of name characters, ? one), comma-separated
 *   /^(north|south)-\d+$/   one regular expression between slashes (unanchored unless you anchor it)
 *   @/etc/hs/sites.txt      a file: one name, glob or /regex/ per line; blank lines and # comments ignored
 */
export function parseAllowList(value: string): RegExp {
  const text = value.trim();
  let entries: string[];
  if (text.startsWith('@')) {
    const path = text.slice(1).trim();
    let body: string;
    try {
      body = readFileSync(path, 'utf8');
    } catch (error) {
      throw new Error(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    entries = body.split(/\r?\n/).map((l) => l.trim()).filter((l) => l.length > 0 && !l.startsWith('#'));
    if (entries.length === 0) throw new Error(`${path} lists no names`);
  } else if (text.length > 1 && text.startsWith('/') && text.endsWith('/')) {
    entries = [text];
  } else {
    entries = text.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
    if (entries.length === 0) throw new Error('the list is empty');
  }
  return new RegExp(entries.map(entryToRegexSource).join('|'));
}

function entryToRegexSource(entry: string): string {
  if (entry.length > 1 && entry.startsWith('/') && entry.endsWith('/')) {
    const source = entry.slice(1, -1);
    try {
      new RegExp(source);
    } catch (error) {
      throw new Error(`${entry} is not a valid regular expression: ${(error as Error).message}`);
    }
    return `(?:${source})`;
  }
  if (!/^[A-Za-z0-9_.*?-]+$/.test(entry)) throw new Error(`${JSON.stringify(entry)} is neither a name/glob of [A-Za-z0-9_.-*?] nor a /regex/`);
  const glob = entry.replace(/[.]/g, '\\.').replace(/\*/g, '[A-Za-z0-9_.-]*').replace(/\?/g, '[A-Za-z0-9_.-]');
  return `^(?:${glob})$`;
}
