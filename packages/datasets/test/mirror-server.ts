import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

/** How long after its bytes are flushed a 'cut' drops the connection (CI under load took longer than 20 ms to read them). */
const CUT_AFTER_MS = 1_000;

/** How the server answers one GET of a path. */
export type Fault =
  | { kind: 'cut'; afterBytes: number } // sends the headers and the first bytes, then drops the connection
  | { kind: 'corrupt' } // flips one byte (same size)
  | { kind: 'not-found' }
  | { kind: 'ignore-range' }; // answers 200 with the whole file even to a Range request

export interface ServedRequest {
  path: string;
  range?: string;
  status: number;
}

export interface MirrorServer {
  url: string;
  requests: ServedRequest[];
  /** Faults for the next GETs of a path (each is used once, in order). */
  faults: Map<string, Fault[]>;
  close(): Promise<void>;
}

/**
 * A real HTTP mirror of a datasets directory on 127.0.0.1: GET /<folder>/<path> serves the file, with
 * single-range `Range: bytes=N-` support (206 + Content-Range), and injectable faults. It answers
 * 406 unless the client asks for `accept-encoding: identity`.
 */
export async function startMirrorServer(root: string): Promise<MirrorServer> {
  const requests: ServedRequest[] = [];
  const faults = new Map<string, Fault[]>();
  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    const range = req.headers.range;
    const log = (status: number) => requests.push({ path, ...(range === undefined ? {} : { range }), status });
    // Fetch must ask for the bytes themselves (ranges of a gzip encoding would not resume a file).
    // (fetch itself appends "identity" to a range request's header: "identity, identity" is fine.)
    if (!(req.headers['accept-encoding'] ?? '').split(',').every((token) => token.trim() === 'identity')) {
      log(406);
      res.writeHead(406).end('send accept-encoding: identity');
      return;
    }
    const fault = faults.get(path)?.shift();
    let body: Buffer;
    try {
      if (path.includes('..') || fault?.kind === 'not-found') throw new Error('not served');
      body = await readFile(join(root, ...path.split('/').filter((s) => s !== '')));
    } catch {
      log(404);
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
      return;
    }
    if (fault?.kind === 'corrupt') {
      body = Buffer.from(body);
      const middle = Math.floor(body.length / 2);
      body[middle] = (body[middle] ?? 0) ^ 0xff;
    }
    const start = fault?.kind === 'ignore-range' ? undefined : /^bytes=(\d+)-$/.exec(range ?? '')?.[1];
    if (start !== undefined && Number(start) >= body.length) {
      log(416);
      res.writeHead(416, { 'content-range': `bytes */${body.length}` }).end();
      return;
    }
    const from = start === undefined ? 0 : Number(start);
    const status = start === undefined ? 200 : 206;
    log(status);
    res.writeHead(status, {
      'content-type': 'application/octet-stream',
      'content-length': String(body.length - from),
      'accept-ranges': 'bytes',
      ...(status === 206 ? { 'content-range': `bytes ${from}-${body.length - 1}/${body.length}` } : {}),
    });
    if (fault?.kind === 'cut') {
      // Dropped a while after the bytes are flushed: the client must have read them by then, or the broken
      // connection discards what it had not yet consumed (a loaded machine took over 20 ms and kept nothing).
      res.write(body.subarray(from, from + fault.afterBytes), () => setTimeout(() => res.socket?.destroy(), CUT_AFTER_MS));
      return;
    }
    res.end(body.subarray(from));
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    faults,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
