import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { Duplex, Transform, type TransformCallback } from 'node:stream';
import { Aedes, type AedesOptions } from 'aedes';

/** The in-process broker of the embedded default (aedes). It speaks MQTT 3.1.1, not 5. */
export interface EmbeddedMqttBroker {
  readonly url: string;
  readonly port: number;
  /** MQTT protocol level clients must use with this broker (4 = 3.1.1). */
  readonly protocolVersion: 4;
  /** Credentials of the process's own clients (all topics); set when the broker requires authentication. */
  readonly internal: { username: string; password: string } | undefined;
  close(): Promise<void>;
}

/** One user of the embedded broker and the topic filters it may publish and subscribe to (`%u` = its user name). */
export interface EmbeddedBrokerUser {
  username: string;
  password: string;
  publish: string[];
  subscribe: string[];
}

export interface EmbeddedBrokerOptions {
  host?: string;
  port?: number;
  /**
   * Users allowed to connect. Unset or empty: anonymous clients may do anything, which is allowed
   * only on a loopback address (the zero-setup dev default); on any other address it is refused.
   */
  users?: EmbeddedBrokerUser[];
  /** Largest MQTT packet accepted (fixed header excluded); a larger one closes the connection. Default 1 MiB + 64 KiB. */
  maxPacketBytes?: number;
  /** close() waits this long for clients to be flushed and closed, then destroys their sockets. Default 5000 ms. */
  drainTimeoutMs?: number;
}

export const DEFAULT_MAX_PACKET_BYTES = 1024 * 1024 + 64 * 1024;

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

/** Whether an MQTT topic filter matches a topic name (`+` one level, `#` the rest). */
export function topicMatches(filter: string, topic: string): boolean {
  return filterCovers(filter, topic);
}

/**
 * Whether every topic the `requested` filter can match is also matched by `allowed` (a topic name
 * is a filter without wildcards). `$share/<group>/` is stripped from the requested filter.
 */
export function filterCovers(allowed: string, requested: string): boolean {
  const req = requested.startsWith('$share/') ? requested.split('/').slice(2).join('/') : requested;
  const a = allowed.split('/');
  const r = req.split('/');
  for (let i = 0; i < a.length; i++) {
    const level = a[i];
    if (level === '#') return true;
    const want = r[i];
    if (want === undefined) return false;
    if (level === '+') {
      if (want === '#') return false;
      continue;
    }
    if (want !== level) return false;
  }
  return a.length === r.length;
}

const digest = (s: string | Buffer) => createHash('sha256').update(s).digest();

/**
 * aedes authenticate / authorize hooks for a fixed user list. Exported for tests. `internal`
 * (the process's own clients) may do anything.
 */
export function brokerAuthHooks(users: readonly EmbeddedBrokerUser[], internal: { username: string; password: string }): Pick<AedesOptions, 'authenticate' | 'authorizePublish' | 'authorizeSubscribe'> {
  const all: EmbeddedBrokerUser[] = [...users, { ...internal, publish: ['#'], subscribe: ['#'] }];
  const byName = new Map(all.map((u) => [u.username, u]));
  const userOf = new WeakMap<object, EmbeddedBrokerUser>();
  const expand = (filters: string[], user: EmbeddedBrokerUser) => filters.map((f) => f.replaceAll('%u', user.username));
  return {
    authenticate(client, username, password, done) {
      const user = username === undefined ? undefined : byName.get(username);
      // Compare digests: constant time whatever the lengths.
      const ok = user !== undefined && password !== undefined && timingSafeEqual(digest(password), digest(user.password));
      if (!ok || !user) {
        const error = Object.assign(new Error('bad user name or password'), { returnCode: 4 });
        done(error, false);
        return;
      }
      userOf.set(client, user);
      done(null, true);
    },
    authorizePublish(client, packet, done) {
      // client is null for messages the broker itself publishes (wills are checked at connect).
      if (client === null) return done(null);
      const user = userOf.get(client);
      if (user && expand(user.publish, user).some((f) => topicMatches(f, packet.topic))) return done(null);
      done(new Error(`publish to ${packet.topic} not allowed`));
    },
    authorizeSubscribe(client, subscription, done) {
      const user = userOf.get(client);
      if (user && expand(user.subscribe, user).some((f) => filterCovers(f, subscription.topic))) return done(null, subscription);
      // A null subscription is refused in the SUBACK (0x80); the connection stays up.
      done(null, null);
    },
  };
}

/**
 * Closes a connection whose next MQTT packet announces more than `max` bytes, before the
 * parser buffers it. Reads the fixed header (type byte + variable-length remaining length).
 */
class PacketSizeGuard extends Transform {
  private state: 'type' | 'length' | 'body' = 'type';
  private length = 0;
  private multiplier = 1;
  private remaining = 0;

  constructor(private readonly max: number) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.state === 'body') {
        const take = Math.min(this.remaining, chunk.length - i);
        i += take;
        this.remaining -= take;
        if (this.remaining === 0) this.state = 'type';
        continue;
      }
      const byte = chunk[i++] ?? 0;
      if (this.state === 'type') {
        this.state = 'length';
        this.length = 0;
        this.multiplier = 1;
        continue;
      }
      this.length += (byte & 0x7f) * this.multiplier;
      this.multiplier *= 128;
      if (this.length > this.max) {
        done(new Error(`MQTT packet of ${this.length} bytes exceeds the limit of ${this.max}`));
        return;
      }
      if ((byte & 0x80) === 0) {
        this.remaining = this.length;
        this.state = this.remaining === 0 ? 'type' : 'body';
      } else if (this.multiplier > 128 ** 4) {
        done(new Error('malformed MQTT remaining length'));
        return;
      }
    }
    done(null, chunk);
  }
}

export async function startEmbeddedMqttBroker(options: EmbeddedBrokerOptions = {}): Promise<EmbeddedMqttBroker> {
  const host = options.host ?? '127.0.0.1';
  const users = options.users ?? [];
  if (users.length === 0 && !isLoopback(host)) {
    throw new Error(`the embedded MQTT broker allows anonymous clients only on a loopback address, not on ${host}: configure its users (HS_MQTT_EMBEDDED_USERS_FILE)`);
  }
  const internal = users.length > 0 ? { username: `headstream-internal-${randomBytes(4).toString('hex')}`, password: randomBytes(24).toString('base64url') } : undefined;
  const drainTimeoutMs = options.drainTimeoutMs ?? 5_000;
  const maxPacketBytes = options.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES;
  const broker = await Aedes.createBroker({
    drainTimeout: drainTimeoutMs,
    ...(internal ? brokerAuthHooks(users, internal) : {}),
  });
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    // Without it a PUBACK waits behind Nagle's algorithm and the client's delayed ACK: ~40 ms per
    // QoS 1 publish (BENCHMARKS.md, predictor). Mosquitto's set_tcp_nodelay is the same fix.
    socket.setNoDelay(true);
    const guard = new PacketSizeGuard(maxPacketBytes);
    guard.on('error', () => socket.destroy());
    socket.on('error', () => guard.destroy());
    socket.pipe(guard);
    broker.handle(Duplex.from({ readable: guard, writable: socket }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('embedded MQTT broker has no TCP address');
  let closing: Promise<void> | undefined;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `mqtt://${urlHost}:${address.port}`,
    port: address.port,
    protocolVersion: 4,
    internal,
    close() {
      // Stop accepting, let aedes close its clients (flushing what it can), and destroy whatever
      // is still open after the drain timeout: close() always ends.
      closing ??= new Promise<void>((resolve) => {
        server.close();
        const timer = setTimeout(() => {
          for (const socket of sockets) socket.destroy();
          resolve();
        }, drainTimeoutMs);
        timer.unref();
        broker.close(() => {
          for (const socket of sockets) socket.destroy();
          clearTimeout(timer);
          resolve();
        });
      });
      return closing;
    },
  };
}
