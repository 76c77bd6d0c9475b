import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { cfg, ConfigError, createLogger, describeConfig, field, loadConfig, maskSecrets, maskUrl } from '@headstream/core';

const PLANTED = 'S3cr3t-planted';

describe('maskUrl / maskSecrets', () => {
  it.each([
    [`postgres://hs:${PLANTED}@db:5432/hs`, 'postgres://hs:***@db:5432/hs'],
    [`mqtt://dev:${PLANTED}@127.0.0.1:1`, 'mqtt://dev:***@127.0.0.1:1'],
    // Not parseable as a URL (bad port): still masked.
    [`postgres://hs:${PLANTED}@127.0.0.1:99999/x`, 'postgres://hs:***@127.0.0.1:99999/x'],
    // An unencoded "@" in the password: masked whole.
    [`mqtt://dev:p@${PLANTED}@h:1`, 'mqtt://dev:***@h:1'],
    ['postgres://hs@db/hs', 'postgres://hs@db/hs'],
    ['not a url', 'not a url'],
  ])('%s → %s', (input, masked) => {
    expect(maskUrl(input)).toBe(masked);
  });

  it('masks every URL in free text', () => {
    expect(maskSecrets(`a mqtt://u:${PLANTED}@h:1 and postgres://x:${PLANTED}@h/db.`)).toBe('a mqtt://u:***@h:1 and postgres://x:***@h/db.');
  });
});

describe('the logger masks URL passwords everywhere', () => {
  it('in fields, nested objects, errors (message, stack, cause) and the message text', () => {
    let out = '';
    const sink = new Writable({
      write(chunk: Buffer, _enc, done) {
        out += chunk.toString();
        done();
      },
    });
    const log = createLogger('test', { destination: sink });
    const error = new Error(`connect to mqtt://dev:${PLANTED}@h:1 failed`, { cause: new Error(`postgres://a:${PLANTED}@h/x refused`) });
    log.error(
      { err: error, url: `mqtt://dev:${PLANTED}@h:1`, nested: { urls: [`postgres://a:${PLANTED}@h/x`] }, password: PLANTED },
      `message mqtt://u:${PLANTED}@h and %s`,
      `postgres://a:${PLANTED}@h/x`,
    );
    expect(out).toContain('mqtt://dev:***@h:1');
    expect(out).toContain('postgres://a:***@h/x');
    expect(out).not.toContain(PLANTED);
  });
});

describe('config errors and dumps mask URL passwords', () => {
  const spec = { url: field('HS_X_URL', cfg.url(['postgres:']), 'a postgres:// URL') };
  it('an invalid URL is echoed masked', () => {
    let error: unknown;
    try {
      loadConfig(spec, { env: { HS_X_URL: `http://hs:${PLANTED}@db/x` } });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toBe('config: HS_X_URL: expected a postgres:// URL; got "http://hs:***@db/x"');
  });
  it('describeConfig masks', () => {
    expect(describeConfig(spec, { url: `postgres://hs:${PLANTED}@db/x` })).toEqual({ HS_X_URL: 'postgres://hs:***@db/x' });
  });
});
