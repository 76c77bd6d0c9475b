import { describe, expect, it } from 'vitest';
import { runCli } from './run-cli.js';

describe('headstream CLI', () => {
  it('selfcheck passes on embedded defaults (PGlite, aedes), Kafka skipped and named', async () => {
    const run = await runCli(['selfcheck', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as { ok: boolean; checks: { check: string; status: string; target: string; detail: string }[] };
    expect(report.ok).toBe(true);
    expect(report.checks.map((c) => [c.check, c.status])).toEqual([
      ['contracts', 'ok'],
      ['database', 'ok'],
      ['mqtt', 'ok'],
      ['kafka', 'skipped'],
      ['sparkplug', 'skipped'],
      ['opcua', 'skipped'],
      ['json', 'skipped'],
    ]);
    expect(report.checks[1]?.target).toContain('embedded PGlite');
    expect(report.checks[2]?.target).toContain('embedded aedes');
    expect(report.checks[3]?.detail).toBe('HS_KAFKA_BROKERS is not set');
    expect(report.checks[4]?.detail).toBe('HS_SPARKPLUG_GROUPS is not set');
    expect(report.checks[5]?.detail).toBe('HS_OPCUA_CONFIG is not set');
    expect(report.checks[6]?.detail).toBe('HS_JSON_SOURCES_CONFIG is not set');
  }, 120_000); // 17 s in a clean-clone CI run at load 6–8

  it.each([
    ['HS_MAX_FRAMES', 'abc', 'config: HS_MAX_FRAMES: expected an integer 1..1000000; got "abc"'],
    ['HS_PG_URL', 'http://db', 'config: HS_PG_URL: expected a postgres://user@host:port/database URL (unset: embedded PGlite); got "http://db"'],
    ['HS_KAFKA_BROKERS', 'kafka', 'config: HS_KAFKA_BROKERS: expected a comma-separated list of host:port (unset: Kafka off); got "kafka"'],
    ['HS_CONFIG_FILE', '/nonexistent/hs.json', 'config: HS_CONFIG_FILE: expected a readable JSON object file; cannot read /nonexistent/hs.json: ENOENT'],
  ])('bad config %s=%s: one line naming it, exit code 2', async (key, value, line) => {
    const run = await runCli(['selfcheck'], { [key]: value });
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(`${line}\n`);
  });

  it.each([
    [['selfcheck', '--nope'], "error: unknown option '--nope'"],
    [['selfchek'], "error: unknown command 'selfchek'"],
    [['replay', 'pems-detector'], "error: required option '--to <transport>' not specified"],
    [['replay', 'pems-detector', '--to', 'amqp'], "error: option '--to <transport>' argument 'amqp' is invalid. Allowed choices are mqtt, kafka."],
    [['replay', 'nope', '--to', 'mqtt'], 'headstream: unknown data set "nope"; valid names: pems-detector, los-loop, metro-traffic, beijing-air, italy-air, skab, hydraulic, gas-turbine; or give the path of a CSV file'],
    [['replay', 'pems-detector', '--to', 'kafka'], 'headstream: --to kafka needs HS_KAFKA_BROKERS (e.g. 127.0.0.1:9092)'],
    [['replay', 'pems-detector', '--to', 'mqtt', '--speed', 'fast'], 'headstream: --speed: speed "fast" is not a positive factor like "3600x" (one data hour per second), "60" or "max"'],
    [['replay', 'pems-detector', '--to', 'mqtt', '--speed', '60x', '--max'], 'headstream: --max and --speed exclude each other'],
    [['simulate', '--city', 'x', '--to', 'mqtt'], "error: option '--city <n>' argument 'x' is invalid. expected an integer 0..100000"],
    [['simulate', '--to', 'mqtt'], 'headstream: --city and --factory are both 0: nothing to simulate'],
    [['simulate', '--factory', '1'], 'headstream: --to mqtt or --to kafka is required with --protocol frame'],
    [['simulate', '--city', '1', '--factory', '1', '--protocol', 'opcua'], 'headstream: --protocol opcua serves the factory only: leave out --city'],
    [['simulate', '--city', '1', '--rate', 'lots', '--to', 'mqtt'], 'headstream: --rate: rate "lots" is not a positive number per second, e.g. "200" or "200/s" or "realtime"'],
    [['simulate', '--factory', '1', '--factory-interval', 'soon', '--to', 'mqtt'], 'headstream: --factory-interval: "soon" is not a duration of at least 1 ms, e.g. 1s or 10s'],
    [['simulate', '--city', '1', '--start', '2024-01-01T00:00:00Z', '--backfill', '1d', '--to', 'mqtt'], 'headstream: --start and --backfill exclude each other'],
  ])('bad usage %j: one line naming it, exit code 2', async (args, line) => {
    const run = await runCli(args);
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(`${line}\n`);
  });

  it('prints the resolved config with passwords masked', async () => {
    const run = await runCli(['config'], { HS_PG_URL: 'postgres://hs:secret@db:5432/hs', HS_MAX_FRAMES: '9' });
    expect(run.code).toBe(0);
    const config = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(config).toMatchObject({ HS_PG_URL: 'postgres://hs:***@db:5432/hs', HS_MAX_FRAMES: 9, HS_TOPIC_ROOT: 'hs' });
    expect(run.stdout).not.toContain('secret');
  });

  it('prints its version and help with exit code 0', async () => {
    expect((await runCli(['--version'])).stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('selfcheck');
  });
});
