import { connect, type IClientOptions, type IConnackPacket, type IPublishPacket, type MqttClient, type Packet } from 'mqtt';

export type { MqttClient } from 'mqtt';

export interface MqttConnectionOptions {
  url: string;
  clientId?: string;
  /** false = persistent session: the broker keeps QoS 1 messages while we are away. */
  clean?: boolean;
  /** 5 for Mosquitto and other MQTT 5 brokers (default); 4 for 3.1.1-only ones such as aedes. */
  protocolVersion?: 4 | 5;
  username?: string;
  password?: string;
  /** TLS (mqtts://): CA and client certificate in PEM. */
  tls?: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer; rejectUnauthorized?: boolean };
  connectTimeoutMs?: number;
  /** Reconnect period, ms; 0 disables reconnecting. */
  reconnectPeriodMs?: number;
  /** MQTT 5 session expiry, seconds (persistent sessions need it > 0). */
  sessionExpirySeconds?: number;
  /**
   * false: mqtt.js never re-subscribes by itself (the caller does, on every 'connect'). Default
   * true: mqtt.js re-subscribes after a reconnect only when the broker says the session is new.
   */
  resubscribe?: boolean;
  /** Called with each CONNACK (the first connection and every reconnection), before 'connect' listeners added later. */
  onConnack?: (connack: IConnackPacket) => void;
  /**
   * Message handler attached before connecting: a persistent session's queued messages
   * arrive right after the CONNACK, before a handler added later could see them.
   */
  onMessage?: (topic: string, payload: Buffer, packet: IPublishPacket) => void;
  /**
   * Decides when each QoS 1 message is acknowledged (call done(0) to PUBACK). mqtt.js
   * reads no further packet from this connection until then.
   */
  customHandleAcks?: (topic: string, payload: Buffer, packet: IPublishPacket, done: (code: number) => void) => void;
  /** MQTT 5 receive maximum: QoS 1 messages the broker may have in flight to us. */
  receiveMaximum?: number;
  /**
   * MQTT 5 maximum packet size we accept: the broker does not send us larger PUBLISHes (it
   * drops them), so one message can never cost more memory than this.
   */
  maximumPacketSize?: number;
  /**
   * mqtt.js's backpressure hook: called for each received PUBLISH once its 'message' was
   * emitted and before its PUBACK (QoS 1); no further packet is read from the connection
   * until `callback` is called.
   */
  handleMessage?: (packet: Packet, callback: () => void) => void;
  /** The will the broker publishes when this connection is lost (e.g. a Sparkplug host's STATE offline). */
  will?: { topic: string; payload: Buffer | string; qos?: 0 | 1; retain?: boolean };
}

/** Largest MQTT packet size (the remaining-length field's maximum plus its header). */
export const MQTT_MAX_PACKET_SIZE = 268_435_455;

/** Connects an MQTT client; resolves once the broker has acknowledged the connection. */
export function connectMqtt(options: MqttConnectionOptions): Promise<MqttClient> {
  const protocolVersion = options.protocolVersion ?? 5;
  const clean = options.clean ?? true;
  const opts: IClientOptions = {
    protocolVersion,
    clean,
    connectTimeout: options.connectTimeoutMs ?? 10_000,
    reconnectPeriod: options.reconnectPeriodMs ?? 1_000,
    ...(options.resubscribe === false ? { resubscribe: false } : {}),
    ...(options.clientId === undefined ? {} : { clientId: options.clientId }),
    ...(options.username === undefined ? {} : { username: options.username }),
    ...(options.password === undefined ? {} : { password: options.password }),
    ...(options.tls ?? {}),
    ...(options.will ? { will: { topic: options.will.topic, payload: Buffer.from(options.will.payload), qos: options.will.qos ?? 1, retain: options.will.retain ?? false } } : {}),
  };
  if (options.customHandleAcks) {
    const custom = options.customHandleAcks;
    opts.customHandleAcks = (topic, payload, packet: IPublishPacket, done) => custom(topic, payload, packet, (code) => done(code));
  }
  if (protocolVersion === 5) {
    opts.properties = {
      ...(clean ? {} : { sessionExpiryInterval: options.sessionExpirySeconds ?? 7 * 24 * 3600 }),
      ...(options.receiveMaximum === undefined ? {} : { receiveMaximum: options.receiveMaximum }),
      ...(options.maximumPacketSize === undefined ? {} : { maximumPacketSize: Math.min(MQTT_MAX_PACKET_SIZE, options.maximumPacketSize) }),
    };
  }
  const client = connect(options.url, { ...opts, manualConnect: true });
  if (options.handleMessage) {
    const hook = options.handleMessage;
    client.handleMessage = (packet, callback) => hook(packet, () => callback());
  }
  if (options.onMessage) client.on('message', options.onMessage);
  if (options.onConnack) client.on('connect', options.onConnack);
  return new Promise<MqttClient>((resolve, reject) => {
    const onConnect = () => {
      client.off('error', onError);
      resolve(client);
    };
    const onError = (error: Error) => {
      client.off('connect', onConnect);
      client.end(true);
      reject(error);
    };
    client.once('connect', onConnect);
    client.once('error', onError);
    if (opts.reconnectPeriod === 0) {
      client.once('close', () => onError(new Error(`MQTT connection to ${options.url} closed before CONNACK`)));
    }
    client.connect();
  });
}

/**
 * Whether the broker holds a session for `clientId` (say, one a stopped run left behind); ends it if
 * so. It connects with clean start off (MQTT 5: the CONNACK says whether a session was there) and
 * session expiry 0, so the broker discards the session when this connection closes.
 */
export async function endMqttSession(options: Omit<MqttConnectionOptions, 'clean' | 'sessionExpirySeconds' | 'protocolVersion' | 'onConnack'> & { clientId: string }): Promise<boolean> {
  let present: boolean | undefined;
  const client = await connectMqtt({
    ...options,
    protocolVersion: 5,
    clean: false,
    sessionExpirySeconds: 0,
    reconnectPeriodMs: 0,
    onConnack: (connack) => {
      present ??= connack.sessionPresent;
    },
  });
  await client.endAsync();
  return present === true;
}
