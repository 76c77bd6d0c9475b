import { connectMqtt } from '@headstream/transport';
import { realServiceOrSkip, uniqueName, waitUntil } from '@headstream/testkit';
import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

/** Epoch ms (`ts`) of every frame in a readings message (one frame or an array of them). */
function frameTimes(payload: Buffer): number[] {
  const doc = JSON.parse(payload.toString()) as unknown;
  return ((Array.isArray(doc) ? doc : [doc]) as { ts: number }[]).map((f) => f.ts);
}

describe('headstream simulate --rate realtime', () => {
  it('sends a --backfill at once, then each record when its time comes, never ahead of the clock', { timeout: 120_000 }, async (ctx) => {
    const url = realServiceOrSkip(ctx, 'mqtt');
    const root = uniqueName('sim').replace(/-/g, '_');
    const received: { at: number; times: number[] }[] = [];
    const client = await connectMqtt({ url, clientId: uniqueName('sim-sub'), protocolVersion: 5 });
    try {
      // The test's own last message on the same subscription: see the barrier below.
      const marker = `${root}/v1/readings/test/barrier`;
      let barrier = false;
      client.on('message', (topic, payload) => {
        if (topic === marker) barrier = true;
        else received.push({ at: Date.now(), times: frameTimes(payload) });
      });
      await client.subscribeAsync(`${root}/v1/readings/#`, { qos: 1 });
      // One machine and its line, a record each per second: 10 s of backfill = 20 records, then 6 live ones.
      const run = await runCli(['simulate', '--factory', '1', '--factory-interval', '1s', '--rate', 'realtime', '--backfill', '10s', '--count', '26', '--to', 'mqtt'], { HS_MQTT_URL: url, HS_TOPIC_ROOT: root }, 90_000);
      expect(run.code, run.stderr).toBe(0);
      // A barrier, not a pause: the simulator has its PUBACKs (QoS 1) when it exits, and the broker sends
      // this subscriber messages in the order it took them, so once the marker is here every record is.
      await client.publishAsync(marker, '[]', { qos: 1 });
      await waitUntil(() => barrier, 'the marker published after the simulator exited', 30_000);
      const times = received.flatMap((r) => r.times).sort((a, b) => a - b);
      expect(times).toHaveLength(26);
      // The backfill arrives at once, 10 s of data time behind the clock; the 6 live records (3 pairs, a second apart) take ~2 s more.
      const first = received[0];
      expect((first?.at ?? 0) - Math.min(...(first?.times ?? [0]))).toBeGreaterThan(8_000);
      expect((received.at(-1)?.at ?? 0) - (first?.at ?? 0)).toBeGreaterThan(1_500);
      // Nothing arrives before its time (a little clock slack for the spawn), and live ones arrive in time.
      for (const r of received) for (const t of r.times) expect(t).toBeLessThanOrEqual(r.at + 50);
      const last = received.at(-1);
      expect((last?.at ?? 0) - Math.max(...(last?.times ?? [0]))).toBeLessThan(2_000);
    } finally {
      await client.endAsync();
    }
  });
});
