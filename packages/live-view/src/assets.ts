import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The page's files, read once at start: the package's static/ folder (one level above src/ and
 * dist/ alike, and in the package's "files") and uPlot's browser build, found wherever npm put it.
 * A fixed table, so no request path ever reaches the file system.
 */
export interface Asset {
  body: Buffer;
  type: string;
}

const STATIC_DIR = fileURLToPath(new URL('../static/', import.meta.url));

/** uPlot's dist folder: its package has no "exports", so its main file (dist/uPlot.cjs.js) resolves. */
function uplotDist(): string {
  return dirname(createRequire(import.meta.url).resolve('uplot'));
}

export async function loadAssets(): Promise<Map<string, Asset>> {
  const uplot = uplotDist();
  const files: [string, string, string][] = [
    ['/', join(STATIC_DIR, 'index.html'), 'text/html; charset=utf-8'],
    ['/app.js', join(STATIC_DIR, 'app.js'), 'text/javascript; charset=utf-8'],
    ['/style.css', join(STATIC_DIR, 'style.css'), 'text/css; charset=utf-8'],
    ['/vendor/uPlot.iife.min.js', join(uplot, 'uPlot.iife.min.js'), 'text/javascript; charset=utf-8'],
    ['/vendor/uPlot.min.css', join(uplot, 'uPlot.min.css'), 'text/css; charset=utf-8'],
  ];
  const assets = new Map<string, Asset>();
  for (const [path, file, type] of files) {
    try {
      assets.set(path, { body: await readFile(file), type });
    } catch (error) {
      throw new Error(`live view: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); is the package installed whole?`);
    }
  }
  return assets;
}
