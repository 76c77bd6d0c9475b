import { TASKS } from '@headstream/tasks';
import { describe, expect, test } from 'vitest';
import { faultClasses, simulateFactory, type SimRecord } from '../src/index.js';
import { correlation, mean } from './stats.js';

const start = Date.UTC(2024, 0, 1);
// 8 machines on 2 lines, 3 days at 30 s, faults every ~6 h per machine: dozens of episodes.
const records: SimRecord[] = [...simulateFactory({ machines: 8, seed: 11, start, intervalMs: 30_000, until: start + 3 * 24 * 3_600_000, meanHoursBetweenFaults: 6 })];
const machines = records.filter((r) => /-m\d+$/.test(r.site));
const lines = records.filter((r) => !/-m\d+$/.test(r.site));
const metric = (rs: SimRecord[], m: string) => mean(rs.map((r) => r.values[m] ?? Number.NaN));

describe('factory simulator', () => {
  test('machines on lines of four; sensors per machine, throughput per line', () => {
    expect(new Set(machines.map((r) => r.site)).size).toBe(8);
    expect([...new Set(lines.map((r) => r.site))]).toEqual(['line-01', 'line-02']);
    expect(machines.every((r) => Object.keys(r.values).sort().join() === 'current,speed,temperature,vibration')).toBe(true);
    expect(lines.every((r) => Object.keys(r.values).join() === 'throughput,nox')).toBe(true);
    expect(faultClasses()).toEqual(TASKS.fault.kind === 'classification' ? TASKS.fault.classes : []);
  });

  test('every fault class occurs; anomaly marks exactly the faulted states', () => {
    const counts = [0, 1, 2, 3].map((c) => machines.filter((r) => r.labels.fault === c).length);
    for (const c of counts) expect(c).toBeGreaterThan(1000);
    expect(machines.every((r) => r.labels.anomaly === ((r.labels.fault ?? 0) > 0 ? 1 : 0))).toBe(true);
    expect(metric(machines.filter((r) => r.labels.fault !== 0), 'speed')).toBeLessThan(metric(machines.filter((r) => r.labels.fault === 0), 'speed'));
  });

  test('faults shift the sensor distributions by type', () => {
    const running = machines.filter((r) => (r.values.speed ?? 0) > 0);
    const normal = running.filter((r) => r.labels.fault === 0);
    // Late in the degradation, where the signature is strong.
    const late = (c: number) => running.filter((r) => r.labels.fault === c && (r.labels.health ?? 1) < 0.5);
    expect(metric(late(1), 'vibration')).toBeGreaterThan(2 * metric(normal, 'vibration'));
    expect(metric(late(2), 'temperature')).toBeGreaterThan(metric(normal, 'temperature') + 8);
    expect(metric(late(2), 'current')).toBeGreaterThan(1.15 * metric(normal, 'current'));
    expect(metric(late(3), 'speed')).toBeLessThan(0.95 * metric(normal, 'speed'));
    // A stopped machine: no speed.
    const stopped = machines.filter((r) => r.values.speed === 0);
    expect(stopped.length).toBeGreaterThan(0);
    expect(stopped.every((r) => r.labels.health === 0 && (r.labels.fault ?? 0) > 0)).toBe(true);
  });

  test('throughput falls under faults and stops with a machine down', () => {
    const healthy = lines.filter((r) => r.labels.faulted_machines === 0);
    const faulted = lines.filter((r) => (r.labels.faulted_machines ?? 0) > 0 && r.labels.down_machines === 0);
    const down = lines.filter((r) => (r.labels.down_machines ?? 0) > 0);
    expect(healthy.length).toBeGreaterThan(100);
    expect(metric(faulted, 'throughput')).toBeLessThan(0.85 * metric(healthy, 'throughput'));
    expect(metric(down, 'throughput')).toBe(0);
    // Per step, throughput tracks the weakest machine's health on the line.
    const line1 = lines.filter((r) => r.site === 'line-01');
    const minHealthAt = new Map<number, number>();
    for (const m of machines) {
      if (m.site.startsWith('line-01-')) minHealthAt.set(m.time, Math.min(minHealthAt.get(m.time) ?? 1, m.labels.health ?? 1));
    }
    const minHealth = line1.map((l) => minHealthAt.get(l.time) ?? 1);
    expect(correlation(minHealth, line1.map((r) => r.values.throughput ?? 0))).toBeGreaterThan(0.7);
  });

  test('an overhaul repairs every machine at once and leaves the path before it as it was', () => {
    // The step of the second day after the one with the most machines faulted (a time between steps means the next step).
    const faultedAt = new Map<number, number>();
    for (const r of machines) if (r.time >= start + 24 * 3_600_000 && r.time < start + 48 * 3_600_000 && r.labels.fault !== 0) faultedAt.set(r.time, (faultedAt.get(r.time) ?? 0) + 1);
    const worst = [...faultedAt].reduce((a, b) => (b[1] > a[1] ? b : a));
    const step = worst[0] + 30_000;
    const overhauled = [...simulateFactory({ machines: 8, seed: 11, start, intervalMs: 30_000, until: start + 3 * 24 * 3_600_000, meanHoursBetweenFaults: 6, overhaulAt: step - 15_000 })];
    expect(overhauled.filter((r) => r.time < step)).toEqual(records.filter((r) => r.time < step));
    const before = machines.filter((r) => r.time === step - 30_000);
    const after = overhauled.filter((r) => r.time === step && /-m\d+$/.test(r.site));
    // Some machines were faulted or down just before; at the overhaul all run healthy, as new.
    expect(before.filter((r) => r.labels.fault !== 0).length).toBeGreaterThan(1);
    expect(after).toHaveLength(8);
    expect(after.every((r) => r.labels.fault === 0 && r.labels.anomaly === 0 && r.labels.health === 1 && (r.values.speed ?? 0) > 0)).toBe(true);
    // It happens once: faults come back afterwards.
    expect(overhauled.some((r) => r.time > step && (r.labels.fault ?? 0) > 0)).toBe(true);
    expect(() => [...simulateFactory({ machines: 1, seed: 1, start, until: start + 60_000, overhaulAt: Number.NaN })]).toThrow(/overhaulAt/);
  });
});
