import { open, stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';

/** Why one download attempt failed, in a few words (the caller adds the file and the URL). */
export class DownloadError extends Error {
  override name = 'DownloadError';
  constructor(
    message: string,
    /** Worth another attempt (broken connection, timeout, 5xx, 429). */
    readonly retryable: boolean,
    /** The partial file cannot be continued and must be started over. */
    readonly restart = false,
  ) {
    super(message);
  }
}

/** The innermost useful reason of a fetch/stream error: "ECONNREFUSED", "other side closed", … */
function networkReason(error: unknown): string {
  let reason = error instanceof Error ? error.message : String(error);
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'ABORT_ERR') reason = e.message.includes(code) ? e.message : `${code}: ${e.message}`;
    else if (e.message !== '' && e.message !== 'fetch failed' && e.message !== 'terminated') reason = e.message;
  }
  return reason;
}

async function sizeOf(path: string): Promise<number> {
  try {
    return (await stat(path)).size;
  } catch {
    return 0;
  }
}

export interface DownloadOptions {
  /** Called with the number of bytes of each chunk written. */
  onBytes?: (bytes: number) => void;
  /** Give up when nothing arrives for this long (connecting included); default 30 s. */
  idleTimeoutMs?: number;
}

export interface DownloadResult {
  /** Bytes already in the partial file that the server's 206 response continued. */
  resumedFrom: number;
  /** Bytes received in this attempt. */
  received: number;
}

/**
 * Continues `partPath` with the rest of `url`: a `Range: bytes=<size>-` request when the file already
 * has bytes (appending on 206), a full download otherwise or when the server ignores the range (200
 * rewrites the file). Bytes received before a failure stay in `partPath`, so the next attempt — or the
 * next run — resumes there. Rejects with DownloadError.
 */
export async function downloadToPart(url: string, partPath: string, options: DownloadOptions = {}): Promise<DownloadResult> {
  const idleMs = options.idleTimeoutMs ?? 30_000;
  const have = await sizeOf(partPath);
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const arm = () => {
    clearTimeout(timer);
    timer = setTimeout(() => controller.abort(new Error(`no data for ${Math.round(idleMs / 1000)} s`)), idleMs);
  };
  arm();
  let received = 0;
  try {
    let response: Response;
    try {
      // identity: byte ranges and sizes must refer to the file itself, not to a gzip encoding of it.
      const headers: Record<string, string> = { 'accept-encoding': 'identity', ...(have > 0 ? { range: `bytes=${have}-` } : {}) };
      response = await fetch(url, { headers, signal: controller.signal, redirect: 'follow' });
    } catch (error) {
      throw new DownloadError(`cannot connect (${networkReason(controller.signal.aborted ? controller.signal.reason : error)})`, true);
    }
    if (response.status === 416) {
      await response.body?.cancel();
      throw new DownloadError(`HTTP 416: the server cannot resume at byte ${have}`, true, true);
    }
    if (response.status !== 200 && response.status !== 206) {
      await response.body?.cancel();
      const retryable = response.status >= 500 || response.status === 429 || response.status === 408;
      throw new DownloadError(`HTTP ${response.status}${response.statusText === '' ? '' : ` ${response.statusText}`}`, retryable);
    }
    const append = response.status === 206;
    if (append) {
      // "bytes 1000-1999/2000": the part must continue exactly where ours ends.
      const start = /^bytes (\d+)-/.exec(response.headers.get('content-range') ?? '')?.[1];
      if (start === undefined || Number(start) !== have) {
        await response.body?.cancel();
        throw new DownloadError(`the server resumed at byte ${start ?? '?'} instead of ${have}`, true, true);
      }
    }
    if (response.body === null) throw new DownloadError('the response has no body', true);
    // Each chunk is on disk before the next is read: when the connection breaks, every byte received is in the
    // part file, so the next attempt resumes right after it (a write stream destroyed by a failed pipeline
    // drops what it still buffers, and under load that was all of it: the retry started again from byte 0).
    const file = await open(partPath, append ? 'a' : 'w');
    try {
      for await (const chunk of Readable.fromWeb(response.body as NodeReadableStream<Uint8Array>)) {
        const bytes = chunk as Uint8Array;
        received += bytes.length;
        arm();
        options.onBytes?.(bytes.length);
        await file.write(bytes);
      }
    } catch (error) {
      throw new DownloadError(`the connection broke after ${received.toLocaleString('en-US')} bytes (${networkReason(controller.signal.aborted ? controller.signal.reason : error)})`, true);
    } finally {
      await file.close();
    }
    return { resumedFrom: append ? have : 0, received };
  } finally {
    clearTimeout(timer);
  }
}
