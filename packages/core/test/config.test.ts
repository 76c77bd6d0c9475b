import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cfg, commonConfigSpec, ConfigError, describeConfig, field, loadConfig } from '../src/index.js';

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('gives defaults on an empty environment (embedded services)', () => {
    const c = loadConfig(commonConfigSpec, { env: {} });
    expect(c).toMatchObject({ logLevel: 'info', topicRoot: 'hs', maxPayloadBytes: 1048576, maxFrames: 10000 });
    expect(c.pgUrl).toBeUndefined();
    expect(c.mqttUrl).toBeUndefined();
    expect(c.kafkaBrokers).toBeUndefined();
  });

  it('reads and converts environment strings', () => {
    const c = loadConfig(commonConfigSpec, {
      env: {
        HS_PG_URL: 'postgres://u@127.0.0.1:5432/test',
        HS_MQTT_URL: 'mqtt://127.0.0.1:1883',
        HS_KAFKA_BROKERS: '127.0.0.1:9092, 127.0.0.1:9094',
        HS_MAX_FRAMES: '500',
        HS_TS_NOT_BEFORE: '2000-01-01T00:00:00Z',
        HS_LOG_LEVEL: 'debug',
      },
    });
    expect(c.kafkaBrokers).toEqual(['127.0.0.1:9092', '127.0.0.1:9094']);
    expect(c.maxFrames).toBe(500);
    expect(c.tsNotBefore).toBe(Date.UTC(2000, 0, 1));
  });

  it.each([
    ['HS_PG_URL', 'mysql://x@y/z', 'a postgres://'],
    ['HS_MQTT_URL', 'not a url', 'an mqtt://host:port URL'],
    ['HS_KAFKA_BROKERS', 'localhost', 'a comma-separated list of host:port'],
    ['HS_MAX_FRAMES', '12abc', 'an integer 1..1000000'],
    ['HS_MAX_FRAMES', '0', 'an integer 1..1000000'],
    ['HS_MAX_PAYLOAD_BYTES', '1.5', 'an integer number of bytes'],
    ['HS_LOG_LEVEL', 'loud', 'one of fatal|error'],
    ['HS_TOPIC_ROOT', 'a/b', 'a name of'],
    ['HS_TS_NOT_BEFORE', 'last tuesday', 'an ISO-8601 time'],
  ])('a bad %s=%j gives one line naming the key and the expected form', (key, value, expected) => {
    const e = configError(() => loadConfig(commonConfigSpec, { env: { [key]: value } }));
    expect(e.message.split('\n')).toHaveLength(1);
    expect(e.message).toContain(`config: ${key}: expected ${expected}`);
    expect(e.message).toContain(JSON.stringify(value));
    expect(e.problems.map((p) => p.key)).toEqual([key]);
  });

  it('a missing required key says it is not set', () => {
    const spec = { token: field('HS_TOKEN', cfg.string(), 'a non-empty token', { secret: true }) };
    const e = configError(() => loadConfig(spec, { env: { HS_TOKEN: '   ' } }));
    expect(e.message).toBe('config: HS_TOKEN: expected a non-empty token; it is not set');
  });

  it('never echoes a secret', () => {
    const spec = { port: field('HS_SECRET_PORT', cfg.int(1, 10), 'a small int', { secret: true }) };
    const e = configError(() => loadConfig(spec, { env: { HS_SECRET_PORT: 'hunter2' } }));
    expect(e.message).not.toContain('hunter2');
    expect(describeConfig(spec, { port: 3 })).toEqual({ HS_SECRET_PORT: '***' });
    const c = loadConfig(commonConfigSpec, { env: { HS_PG_URL: 'postgres://u:pw@h:5432/d' } });
    expect(describeConfig(commonConfigSpec, c).HS_PG_URL).toBe('postgres://u:***@h:5432/d');
  });

  it('lists every bad key, one line each', () => {
    const e = configError(() => loadConfig(commonConfigSpec, { env: { HS_MAX_FRAMES: 'x', HS_LOG_LEVEL: 'y' } }));
    expect(e.message.split('\n')).toHaveLength(2);
  });

  describe('with a JSON file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hs-config-'));
    const file = (name: string, text: string) => {
      const path = join(dir, name);
      writeFileSync(path, text);
      return path;
    };

    it('reads typed values; the environment wins', () => {
      const path = file('ok.json', JSON.stringify({ HS_MAX_FRAMES: 7, HS_KAFKA_BROKERS: ['k1:9092'], HS_LOG_LEVEL: 'warn' }));
      const c = loadConfig(commonConfigSpec, { env: { HS_CONFIG_FILE: path, HS_LOG_LEVEL: 'error' } });
      expect(c).toMatchObject({ maxFrames: 7, kafkaBrokers: ['k1:9092'], logLevel: 'error' });
    });

    it('names the file when a value from it is bad', () => {
      const path = file('bad.json', JSON.stringify({ HS_MAX_FRAMES: 'many' }));
      expect(configError(() => loadConfig(commonConfigSpec, { file: path, env: {} })).message).toBe(
        `config: HS_MAX_FRAMES (from ${path}): expected an integer 1..1000000; got "many"`,
      );
    });

    it.each([
      ['unknown key', '{"HS_MAX_FRAME": 3}', 'unknown key "HS_MAX_FRAME"'],
      ['not JSON', '{oops', 'is not JSON'],
      ['not an object', '[1]', 'does not hold a JSON object'],
    ])('rejects a file with %s in one line', (_label, text, why) => {
      const path = file('x.json', text);
      const e = configError(() => loadConfig(commonConfigSpec, { env: { HS_CONFIG_FILE: path } }));
      expect(e.message.split('\n')).toHaveLength(1);
      expect(e.message).toContain('config: HS_CONFIG_FILE:');
      expect(e.message).toContain(why);
    });

    it('rejects a missing file', () => {
      expect(configError(() => loadConfig(commonConfigSpec, { file: join(dir, 'nope.json'), env: {} })).message).toContain('ENOENT');
    });
  });
});

describe('cfg.allowList', () => {
  const spec = { sites: field('HS_ALLOWED_SITES', cfg.allowList().optional(), 'names/globs, a /regex/ or @file') };

  it('unset: no allow-list; set: one RegExp', () => {
    expect(loadConfig(spec, { env: {} }).sites).toBeUndefined();
    const re = loadConfig(spec, { env: { HS_ALLOWED_SITES: 's-*' } }).sites;
    expect(re?.test('s-9')).toBe(true);
    expect(re?.test('t-9')).toBe(false);
  });

  it('a bad value is one line naming the variable and what is wrong', () => {
    const e = configError(() => loadConfig(spec, { env: { HS_ALLOWED_SITES: '@/nonexistent/sites.txt' } }));
    expect(e.message).toBe('config: HS_ALLOWED_SITES: expected names/globs, a /regex/ or @file; got "@/nonexistent/sites.txt" (cannot read /nonexistent/sites.txt: ENOENT)');
    expect(configError(() => loadConfig(spec, { env: { HS_ALLOWED_SITES: '/[/' } })).message.split('\n')).toHaveLength(1);
  });
});
