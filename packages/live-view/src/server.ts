import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Logger } from '@headstream/core';
import type { SqlClient } from '@headstream/store';
import { answerApi, BadParameter } from './api.js';
import { loadAssets, type Asset } from './assets.js';

export interface LiveViewOptions {
  /** Where readings, predictions, versions and training metrics are read (a reader role suffices). */
  db: SqlClient;
  /** Default 127.0.0.1: the page is for the person at this machine. */
  host?: string;
  /** Default 0: any free port (the URL says which). */
  port?: number;
  log?: Logger;
}

export interface LiveView {
  /** http://host:port/ of the page. */
  url: string;
  port: number;
  /** Stops serving and waits for answers in progress (it does not close `db`). */
  close(): Promise<void>;
}

export const DEFAULT_LIVE_VIEW_HOST = '127.0.0.1';
export const DEFAULT_LIVE_VIEW_PORT = 0;

// The page loads only its own files and talks only to this server.
const CONTENT_SECURITY_POLICY = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, extra: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...extra }).end(body);
}

const sendJson = (res: ServerResponse, status: number, value: unknown) => send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));

/** Serves the page and its JSON API from the database; see api.ts for the endpoints. */
export async function startLiveView(options: LiveViewOptions): Promise<LiveView> {
  const port = options.port ?? DEFAULT_LIVE_VIEW_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new Error(`live view port: expected an integer from 0 to 65535, got ${String(port)}`);
  const host = options.host ?? DEFAULT_LIVE_VIEW_HOST;
  const { db, log } = options;
  const assets = await loadAssets();
  const pending = new Set<Promise<void>>();

  async function answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://live-view');
    if (req.method !== 'GET') return send(res, 405, 'text/plain; charset=utf-8', 'only GET\n', { allow: 'GET' });
    const asset: Asset | undefined = assets.get(url.pathname === '/index.html' ? '/' : url.pathname);
    if (asset) return send(res, 200, asset.type, asset.body, asset.type.startsWith('text/html') ? { 'content-security-policy': CONTENT_SECURITY_POLICY } : {});
    if (!url.pathname.startsWith('/api/')) return send(res, 404, 'text/plain; charset=utf-8', 'not found: the live view is at /\n');
    try {
      const body = await answerApi(db, url.pathname, url.searchParams);
      if (body === undefined) return sendJson(res, 404, { error: `no endpoint ${url.pathname}: try /api/overview, /api/series, /api/errors, /api/grad-cosine or /api/edge-nodes` });
      sendJson(res, 200, body);
    } catch (error) {
      if (error instanceof BadParameter) return sendJson(res, 400, { error: error.message });
      log?.error({ err: error, path: url.pathname }, 'live view: a database read failed');
      // Internals (SQL, addresses) stay in the log.
      sendJson(res, 500, { error: 'reading the database failed (see the live view log)' });
    }
  }

  const server = createServer((req, res) => {
    const done = answer(req, res).catch((error: unknown) => {
      log?.error({ err: error }, 'live view: answering a request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
    });
    pending.add(done);
    void done.finally(() => pending.delete(done));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (error) => log?.error({ err: error }, 'live view: server error'));
  const address = server.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${bound}/`;
  log?.info({ url }, 'live view listening');
  return {
    url,
    port: bound,
    close: async () => {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      // Reads in progress finish before the caller may close the database under them.
      await Promise.allSettled([...pending]);
    },
  };
}
