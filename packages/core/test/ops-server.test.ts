import { afterEach, describe, expect, it } from 'vitest';
import { Metrics, startOpsServer, type OpsServer } from '../src/index.js';

const servers: OpsServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

/** GET /healthz on host:port; 'refused' when nothing listens there. */
async function healthz(host: string, port: number): Promise<number | 'refused'> {
  try {
    return (await fetch(`http://${host}:${port}/healthz`, { signal: AbortSignal.timeout(5_000) })).status;
  } catch {
    return 'refused';
  }
}

describe('/healthz and /metrics server', () => {
  it('listens on loopback 127.0.0.1 only, unless HS_HTTP_HOST names another address', async () => {
    const metrics = new Metrics('test', { defaultMetrics: false });
    const byDefault = await startOpsServer({ port: 0, metrics, health: () => ({ ok: true }) });
    servers.push(byDefault);
    expect(await healthz('127.0.0.1', byDefault.port)).toBe(200);
    // Another loopback address of this machine: not bound by default.
    expect(await healthz('127.0.0.2', byDefault.port)).toBe('refused');
    const elsewhere = await startOpsServer({ port: 0, host: '127.0.0.2', metrics, health: () => ({ ok: false }) });
    servers.push(elsewhere);
    expect(await healthz('127.0.0.2', elsewhere.port)).toBe(503);
    expect(await healthz('127.0.0.1', elsewhere.port)).toBe('refused');
  });

  it('never echoes raw error text from the metrics registry', async () => {
    const metrics = new Metrics('test', { defaultMetrics: false });
    metrics.text = () => Promise.reject(new Error('password=hunter2 at db internals'));
    const errors: unknown[] = [];
    const server = await startOpsServer({ port: 0, metrics, health: () => ({ ok: true }), onError: (e) => errors.push(e) });
    servers.push(server);
    const res = await fetch(`http://127.0.0.1:${server.port}/metrics`);
    expect(res.status).toBe(500);
    expect(await res.text()).toBe('metrics unavailable\n');
    expect(errors).toHaveLength(1);
  });
});
