/**
 * bench:ingest's OPC UA server, in a worker thread (its own event loop, so serving does not share one
 * with the client and the pipeline it is measured against): sites × metrics Double variables, every
 * one of them written each intervalMs (times T0 + tick × intervalMs) for `ticks` ticks after 'go'.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { consoleToStderr } from '@headstream/core';
import { startOpcuaSimServer } from '@headstream/sim';

// A worker's console is its own: node-opcua's warnings go to stderr here too (stdout is the bench's JSON).
consoleToStderr();

interface Setup {
  port: number;
  sites: string[];
  metrics: string[];
  intervalMs: number;
  ticks: number;
  t0: number;
}
const setup = workerData as Setup;
const port = parentPort;
if (!port) throw new Error('opcua-sim-worker runs as a worker thread');
const server = await startOpcuaSimServer({ port: setup.port, variables: setup.sites.map((site) => ({ site, metrics: setup.metrics })) });
port.on('message', (m: string) => {
  if (m === 'go') {
    let tick = 0;
    const started = performance.now();
    const step = () => {
      const time = setup.t0 + tick * setup.intervalMs;
      for (const site of setup.sites) server.write({ site, time, values: Object.fromEntries(setup.metrics.map((metric, k) => [metric, ((tick * 31 + k) % 1000) / 10])) });
      tick++;
      if (tick < setup.ticks) setTimeout(step, Math.max(0, started + tick * setup.intervalMs - performance.now()));
      else port.postMessage({ done: tick * setup.sites.length * setup.metrics.length });
    };
    step();
  } else if (m === 'stop') {
    void server.stop().then(() => port.postMessage({ stopped: true }));
  }
});
port.postMessage({ ready: true });
