import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect as tcp } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '@headstream/core';
import {
  connectMqtt,
  createMqttSource,
  filterCovers,
  kafkaFromConfig,
  startEmbeddedMqttBroker,
  transportConfigProblems,
  type EmbeddedMqttBroker,
  type TransportConfig,
} from '@headstream/transport';

// Hardening item 5: authentication fails closed (config errors, embedded broker hooks, SUBACK).

const base = { kafkaSsl: false, kafkaAllowPlaintextSasl: false } as TransportConfig;
const lines = (c: Partial<TransportConfig>) => transportConfigProblems({ ...base, ...c }).map((p) => p.line);

describe('Kafka SASL / TLS config', () => {
  it.each([
    [{ kafkaSaslMechanism: 'scram-sha-256', kafkaUsername: 'u' }, 'config: HS_KAFKA_PASSWORD: expected a SASL password, since HS_KAFKA_SASL_MECHANISM and HS_KAFKA_USERNAME are set (Kafka SASL needs all three); it is not set'],
    [{ kafkaUsername: 'u', kafkaPassword: 'p' }, 'config: HS_KAFKA_SASL_MECHANISM: expected a SASL mechanism (plain, scram-sha-256 or scram-sha-512), since HS_KAFKA_USERNAME and HS_KAFKA_PASSWORD are set (Kafka SASL needs all three); it is not set'],
    [{ kafkaSaslMechanism: 'scram-sha-512', kafkaPassword: 'p' }, 'config: HS_KAFKA_USERNAME: expected a SASL user name, since HS_KAFKA_SASL_MECHANISM and HS_KAFKA_PASSWORD are set (Kafka SASL needs all three); it is not set'],
  ] as const)('a partial SASL setting is one line naming the missing variable: %j', (partial, line) => {
    expect(lines(partial)).toEqual([line]);
  });

  it('refuses SASL/PLAIN without TLS unless explicitly allowed', () => {
    const plain = { kafkaSaslMechanism: 'plain', kafkaUsername: 'u', kafkaPassword: 'p' } as const;
    expect(lines(plain)).toEqual([
      'config: HS_KAFKA_SASL_MECHANISM: plain sends the password in clear without TLS; set HS_KAFKA_SSL=true (or HS_KAFKA_CA_FILE), or HS_KAFKA_ALLOW_PLAINTEXT_SASL=1 to accept that',
    ]);
    expect(lines({ ...plain, kafkaSsl: true })).toEqual([]);
    expect(lines({ ...plain, kafkaAllowPlaintextSasl: true })).toEqual([]);
    expect(lines({ kafkaSaslMechanism: 'scram-sha-256', kafkaUsername: 'u', kafkaPassword: 'p' })).toEqual([]);
  });

  it('kafkaFromConfig: SASL, and TLS with CA / client certificate files; a cert without key or an unreadable file is a config error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hs-kafka-tls-'));
    try {
      for (const f of ['ca.pem', 'cert.pem', 'key.pem']) writeFileSync(join(dir, f), `-----BEGIN ${f}-----\n`);
      const brokers = ['k:9093'];
      const options = kafkaFromConfig(
        { ...base, kafkaBrokers: brokers, kafkaCaFile: join(dir, 'ca.pem'), kafkaCertFile: join(dir, 'cert.pem'), kafkaKeyFile: join(dir, 'key.pem'), kafkaSaslMechanism: 'plain', kafkaUsername: 'u', kafkaPassword: 'p' },
        'test',
      );
      expect(options.sasl).toEqual({ mechanism: 'plain', username: 'u', password: 'p' });
      const ssl = options.ssl as { ca: Buffer[]; cert: Buffer; key: Buffer };
      expect(ssl.ca[0]?.toString()).toContain('ca.pem');
      expect(ssl.cert.toString()).toContain('cert.pem');
      expect(ssl.key.toString()).toContain('key.pem');
      expect(kafkaFromConfig({ ...base, kafkaBrokers: brokers, kafkaSsl: true }, 'test').ssl).toBe(true);
      expect(kafkaFromConfig({ ...base, kafkaBrokers: brokers }, 'test').ssl).toBeUndefined();
      expect(() => kafkaFromConfig({ ...base, kafkaBrokers: brokers, kafkaCertFile: join(dir, 'cert.pem') }, 'test')).toThrow(
        new ConfigError([{ key: 'HS_KAFKA_KEY_FILE', line: 'config: HS_KAFKA_KEY_FILE: expected a PEM file path, since HS_KAFKA_CERT_FILE is set; it is not set' }]),
      );
      expect(() => kafkaFromConfig({ ...base, kafkaBrokers: brokers, kafkaCaFile: join(dir, 'nope.pem') }, 'test')).toThrow(/config: HS_KAFKA_CA_FILE: expected a readable PEM file; cannot read .*nope\.pem: ENOENT/);
      expect(() => kafkaFromConfig({ ...base, kafkaBrokers: brokers, kafkaSaslMechanism: 'plain' }, 'test')).toThrow(ConfigError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('topic filters of the embedded broker ACL', () => {
  it.each([
    ['hs/v1/readings/#', 'hs/v1/readings/city/s1', true],
    ['hs/v1/readings/#', '$share/ingest/hs/v1/readings/+/+', true],
    ['hs/v1/readings/+/s1', 'hs/v1/readings/city/s1', true],
    ['hs/v1/readings/+/s1', 'hs/v1/readings/city/s2', false],
    ['hs/v1/readings/+/s1', 'hs/v1/readings/+/+', false],
    ['hs/v1/readings/+/+', 'hs/v1/readings/#', false],
    ['hs/v1/readings/+/+', 'hs/v1/readings/city', false],
  ])('%s covers %s: %s', (allowed, requested, covers) => {
    expect(filterCovers(allowed, requested)).toBe(covers);
  });
});

describe('the embedded broker with users', () => {
  const brokers: EmbeddedMqttBroker[] = [];
  const clients: { endAsync(force?: boolean): Promise<void> }[] = [];
  afterEach(async () => {
    for (const c of clients.splice(0)) await c.endAsync(true).catch(() => undefined);
    for (const b of brokers.splice(0)) await b.close();
  });
  const users = [
    { username: 's1', password: 'device-pw', publish: ['hs/v1/readings/+/%u'], subscribe: [] },
    { username: 'ingest', password: 'ingest-pw', publish: ['hs/v1/deadletter'], subscribe: ['hs/v1/readings/#'] },
  ];
  const start = async (options: Parameters<typeof startEmbeddedMqttBroker>[0] = {}) => {
    const b = await startEmbeddedMqttBroker({ port: 0, users, drainTimeoutMs: 1_000, ...options });
    brokers.push(b);
    return b;
  };
  const client = async (url: string, username?: string, password?: string, onMessage?: (topic: string) => void) => {
    const c = await connectMqtt({ url, protocolVersion: 4, reconnectPeriodMs: 0, ...(username ? { username } : {}), ...(password ? { password } : {}), ...(onMessage ? { onMessage } : {}) });
    clients.push(c);
    return c;
  };

  it('refuses anonymous clients and wrong passwords', async () => {
    const b = await start();
    await expect(client(b.url)).rejects.toThrow(/Bad username or password|Not authorized/i);
    await expect(client(b.url, 's1', 'wrong')).rejects.toThrow(/Bad username or password|Not authorized/i);
  });

  it('a device publishes only its own site; a subscription outside the ACL is refused in the SUBACK (0x80)', async () => {
    const b = await start();
    const got: string[] = [];
    const ingest = await client(b.url, 'ingest', 'ingest-pw', (t) => got.push(t));
    expect((await ingest.subscribeAsync('hs/v1/readings/#', { qos: 1 }))[0]?.qos).toBe(1);
    await expect(ingest.subscribeAsync('hs/v1/predictions/#', { qos: 1 })).rejects.toMatchObject({ packet: { granted: [128] } });
    const device = await client(b.url, 's1', 'device-pw');
    // aedes closes a client that publishes where it may not; nothing is delivered.
    await device.publishAsync('hs/v1/readings/city/s2', 'spoofed', { qos: 1 }).catch(() => undefined);
    const again = await client(b.url, 's1', 'device-pw');
    await again.publishAsync('hs/v1/readings/city/s1', 'own', { qos: 1 });
    const deadline = Date.now() + 10_000;
    while (!got.includes('hs/v1/readings/city/s1') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(got).toEqual(['hs/v1/readings/city/s1']);
  });

  it('the process\'s own clients use the internal credentials', async () => {
    const b = await start();
    expect(b.internal).toBeDefined();
    const own = await client(b.url, b.internal?.username, b.internal?.password);
    expect((await own.subscribeAsync('hs/v1/readings/#', { qos: 1 }))[0]?.qos).toBe(1);
  });

  it('anonymous access only on loopback', async () => {
    await expect(startEmbeddedMqttBroker({ host: '0.0.0.0', port: 0 })).rejects.toThrow(/anonymous clients only on a loopback address/);
    const b = await startEmbeddedMqttBroker({ port: 0 });
    brokers.push(b);
    expect(b.internal).toBeUndefined();
    await (await client(b.url)).publishAsync('x', 'y', { qos: 1 });
  });

  it('closes a connection announcing a packet over the size limit, before it is buffered', async () => {
    const b = await start({ maxPacketBytes: 4096 });
    const socket = tcp({ host: '127.0.0.1', port: b.port });
    const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
    socket.on('error', () => undefined);
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    // A PUBLISH fixed header announcing 1 MiB (remaining length 0x80 0x80 0x40), then a little data.
    const sent = Date.now();
    socket.write(Buffer.from([0x30, 0x80, 0x80, 0x40, 0, 1, 0x61]));
    await closed;
    expect(socket.destroyed).toBe(true);
    // At once, not after aedes' 30 s connect timeout (which also closes a socket that never CONNECTs).
    expect(Date.now() - sent).toBeLessThan(5_000);
  });

  it('close() ends within the drain timeout while clients are connected', async () => {
    const b = await start();
    await client(b.url, 'ingest', 'ingest-pw');
    const started = Date.now();
    await b.close();
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('an MQTT source refuses to start when the broker refuses its subscription (SUBACK 0x80)', async () => {
    const b = await start();
    const source = createMqttSource({ url: b.url, protocolVersion: 4, username: 's1', password: 'device-pw', clientId: 'refused', filters: ['hs/v1/readings/+/+'], reconnectPeriodMs: 0 });
    await expect(source.start(() => Promise.resolve())).rejects.toThrow('MQTT broker refused the subscription(s) hs/v1/readings/+/+ (reason code 0x80)');
  });
});
