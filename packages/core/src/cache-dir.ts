import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';

/**
 * Headstream's cache folder (data sets `headstream datasets fetch` downloads, the TensorFlow.js backend
 * measured fastest here): $XDG_CACHE_HOME/headstream, else ~/.cache/headstream (XDG ignores a relative
 * XDG_CACHE_HOME, and so do we). It may not exist yet.
 */
export function headstreamCacheDir(env: Record<string, string | undefined> = process.env): string {
  const xdg = env.XDG_CACHE_HOME;
  const cacheHome = xdg !== undefined && isAbsolute(xdg) ? xdg : join(env.HOME !== undefined && env.HOME !== '' ? env.HOME : homedir(), '.cache');
  return join(cacheHome, 'headstream');
}
