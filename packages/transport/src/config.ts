import { readFileSync } from 'node:fs';
import { cfg, ConfigError, field, type ConfigOf, type Logger } from '@headstream/core';
import type { KafkaConnectionOptions } from './kafka.js';
import type { MqttConnectionOptions } from './mqtt.js';
import type { EmbeddedBrokerUser } from './mqtt-broker.js';

/**
 * Credentials and TLS for MQTT and Kafka, the same for every app that connects (ingest, and the
 * CLI's replay, simulate and selfcheck). mqttFromConfig / kafkaFromConfig are the only places
 * that turn them into connection options, and they fail closed: a partial SASL setting, SASL/PLAIN
 * without TLS, a certificate without its key or an unreadable PEM file is a config error.
 */
export const transportConfigSpec = {
  mqttUsername: field('HS_MQTT_USERNAME', cfg.string().optional(), 'an MQTT user name'),
  mqttPassword: field('HS_MQTT_PASSWORD', cfg.string().optional(), 'an MQTT password', { secret: true }),
  mqttCaFile: field('HS_MQTT_CA_FILE', cfg.string().optional(), 'a PEM file path (CA of the broker certificate)'),
  mqttCertFile: field('HS_MQTT_CERT_FILE', cfg.string().optional(), 'a PEM file path (client certificate)'),
  mqttKeyFile: field('HS_MQTT_KEY_FILE', cfg.string().optional(), 'a PEM file path (client key)', { secret: true }),
  kafkaSsl: field('HS_KAFKA_SSL', cfg.bool().default(false), 'true or false'),
  kafkaCaFile: field('HS_KAFKA_CA_FILE', cfg.string().optional(), 'a PEM file path (CA of the broker certificates; implies TLS)'),
  kafkaCertFile: field('HS_KAFKA_CERT_FILE', cfg.string().optional(), 'a PEM file path (client certificate; implies TLS)'),
  kafkaKeyFile: field('HS_KAFKA_KEY_FILE', cfg.string().optional(), 'a PEM file path (client key)', { secret: true }),
  kafkaSaslMechanism: field('HS_KAFKA_SASL_MECHANISM', cfg.oneOf(['plain', 'scram-sha-256', 'scram-sha-512']).optional(), 'plain, scram-sha-256 or scram-sha-512'),
  kafkaUsername: field('HS_KAFKA_USERNAME', cfg.string().optional(), 'a SASL user name'),
  kafkaPassword: field('HS_KAFKA_PASSWORD', cfg.string().optional(), 'a SASL password', { secret: true }),
  kafkaAllowPlaintextSasl: field('HS_KAFKA_ALLOW_PLAINTEXT_SASL', cfg.bool().default(false), 'true or false: allow SASL/PLAIN without TLS (the password crosses the network in clear)'),
};
export type TransportConfig = ConfigOf<typeof transportConfigSpec>;

type Problem = { key: string; line: string };

const kafkaTls = (c: TransportConfig) => c.kafkaSsl || c.kafkaCaFile !== undefined || c.kafkaCertFile !== undefined;

/** Settings that are each valid but wrong together, one line per problem (empty when fine). */
export function transportConfigProblems(c: TransportConfig): Problem[] {
  const problems: Problem[] = [];
  const sasl = [
    ['HS_KAFKA_SASL_MECHANISM', c.kafkaSaslMechanism, 'a SASL mechanism (plain, scram-sha-256 or scram-sha-512)'],
    ['HS_KAFKA_USERNAME', c.kafkaUsername, 'a SASL user name'],
    ['HS_KAFKA_PASSWORD', c.kafkaPassword, 'a SASL password'],
  ] as const;
  const set = sasl.filter(([, v]) => v !== undefined).map(([k]) => k);
  if (set.length > 0 && set.length < sasl.length) {
    // Never fall back to no authentication: SASL is all three variables or none.
    for (const [key, value, expected] of sasl) {
      if (value === undefined) problems.push({ key, line: `config: ${key}: expected ${expected}, since ${set.join(' and ')} ${set.length > 1 ? 'are' : 'is'} set (Kafka SASL needs all three); it is not set` });
    }
  }
  if (c.kafkaSaslMechanism === 'plain' && !kafkaTls(c) && !c.kafkaAllowPlaintextSasl) {
    problems.push({
      key: 'HS_KAFKA_SASL_MECHANISM',
      line: 'config: HS_KAFKA_SASL_MECHANISM: plain sends the password in clear without TLS; set HS_KAFKA_SSL=true (or HS_KAFKA_CA_FILE), or HS_KAFKA_ALLOW_PLAINTEXT_SASL=1 to accept that',
    });
  }
  const pair = (cert: string | undefined, key: string | undefined, certEnv: string, keyEnv: string) => {
    if (cert !== undefined && key === undefined) problems.push({ key: keyEnv, line: `config: ${keyEnv}: expected a PEM file path, since ${certEnv} is set; it is not set` });
    if (key !== undefined && cert === undefined) problems.push({ key: certEnv, line: `config: ${certEnv}: expected a PEM file path, since ${keyEnv} is set; it is not set` });
  };
  pair(c.kafkaCertFile, c.kafkaKeyFile, 'HS_KAFKA_CERT_FILE', 'HS_KAFKA_KEY_FILE');
  pair(c.mqttCertFile, c.mqttKeyFile, 'HS_MQTT_CERT_FILE', 'HS_MQTT_KEY_FILE');
  if (c.mqttPassword !== undefined && c.mqttUsername === undefined) {
    problems.push({ key: 'HS_MQTT_USERNAME', line: 'config: HS_MQTT_USERNAME: expected an MQTT user name, since HS_MQTT_PASSWORD is set; it is not set' });
  }
  return problems;
}

/** Throws a ConfigError listing transportConfigProblems, if any. Call right after loadConfig. */
export function checkTransportConfig(c: TransportConfig): void {
  const problems = transportConfigProblems(c);
  if (problems.length > 0) throw new ConfigError(problems);
}

function readPem(env: string, path: string): Buffer {
  try {
    return readFileSync(path);
  } catch (error) {
    throw new ConfigError([{ key: env, line: `config: ${env}: expected a readable PEM file; cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}` }]);
  }
}

/** Connection options (URL, credentials, TLS) for an MQTT client, from config. */
export function mqttFromConfig(c: TransportConfig, url: string): Pick<MqttConnectionOptions, 'url' | 'username' | 'password' | 'tls'> {
  checkTransportConfig(c);
  const tlsFiles = c.mqttCaFile !== undefined || c.mqttCertFile !== undefined;
  return {
    url,
    ...(c.mqttUsername === undefined ? {} : { username: c.mqttUsername }),
    ...(c.mqttPassword === undefined ? {} : { password: c.mqttPassword }),
    ...(tlsFiles
      ? {
          tls: {
            ...(c.mqttCaFile === undefined ? {} : { ca: readPem('HS_MQTT_CA_FILE', c.mqttCaFile) }),
            ...(c.mqttCertFile === undefined ? {} : { cert: readPem('HS_MQTT_CERT_FILE', c.mqttCertFile) }),
            ...(c.mqttKeyFile === undefined ? {} : { key: readPem('HS_MQTT_KEY_FILE', c.mqttKeyFile) }),
          },
        }
      : {}),
  };
}

/** Connection options (brokers, TLS, SASL, client logs) for Kafka, from config. */
export function kafkaFromConfig(c: TransportConfig & { kafkaBrokers?: string[] | undefined }, clientId: string, log?: Logger): KafkaConnectionOptions {
  checkTransportConfig(c);
  if (c.kafkaBrokers === undefined) throw new ConfigError([{ key: 'HS_KAFKA_BROKERS', line: 'config: HS_KAFKA_BROKERS: expected a comma-separated list of host:port; it is not set' }]);
  const files = c.kafkaCaFile !== undefined || c.kafkaCertFile !== undefined;
  const ssl = files
    ? {
        ...(c.kafkaCaFile === undefined ? {} : { ca: [readPem('HS_KAFKA_CA_FILE', c.kafkaCaFile)] }),
        ...(c.kafkaCertFile === undefined ? {} : { cert: readPem('HS_KAFKA_CERT_FILE', c.kafkaCertFile) }),
        ...(c.kafkaKeyFile === undefined ? {} : { key: readPem('HS_KAFKA_KEY_FILE', c.kafkaKeyFile) }),
      }
    : kafkaTls(c);
  return {
    brokers: c.kafkaBrokers,
    clientId,
    ...(ssl === false ? {} : { ssl }),
    ...(c.kafkaSaslMechanism !== undefined && c.kafkaUsername !== undefined && c.kafkaPassword !== undefined
      ? { sasl: { mechanism: c.kafkaSaslMechanism, username: c.kafkaUsername, password: c.kafkaPassword } }
      : {}),
    ...(log ? { onLog: (level: 'error' | 'warn', message: string, extra: Record<string, unknown>) => log[level](extra, `kafka: ${message}`) } : {}),
  };
}

/** The embedded (aedes) broker of the ingest service. */
export const embeddedBrokerConfigSpec = {
  mqttEmbeddedHost: field('HS_MQTT_EMBEDDED_HOST', cfg.string().default('127.0.0.1'), 'an address for the embedded MQTT broker (anonymous access only on loopback)'),
  mqttEmbeddedUsersFile: field('HS_MQTT_EMBEDDED_USERS_FILE', cfg.string().optional(), 'a JSON file {"users":[{"username","password","publish":[filters],"subscribe":[filters]}]} (%u = the user name)'),
  mqttEmbeddedMaxPacketBytes: field('HS_MQTT_EMBEDDED_MAX_PACKET_BYTES', cfg.int(1024, 256 * 1024 * 1024).optional(), 'bytes, 1024..268435456 (unset: HS_MAX_PAYLOAD_BYTES + 64 KiB)'),
};

/** Users and their topic ACL for the embedded broker, from HS_MQTT_EMBEDDED_USERS_FILE. */
export function embeddedBrokerUsersFromFile(path: string): EmbeddedBrokerUser[] {
  const fail = (why: string): never => {
    throw new ConfigError([{ key: 'HS_MQTT_EMBEDDED_USERS_FILE', line: `config: HS_MQTT_EMBEDDED_USERS_FILE: expected a JSON file {"users":[{"username","password","publish":[...],"subscribe":[...]}]}; ${why}` }]);
  };
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    fail(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  const users = (doc as { users?: unknown } | null)?.users;
  if (!Array.isArray(users) || users.length === 0) return fail(`${path} has no "users" array`);
  const strings = (v: unknown) => Array.isArray(v) && v.every((s) => typeof s === 'string' && s.length > 0);
  return users.map((u: unknown, i): EmbeddedBrokerUser => {
    const o = u as Partial<EmbeddedBrokerUser> | null;
    if (typeof o?.username !== 'string' || o.username === '' || typeof o.password !== 'string' || o.password === '' || !strings(o.publish ?? []) || !strings(o.subscribe ?? [])) {
      return fail(`users[${i}] needs a username, a password and publish/subscribe lists of topic filters`);
    }
    return { username: o.username, password: o.password, publish: o.publish ?? [], subscribe: o.subscribe ?? [] };
  });
}
