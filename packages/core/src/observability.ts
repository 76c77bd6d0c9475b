import { pino, type Logger, type LoggerOptions } from 'pino';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { MASK, maskDeep, maskSecrets } from './secrets.js';

export type { Logger } from 'pino';

/**
 * Keeps stdout for what the program means to print (a service's JSON log lines, a command's --json
 * object): whatever a library prints with console.log/info (node-opcua's RSA self-test warning and its
 * own warnings, on first use of OPC UA) goes to stderr instead. pino writes to its destination, not
 * through the console.
 */
export function consoleToStderr(): void {
  console.log = console.error;
  console.info = console.error;
}

/**
 * One JSON logger per app (pino). Components take child loggers ({component}) so every
 * line says where it came from. `destination` lets the CLI send logs to stderr.
 */
export function createLogger(app: string, options: { level?: string; destination?: number | NodeJS.WritableStream } & Pick<LoggerOptions, 'redact'> = {}): Logger {
  const opts: LoggerOptions = {
    name: app,
    level: options.level ?? 'info',
    redact: options.redact ?? { paths: ['password', '*.password', '*.*.password', 'sasl', '*.sasl', 'key', '*.key'], censor: MASK },
    timestamp: pino.stdTimeFunctions.isoTime,
    base: { app, pid: process.pid },
    // Every sink masks URL passwords: fields (url, mqttUrl, nested config), errors (message,
    // stack, causes) and the message text itself.
    serializers: { err: (error: unknown) => maskDeep({ ...pino.stdSerializers.err(error as Error) }) },
    formatters: { log: (object) => maskDeep(object) as Record<string, unknown> },
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((a: unknown) => (typeof a === 'string' ? maskSecrets(a) : a)) as Parameters<typeof method>);
      },
    },
  };
  const dest = options.destination;
  if (dest === undefined) return pino(opts);
  if (typeof dest === 'number') return pino(opts, pino.destination({ fd: dest, sync: true }));
  return pino(opts, dest);
}

/**
 * The metrics registry of one app (prom-client). Names are prefixed `headstream_`; every
 * series carries an `app` label so one Prometheus can scrape all apps.
 */
export class Metrics {
  readonly registry = new Registry();

  constructor(readonly app: string, options: { defaultMetrics?: boolean } = {}) {
    this.registry.setDefaultLabels({ app });
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry, prefix: 'headstream_' });
  }

  counter<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Counter<L> {
    return new Counter({ name: `headstream_${name}`, help, labelNames, registers: [this.registry] });
  }

  gauge<L extends string>(name: string, help: string, labelNames: readonly L[] = []): Gauge<L> {
    return new Gauge({ name: `headstream_${name}`, help, labelNames, registers: [this.registry] });
  }

  histogram<L extends string>(name: string, help: string, buckets: number[], labelNames: readonly L[] = []): Histogram<L> {
    return new Histogram({ name: `headstream_${name}`, help, buckets, labelNames, registers: [this.registry] });
  }

  /** Prometheus text exposition, for GET /metrics. */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}

export interface OpsServer {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * GET /healthz (200 when `health()` says ok, else 503, JSON body) and GET /metrics
 * (Prometheus text) for one app.
 */
export async function startOpsServer(options: {
  port: number;
  host?: string;
  metrics: Metrics;
  health: () => { ok: boolean; [detail: string]: unknown };
  /** Errors behind a 500 answer (they are not sent to the client). */
  onError?: (error: unknown) => void;
}): Promise<OpsServer> {
  const { createServer } = await import('node:http');
  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method === 'GET' && path === '/healthz') {
      let body: string;
      let ok = false;
      try {
        const health = options.health();
        ok = health.ok;
        // Health details may hold error text (a fatal store error): URLs in it are masked.
        body = JSON.stringify(maskDeep(health));
      } catch (error) {
        options.onError?.(error);
        body = JSON.stringify({ ok: false, error: 'health check failed' });
      }
      res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(body);
    } else if (req.method === 'GET' && path === '/metrics') {
      options.metrics.text().then(
        (text) => res.writeHead(200, { 'content-type': options.metrics.contentType }).end(text),
        // Never echo raw error text to a scraper: it may hold internals. The process logs it.
        (error: unknown) => {
          options.onError?.(error);
          res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
        },
      );
    } else {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found: try /healthz or /metrics\n');
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // Loopback unless told otherwise (HS_HTTP_HOST): metrics and health are not for the world.
    server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address();
  return {
    port: typeof address === 'object' && address ? address.port : options.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
