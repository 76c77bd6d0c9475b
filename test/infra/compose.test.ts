import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { commonConfigSpec, ConfigError, CONFIG_FILE_ENV, DEFAULT_READINGS_PARTITIONS, DEFAULT_TOPIC_ROOT, KAFKA_TOPIC_KINDS, kafkaTopic, loadConfig, mqttPredictionsFilter, mqttReadingsFilter, mqttTopic, type ConfigSpec } from '@headstream/core';
import { TASK_NAMES } from '@headstream/tasks';
import { connectPostgres, INGEST_ROLE, LATEST_SCHEMA_VERSION, migrate, PREDICTOR_ROLE, quoteIdent, READER_ROLE, requireCurrentSchema, schemaRolesFor, TRAINER_ROLE, type SqlClient } from '@headstream/store';
import { freePort, mosquittoBinary, realServiceOrSkip, skipOrFailInCi, tcpConnect, waitUntil } from '@headstream/testkit';
import { checkTransportConfig, connectMqtt, type MqttClient } from '@headstream/transport';
import { cliConfigSpec } from '../../apps/cli/src/config.js';
import { ingestConfigSpec } from '../../apps/ingest/src/config.js';
import { databaseTarget } from '../../apps/ingest/src/database-target.js';
import { predictorConfigSpec } from '../../apps/predictor/src/config.js';
import { trainerConfigSpec } from '../../apps/trainer/src/config.js';
import { aclAllows, dockerignore, interpolate, interpolationsIn, mapStrings, parseAcl, parseCopy, parseDockerfile, parseDotenv, stringsIn, type Interpolation } from './stack-files.js';

// The deployable stack (infra/compose.yaml, infra/Dockerfile, infra/mosquitto, infra/postgres), tested
// without a Docker engine: the compose file is parsed and interpolated from infra/.env.example, and
// every app's environment goes through that app's own config spec. The broker entrypoint, the
// database init script and the healthcheck one-liners are also run for real, outside containers.

const repo = fileURLToPath(new URL('../../', import.meta.url));
const infra = join(repo, 'infra');
const read = (path: string) => readFileSync(join(repo, path), 'utf8');

// ---- the files -------------------------------------------------------------------------------

interface Healthcheck {
  test?: string[] | string;
  disable?: boolean;
}
interface Service {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string[];
  entrypoint?: string[];
  environment?: Record<string, unknown>;
  depends_on?: Record<string, { condition: string }>;
  healthcheck?: Healthcheck;
  ports?: string[];
  volumes?: string[];
  restart?: string;
  profiles?: string[];
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const composeText = read('infra/compose.yaml');
const raw = parseYaml(composeText, { merge: true }) as Compose;
const envExample = parseDotenv(read('infra/.env.example'));
const allInterpolations: Interpolation[] = stringsIn(raw).flatMap((s) => interpolationsIn(s.value));
const requiredVars = new Set(allInterpolations.filter((i) => i.op === ':?' || i.op === '?').map((i) => i.name));
/** What compose would see with infra/.env = .env.example and every secret filled in. */
const testSecret = (name: string) => `t-${name.toLowerCase().replace(/_/g, '-')}-0123456789`;
const deployEnv = new Map([...envExample].map(([k, v]) => [k, v === '' && requiredVars.has(k) ? testSecret(k) : v]));
const compose = mapStrings(raw, (s) => interpolate(s, deployEnv)) as Compose;
const services = Object.entries(compose.services);

/** Loaded config fields the stack's checks look at (each app's ConfigOf has them, or not). */
interface LoadedConfig {
  pgUrl?: string | undefined;
  pgSchema?: string | undefined;
  mqttUrl?: string | undefined;
  mqttUsername?: string | undefined;
  kafkaBrokers?: string[] | undefined;
  kafkaPartitions?: number;
  topicRoot: string;
  httpHost?: string;
  httpPort?: number;
}
type Env = Record<string, string>;
interface App {
  /** The workspace whose package.json `bin` names the command. */
  pkg: string;
  spec: ConfigSpec;
  /** Loads as the app's main does (loadConfig plus the checks main runs before starting). */
  load(env: Env): LoadedConfig;
}
const APPS: Record<string, App> = {
  headstream: {
    pkg: 'apps/cli',
    spec: cliConfigSpec,
    load: (env) => {
      const config = loadConfig(cliConfigSpec, { env });
      checkTransportConfig(config);
      return config;
    },
  },
  'headstream-ingest': {
    pkg: 'apps/ingest',
    spec: ingestConfigSpec,
    load: (env) => {
      const config = loadConfig(ingestConfigSpec, { env });
      databaseTarget(config);
      checkTransportConfig(config);
      return config;
    },
  },
  'headstream-trainer': { pkg: 'apps/trainer', spec: trainerConfigSpec, load: (env) => loadConfig(trainerConfigSpec, { env }) },
  'headstream-predictor': {
    pkg: 'apps/predictor',
    spec: predictorConfigSpec,
    load: (env) => {
      const config = loadConfig(predictorConfigSpec, { env });
      checkTransportConfig(config);
      return config;
    },
  },
};

const isApp = (s: Service) => s.build?.dockerfile === 'infra/Dockerfile';
const appServices = services.filter(([, s]) => isApp(s));
const appOf = (s: Service): App => {
  const app = APPS[s.command?.[0] ?? ''];
  if (!app) throw new Error(`command ${JSON.stringify(s.command)} is not one of ${Object.keys(APPS).join(', ')}`);
  return app;
};
const envOf = (s: Service): Env =>
  Object.fromEntries(
    Object.entries(s.environment ?? {}).map(([k, v]) => {
      if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return [k, String(v)];
      throw new Error(`${k}: give a value (pass-through variables would hide what the app gets)`);
    }),
  );
const unknownVariables = (app: App, env: Env) => {
  const known = new Set([...Object.values(app.spec).map((f) => f.env), CONFIG_FILE_ENV]);
  return Object.keys(env).filter((k) => !known.has(k));
};
const isOneShot = (s: Service) => s.restart === 'no';
const containerPorts = (s: Service) => (s.ports ?? []).map((p) => Number(p.split(':').pop()?.replace(/\/(tcp|udp)$/, '')));
const healthTest = (s: Service) => (Array.isArray(s.healthcheck?.test) ? s.healthcheck.test : [s.healthcheck?.test ?? '']);
const rawService = (name: string): Service => {
  const s = raw.services[name];
  if (!s) throw new Error(`no service ${name}`);
  return s;
};
const service = (name: string): Service => {
  const s = compose.services[name];
  if (!s) throw new Error(`no service ${name}`);
  return s;
};
const SECRET_NAME = /pass|secret|token|key/i;

// ---- compose.yaml ------------------------------------------------------------------------------

describe('infra/compose.yaml and infra/.env.example', () => {
  it('interpolates only variables .env.example documents, with the same defaults, and .env.example holds only those', () => {
    expect(allInterpolations.filter((i) => i.bare).map((i) => i.text), 'bare $NAME (write ${NAME}, or $$ for the shell)').toEqual([]);
    const used = new Set(allInterpolations.map((i) => i.name));
    expect([...used].filter((v) => !envExample.has(v)), 'variables compose.yaml reads that infra/.env.example lacks').toEqual([]);
    expect([...envExample.keys()].filter((v) => !used.has(v)), 'variables of infra/.env.example that compose.yaml never reads').toEqual([]);
    for (const i of allInterpolations.filter((x) => x.op === ':-' || x.op === '-')) {
      expect(envExample.get(i.name), `${i.text}: the default in compose.yaml and the value in .env.example differ`).toBe(i.arg);
    }
  });

  it('writes no secret inline: each is a required ${VAR:?…} from infra/.env, left empty in .env.example', () => {
    for (const i of allInterpolations.filter((x) => SECRET_NAME.test(x.name))) {
      expect(i.op, `${i.text}: a secret has no default; use \${${i.name}:?…}`).toBe(':?');
    }
    for (const [name, value] of envExample) {
      if (SECRET_NAME.test(name)) expect(value, `${name} in .env.example must stay empty (a placeholder, never a secret)`).toBe('');
    }
    for (const [key, value] of Object.entries(raw.services).flatMap(([, s]) => Object.entries(s.environment ?? {}))) {
      if (!SECRET_NAME.test(key)) continue;
      expect(String(value), `${key}: a secret-looking variable must be exactly one \${VAR:?…}`).toMatch(/^\$\{[A-Z0-9_]+:\?[^}]*\}$/);
    }
    for (const { path, value } of stringsIn(raw)) {
      // URL credentials (postgres://user:password@host): the password is a required variable.
      for (const m of value.matchAll(/[a-z]+:\/\/[^/\s:@]*:([^@\s]*)@/g)) {
        expect(m[1], `${path.join('.')}: a URL password must be \${VAR:?…}`).toMatch(/^\$\{[A-Z0-9_]+:\?[^}]*\}$/);
      }
    }
    const inline = composeText.split('\n').filter((l) => /(password|passwd|secret|token|api[_-]?key)\w*\s*[:=]\s*(?!\$\{)["']?[A-Za-z0-9]/i.test(l) && !/^\s*#/.test(l));
    expect(inline, 'lines that look like an inline secret').toEqual([]);
  });

  it('pins every image to a version', () => {
    for (const [name, s] of Object.entries(raw.services)) {
      if (isApp(s)) continue;
      expect(s.image, name).toMatch(/^[a-z0-9./_-]+:\d[\w.-]*$/);
    }
    expect(service('grafana').image).toBe('grafana/grafana-oss:11.6.0');
    expect(service('timescaledb').image).toMatch(/^timescale\/timescaledb:\d+\.\d+\.\d+-pg15$/);
    expect(service('mosquitto').image).toMatch(/^eclipse-mosquitto:2\.\d+\.\d+$/);
    expect(service('kafka').image).toMatch(/^apache\/kafka:4\.\d+\.\d+$/);
  });

  it('runs every app from the one image of infra/Dockerfile, as a command that image links', () => {
    expect(appServices.map(([n]) => n).sort()).toEqual(['ingest', 'migrate', 'predictor', 'simulator', 'trainer']);
    const dockerfile = read('infra/Dockerfile');
    for (const [name, s] of appServices) {
      expect(s.build?.context, name).toBe('..');
      expect(s.image, name).toBe(appServices[0]?.[1].image);
      const command = s.command?.[0] ?? '';
      const bins = (JSON.parse(read(`${appOf(s).pkg}/package.json`)) as { bin: Record<string, string> }).bin;
      const target = bins[command]?.replace(/^\.\//, '');
      expect(target, `${name}: ${command} is a bin of ${appOf(s).pkg}`).toBeDefined();
      expect(dockerfile, `${name}: the image links ${command}`).toContain(`ln -s /app/${appOf(s).pkg}/${target} /usr/local/bin/${command}`);
    }
    expect(service('migrate').command).toEqual(['headstream', 'migrate']);
    expect(service('simulator').command?.slice(0, 2)).toEqual(['headstream', 'simulate']);
    expect(service('simulator').command?.join(' ')).toContain('--to mqtt');
  });

  it.each(appServices.map(([name]) => name))('%s: its environment loads through the app\'s own config spec, with nothing unknown', (name) => {
    const s = service(name);
    const app = appOf(s);
    const env = envOf(s);
    expect(unknownVariables(app, env), 'variables the app does not read').toEqual([]);
    const config = app.load(env);
    // The stack's ACL, topics and database roles are for the default topic root and the public schema.
    expect(config.topicRoot).toBe(DEFAULT_TOPIC_ROOT);
    expect(config.pgSchema).toBeUndefined();
    if (config.pgUrl !== undefined) expect(new URL(config.pgUrl).host).toBe('timescaledb:5432');
    if (config.mqttUrl !== undefined) expect(config.mqttUrl).toBe('mqtt://mosquitto:1883');
    if (config.kafkaBrokers !== undefined) expect(config.kafkaBrokers).toEqual(['kafka:9092']);
  });

  it('rejects an unknown or invalid variable (the check above can fail)', () => {
    const s = service('ingest');
    const app = appOf(s);
    expect(unknownVariables(app, { ...envOf(s), HS_HTTP_PROT: '9464' })).toEqual(['HS_HTTP_PROT']);
    expect(() => app.load({ ...envOf(s), HS_HTTP_PORT: 'ninety' })).toThrow(ConfigError);
    expect(() => app.load({ ...envOf(s), HS_MQTT_USERNAME: '' , HS_MQTT_PASSWORD: 'x'.repeat(16) })).toThrow(/HS_MQTT_USERNAME/);
  });

  it('publishes each app\'s HTTP port as configured, on every interface of the container, and checks /healthz there', () => {
    for (const [name, s] of appServices) {
      const config = appOf(s).load(envOf(s));
      if (config.httpPort === undefined) {
        expect(s.ports ?? [], `${name} has no HTTP port`).toEqual([]);
        continue;
      }
      expect(containerPorts(s), name).toEqual([config.httpPort]);
      expect(config.httpHost, `${name}: a published port needs HS_HTTP_HOST=0.0.0.0`).toBe('0.0.0.0');
      const test = healthTest(s);
      expect(test.slice(0, 3), name).toEqual(['CMD', 'node', '-e']);
      expect(test[3], name).toContain("process.env.HS_HTTP_PORT+'/healthz'");
    }
    expect(containerPorts(service('mosquitto'))).toEqual([1883]);
    expect(containerPorts(service('timescaledb'))).toEqual([5432]);
    expect(containerPorts(service('grafana'))).toEqual([3000]);
    const kafka = envOf(service('kafka'));
    expect(kafka.KAFKA_ADVERTISED_LISTENERS).toMatch(new RegExp(`EXTERNAL://[^,]+:${containerPorts(service('kafka'))[0]}(,|$)`));
    expect(kafka.KAFKA_LISTENERS).toContain(`EXTERNAL://:${containerPorts(service('kafka'))[0]}`);
    expect(kafka.KAFKA_ADVERTISED_LISTENERS).toContain('INTERNAL://kafka:9092');
  });

  it('gives every long-running service a healthcheck (apps: a node one-liner); one-shots are waited for by completion', () => {
    for (const [name, s] of services) {
      if (isOneShot(s)) {
        for (const [other, o] of services) {
          const condition = o.depends_on?.[name]?.condition;
          if (condition !== undefined) expect(condition, `${other} waits for one-shot ${name}`).toBe('service_completed_successfully');
        }
        continue;
      }
      expect(s.restart, name).toBe('unless-stopped');
      expect(s.healthcheck?.disable ?? false, name).toBe(false);
      expect(healthTest(s)[0], `${name}: healthcheck`).toMatch(/^CMD(-SHELL)?$/);
      if (isApp(s)) expect(healthTest(s).slice(0, 3), name).toEqual(['CMD', 'node', '-e']);
    }
  });

  it('orders start-up: migrate after a healthy database; apps after migrate and the brokers they use; Grafana after the database', () => {
    for (const [name, s] of services) {
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        const target = compose.services[dep];
        expect(target, `${name} depends on a missing ${dep}`).toBeDefined();
        expect(['service_healthy', 'service_completed_successfully'], `${name} → ${dep}`).toContain(condition);
        if (condition === 'service_healthy') expect(target?.healthcheck?.test, `${dep} has a healthcheck to wait for`).toBeDefined();
      }
    }
    // No cycle: a topological order exists.
    const done = new Set<string>();
    while (done.size < services.length) {
      const next = services.find(([n, s]) => !done.has(n) && Object.keys(s.depends_on ?? {}).every((d) => done.has(d)));
      expect(next, `a depends_on cycle among ${services.map(([n]) => n).filter((n) => !done.has(n)).join(', ')}`).toBeDefined();
      done.add(next?.[0] ?? '');
    }
    const waits = (name: string) => Object.fromEntries(Object.entries(service(name).depends_on ?? {}).map(([d, c]) => [d, c.condition]));
    expect(waits('migrate')).toEqual({ timescaledb: 'service_healthy' });
    for (const [name, s] of appServices) {
      const config = appOf(s).load(envOf(s));
      if (name !== 'migrate' && config.pgUrl !== undefined) expect(waits(name).migrate, name).toBe('service_completed_successfully');
      if (config.mqttUrl !== undefined) expect(waits(name).mosquitto, name).toBe('service_healthy');
      if (config.kafkaBrokers !== undefined) {
        expect(waits(name).kafka, name).toBe('service_healthy');
        expect(waits(name)['kafka-topics'], name).toBe('service_completed_successfully');
      }
    }
    expect(waits('simulator').ingest, 'readings are published once ingest stores them').toBe('service_healthy');
    expect(waits('grafana')).toMatchObject({ timescaledb: 'service_healthy', migrate: 'service_completed_successfully' });
  });

  it('logs each app into PostgreSQL as a member of its least-privilege role (the init script\'s table), migrate as the owner', () => {
    const script = read('infra/postgres/initdb/010-headstream-roles.sh');
    const logins = new Map([...script.matchAll(/^\s*"(\w+) (\w+) (\w+)"$/gm)].map((m) => [m[1] ?? '', { password: m[2] ?? '', role: m[3] ?? '' }]));
    const owner = /^OWNER="(\w+) (\w+)"$/m.exec(script);
    expect(new Set([...logins.values()].map((l) => l.role))).toEqual(new Set(schemaRolesFor('public')));
    const pgLogin = (name: string) => {
      const m = /^postgres:\/\/\$\{(\w+):-[^}]*\}:\$\{(\w+):\?[^}]*\}@timescaledb:5432\/\$\{HS_PG_DATABASE:-[^}]*\}$/.exec(String(rawService(name).environment?.HS_PG_URL));
      expect(m, `${name}: HS_PG_URL = postgres://\${USER:-…}:\${PASSWORD:?…}@timescaledb:5432/\${HS_PG_DATABASE:-…}`).not.toBeNull();
      return { user: m?.[1] ?? '', password: m?.[2] ?? '' };
    };
    const member = (name: string) => {
      const login = pgLogin(name);
      const entry = logins.get(login.user);
      expect(entry?.password, `${name}: ${login.user}'s password variable`).toBe(login.password);
      return entry?.role;
    };
    expect(member('ingest')).toBe(INGEST_ROLE);
    expect(member('trainer')).toBe(TRAINER_ROLE);
    expect(member('predictor')).toBe(PREDICTOR_ROLE);
    expect(pgLogin('migrate')).toEqual({ user: owner?.[1], password: owner?.[2] });
    expect(logins.get('HS_GRAFANA_DB_USER')?.role).toBe(READER_ROLE);
    expect(rawService('grafana').environment?.HS_GRAFANA_DB_PASSWORD).toMatch(/^\$\{HS_GRAFANA_DB_PASSWORD:\?/);
    // The database container gets every variable the script reads, under the same name.
    const db = rawService('timescaledb').environment ?? {};
    for (const v of [owner?.[1], owner?.[2], ...[...logins].flatMap(([u, l]) => [u, l.password])]) {
      expect(String(db[v ?? '']), `timescaledb: ${v}`).toMatch(new RegExp(`^\\$\\{${v}:[-?]`));
    }
    expect(rawService('timescaledb').volumes).toContain('./postgres/initdb/010-headstream-roles.sh:/docker-entrypoint-initdb.d/010-headstream-roles.sh:ro');
  });

  it('gives each MQTT user exactly what its app uses (infra/mosquitto/acl), with its password from the broker\'s environment', () => {
    const acl = parseAcl(read('infra/mosquitto/acl'));
    const users = new Map([...read('infra/mosquitto/entrypoint.sh').matchAll(/(\w+):(HS_MQTT_\w+_PASSWORD)/g)].map((m) => [m[1] ?? '', m[2] ?? '']));
    expect(new Set(users.keys())).toEqual(new Set([...acl.keys()].filter((u) => u !== '')));
    expect(acl.get(''), 'ACL lines for every client').toEqual([]);
    const broker = rawService('mosquitto').environment ?? {};
    for (const v of users.values()) expect(String(broker[v]), `mosquitto: ${v}`).toMatch(new RegExp(`^\\$\\{${v}:\\?`));
    for (const [name, s] of appServices) {
      const config = appOf(s).load(envOf(s));
      if (config.mqttUrl === undefined) continue;
      const user = config.mqttUsername ?? '';
      expect(String(rawService(name).environment?.HS_MQTT_PASSWORD), `${name} logs in as ${user}`).toMatch(new RegExp(`^\\$\\{${users.get(user)}:\\?`));
    }
    const readings = mqttReadingsFilter();
    const reading = mqttTopic({ kind: 'readings', domain: 'city', site: 's-1' });
    const predictions = TASK_NAMES.map((task) => mqttTopic({ kind: 'predictions', task, site: 's-1' }));
    const deadletter = mqttTopic({ kind: 'deadletter' });
    const can = (user: string, access: 'read' | 'write', topic: string) => aclAllows(acl, user, access, topic);
    const userOf = (name: string) => envOf(service(name)).HS_MQTT_USERNAME ?? '';
    // ingest reads readings, writes dead letters; the predictor reads readings, writes predictions.
    expect([can(userOf('ingest'), 'read', readings), can(userOf('ingest'), 'write', deadletter)]).toEqual([true, true]);
    expect([can(userOf('ingest'), 'write', reading), ...predictions.map((p) => can(userOf('ingest'), 'write', p))].some(Boolean)).toBe(false);
    expect([can(userOf('predictor'), 'read', readings), ...predictions.map((p) => can(userOf('predictor'), 'write', p))].every(Boolean)).toBe(true);
    expect([can(userOf('predictor'), 'write', reading), can(userOf('predictor'), 'write', deadletter)].some(Boolean)).toBe(false);
    expect(can(userOf('simulator'), 'write', reading)).toBe(true);
    expect([can(userOf('simulator'), 'read', readings), ...predictions.map((p) => can(userOf('simulator'), 'write', p))].some(Boolean)).toBe(false);
    // The read-only user.
    expect([can('subscriber', 'read', mqttPredictionsFilter()), can('subscriber', 'read', readings)]).toEqual([true, true]);
    expect((acl.get('subscriber') ?? []).filter((e) => e.access !== 'read')).toEqual([]);
  });

  it('configures Mosquitto as the apps need it', () => {
    const conf = new Map(
      read('infra/mosquitto/mosquitto.conf')
        .split('\n')
        .filter((l) => l.trim() !== '' && !l.startsWith('#'))
        .map((l) => [l.split(/\s+/)[0] ?? '', l.split(/\s+/).slice(1).join(' ')]),
    );
    expect(conf.get('listener')).toBe(String(containerPorts(service('mosquitto'))[0]));
    expect(conf.get('allow_anonymous')).toBe('false');
    expect(conf.get('set_tcp_nodelay')).toBe('true');
    expect(Number(conf.get('max_queued_messages'))).toBeGreaterThan(1000);
    // Ingest dead-letters payloads up to 64 KiB over HS_MAX_PAYLOAD_BYTES; the broker must pass them.
    expect(Number(conf.get('max_packet_size'))).toBeGreaterThanOrEqual(loadConfig(commonConfigSpec, { env: {} }).maxPayloadBytes + 64 * 1024);
    expect(conf.get('persistence')).toBe('true');
    expect(service('mosquitto').volumes).toContain(`mosquitto-data:${conf.get('persistence_location')?.replace(/\/$/, '')}`);
    const runDir = /RUN_DIR="\$\{HS_MOSQUITTO_RUN_DIR:-([^}]+)\}"/.exec(read('infra/mosquitto/entrypoint.sh'))?.[1];
    expect([conf.get('password_file'), conf.get('acl_file')]).toEqual([`${runDir}/passwd`, `${runDir}/acl`]);
    expect(healthTest(service('mosquitto'))[1]).toContain(`XDG_CONFIG_HOME=${runDir} mosquitto_sub`);
  });

  it('creates the Kafka topics the apps use, hs.readings with the partitions ingest expects', () => {
    const script = service('kafka-topics').command?.join('\n') ?? '';
    const topics = new Map([...script.matchAll(/create --topic (\S+) --partitions (\d+)/g)].map((m) => [m[1] ?? '', Number(m[2])]));
    expect(new Set(topics.keys())).toEqual(new Set(KAFKA_TOPIC_KINDS.map((k) => kafkaTopic(k))));
    expect(topics.get(kafkaTopic('readings'))).toBe(DEFAULT_READINGS_PARTITIONS);
    expect(topics.get(kafkaTopic('predictions'))).toBe(DEFAULT_READINGS_PARTITIONS);
    const ingest = appOf(service('ingest')).load(envOf(service('ingest')));
    expect(ingest.kafkaPartitions).toBe(topics.get(kafkaTopic('readings')));
    expect(envOf(service('kafka')).KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
  });

  it('mounts only files that exist; named volumes are declared; Grafana\'s provisioning reads only variables it is given', () => {
    for (const [name, s] of services) {
      for (const volume of s.volumes ?? []) {
        const [source = ''] = volume.split(':');
        if (source.startsWith('.') || source.startsWith('/')) expect(existsSync(join(infra, source)), `${name}: ${source}`).toBe(true);
        else expect(Object.keys(compose.volumes ?? {}), `${name}: volume ${source}`).toContain(source);
      }
      if (s.build) expect(existsSync(join(infra, s.build.context, s.build.dockerfile)), `${name}: ${s.build.dockerfile}`).toBe(true);
    }
    const grafana = service('grafana');
    expect(grafana.volumes).toEqual(expect.arrayContaining(['./grafana/provisioning:/etc/grafana/provisioning:ro', './grafana/dashboards:/var/lib/grafana/dashboards:ro']));
    const provisioning = join(infra, 'grafana/provisioning');
    expect(existsSync(provisioning), 'infra/grafana/provisioning').toBe(true);
    const files = (readdirSync(provisioning, { recursive: true }) as string[]).filter((f) => /\.ya?ml$/.test(f) && statSync(join(provisioning, f)).isFile());
    const given = new Set(Object.keys(grafana.environment ?? {}));
    for (const file of files) {
      // Comments dropped (they may mention $VAR or Grafana's $__ macros); $$ is a literal $.
      const text = readFileSync(join(provisioning, file), 'utf8').split('\n').map((l) => l.replace(/(^|\s)#.*$/, '')).join('\n').replace(/\$\$/g, '');
      for (const m of text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) expect(given, `${file} reads $${m[1]}`).toContain(m[1]);
    }
  });
});

// ---- Dockerfile and .dockerignore ---------------------------------------------------------------

describe('infra/Dockerfile and .dockerignore', () => {
  const dockerfile = parseDockerfile(read('infra/Dockerfile'));
  const ignored = dockerignore(read('.dockerignore'));

  it('copies only what exists, in multi-stage order; the final stage has production files only and runs as a non-root user', () => {
    const names = dockerfile.stages.map((s) => s.name);
    expect(names).toEqual(['base', 'manifests', 'deps', 'build', 'prod-deps', 'runtime']);
    dockerfile.stages.forEach((stage, i) => {
      for (const { keyword, args } of stage.instructions.filter((x) => x.keyword === 'COPY')) {
        const copy = parseCopy(args);
        if (copy.from !== undefined) {
          expect(names.slice(0, i), `${stage.name}: COPY --from=${copy.from}`).toContain(copy.from);
          continue;
        }
        for (const source of copy.sources) {
          expect(existsSync(join(repo, source)), `${stage.name}: ${keyword} ${source}`).toBe(true);
          if (source !== '.') expect(ignored(source), `${stage.name}: ${source} is excluded by .dockerignore`).toBe(false);
        }
      }
    });
    const nodeVersion = dockerfile.globalArgs.get('NODE_VERSION') ?? '';
    expect(nodeVersion).toMatch(/^\d+\.\d+\.\d+$/);
    const [major = 0, minor = 0] = nodeVersion.split('.').map(Number);
    expect(major > 20 || (major === 20 && minor >= 19), `node ${nodeVersion} satisfies engines >=20.19`).toBe(true);
    for (const stage of dockerfile.stages) if (!names.includes(stage.from)) expect(stage.from).toBe('node:${NODE_VERSION}-bookworm-slim');

    // The manifests stage copies the package.json of every workspace.
    const workspaces = (JSON.parse(read('package.json')) as { workspaces: string[] }).workspaces;
    const manifests = dockerfile.stages.find((s) => s.name === 'manifests')?.instructions.map((x) => x.args).join('\n') ?? '';
    for (const w of workspaces) expect(manifests, `workspace ${w}`).toContain(`${w}/package.json`);

    const prodDeps = dockerfile.stages.find((s) => s.name === 'prod-deps')?.instructions.find((x) => x.keyword === 'RUN')?.args ?? '';
    expect(prodDeps).toMatch(/npm ci .*--omit=dev/);
    expect(prodDeps, 'the native TensorFlow packages stay out (wasm backend)').toContain('--omit=optional');
    const runtime = dockerfile.stages.at(-1);
    const runs = runtime?.instructions.filter((x) => x.keyword === 'RUN').map((x) => x.args).join('\n') ?? '';
    expect(runs, 'no install in the final stage').not.toMatch(/npm (ci|install)/);
    const copies = runtime?.instructions.filter((x) => x.keyword === 'COPY').map((x) => parseCopy(x.args)) ?? [];
    expect(copies.map((c) => `${c.from}:${c.sources.join(',')}`)).toEqual(['prod-deps:/app/', 'build:/prod/']);
    // The build stage collects what each workspace's package.json "files" names (the shell loop
    // copies plain paths only), and every app's bin is among them.
    const collect = dockerfile.stages.find((s) => s.name === 'build')?.instructions.at(-1)?.args ?? '';
    expect(collect).toContain(`require('./$d/package.json').files || ['dist']`);
    for (const pkg of [...readdirSync(join(repo, 'packages')).map((p) => `packages/${p}`), ...readdirSync(join(repo, 'apps')).map((a) => `apps/${a}`)]) {
      if (!existsSync(join(repo, pkg, 'package.json'))) continue;
      const manifest = JSON.parse(read(`${pkg}/package.json`)) as { files?: string[]; bin?: Record<string, string> };
      const files = (manifest.files ?? ['dist']).map((f) => f.replace(/^\.\//, '').replace(/\/$/, ''));
      expect(files.filter((f) => /[*?[\]{}!\s]/.test(f)), `${pkg}: "files" entries the Dockerfile's loop cannot copy`).toEqual([]);
      for (const target of Object.values(manifest.bin ?? {})) {
        const path = target.replace(/^\.\//, '');
        expect(files.some((f) => path === f || path.startsWith(`${f}/`)), `${pkg}: bin ${target} is in "files"`).toBe(true);
      }
    }
    const users = runtime?.instructions.filter((x) => x.keyword === 'USER').map((x) => x.args) ?? [];
    expect(users.at(-1), 'the final stage ends with a USER').toBeDefined();
    expect(['root', '0', '0:0', 'root:root']).not.toContain(users.at(-1));
    expect(runtime?.instructions.at(-1)?.keyword).toBe('CMD');
  });

  it('.dockerignore keeps node_modules, dist, .git, .headstream and .env files out of the build context', () => {
    for (const path of ['node_modules', 'node_modules/pg/package.json', 'packages/core/node_modules', 'dist', 'apps/ingest/dist/main.js', 'packages/core/dist', '.git', '.git/HEAD', '.headstream', 'apps/ingest/.headstream/ingest-db', '.turbo', 'packages/core/.turbo', 'infra/.env', '.env']) {
      expect(ignored(path), path).toBe(true);
    }
    for (const path of ['package.json', 'package-lock.json', 'tsconfig.base.json', 'turbo.json', 'packages/core/package.json', 'packages/core/src/index.ts', 'apps/cli/package.json', 'apps/ingest/src/main.ts', 'test/package.json']) {
      expect(ignored(path), path).toBe(false);
    }
  });
});

// ---- the scripts, run for real ------------------------------------------------------------------

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}
function runProcess(command: string, args: string[], env: Env, options: { cwd?: string; timeoutMs?: number } = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, cwd: options.cwd ?? repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} still running after ${options.timeoutMs ?? 30_000} ms: ${stdout}${stderr}`));
    }, options.timeoutMs ?? 30_000);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
const PATH = `${process.env.PATH ?? ''}:/usr/sbin:/usr/local/sbin`;
const onPath = (binary: string) => PATH.split(':').some((dir) => dir !== '' && existsSync(join(dir, binary)));
/** A healthcheck's `node -e` one-liner, run as the container would run it. */
const nodeCheck = (s: Service, env: Env) => {
  const test = healthTest(s);
  if (test[0] !== 'CMD' || test[1] !== 'node' || test[2] !== '-e') throw new Error(`not a node one-liner: ${JSON.stringify(test)}`);
  return runProcess(process.execPath, ['-e', test[3] ?? ''], { PATH, ...env }, { timeoutMs: 20_000 });
};

describe('healthcheck one-liners, run', () => {
  it('/healthz (ingest, predictor): exit 0 on 200, 1 on 503 and on a closed port', async () => {
    let status = 200;
    const server = createHttpServer((req, res) => res.writeHead(req.url === '/healthz' ? status : 404).end('{}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = String((server.address() as { port: number }).port);
    try {
      for (const name of ['ingest', 'predictor']) {
        status = 200;
        expect((await nodeCheck(service(name), { HS_HTTP_PORT: port })).code, `${name}, 200`).toBe(0);
        status = 503;
        expect((await nodeCheck(service(name), { HS_HTTP_PORT: port })).code, `${name}, 503`).toBe(1);
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    expect((await nodeCheck(service('ingest'), { HS_HTTP_PORT: port })).code, 'closed port').toBe(1);
  });

  it('simulator: exit 0 while the broker\'s port answers, 1 when it does not', async () => {
    const server = createTcpServer((socket) => socket.end());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    expect((await nodeCheck(service('simulator'), { HS_MQTT_URL: `mqtt://127.0.0.1:${port}` })).code).toBe(0);
    await new Promise((resolve) => server.close(resolve));
    expect((await nodeCheck(service('simulator'), { HS_MQTT_URL: `mqtt://127.0.0.1:${port}` })).code).toBe(1);
  });

  it('trainer: exit 1 when the database does not answer (the positive case runs in the init-script test)', async () => {
    const port = await freePort();
    expect((await nodeCheck(service('trainer'), { HS_PG_URL: `postgres://hs_trainer:x@127.0.0.1:${port}/headstream` })).code).toBe(1);
  });
});

describe('infra/mosquitto: the entrypoint and the ACL, on a real broker', () => {
  const passwords = { ingest: 'ingest-0123456789abcdef', predictor: 'predictor-0123456789abcdef', simulator: 'simulator-0123456789abcdef', subscriber: 'subscriber-0123456789abcdef' };
  const passwordEnv: Env = {
    HS_MQTT_INGEST_PASSWORD: passwords.ingest,
    HS_MQTT_PREDICTOR_PASSWORD: passwords.predictor,
    HS_MQTT_SIMULATOR_PASSWORD: passwords.simulator,
    HS_MQTT_SUBSCRIBER_PASSWORD: passwords.subscriber,
  };
  let dir = '';
  let port = 0;
  let broker: ReturnType<typeof spawn> | undefined;
  let brokerOutput = '';
  const clients: MqttClient[] = [];
  const scriptEnv = () => ({ PATH, HS_MOSQUITTO_CONFIG_DIR: join(dir, 'conf'), HS_MOSQUITTO_RUN_DIR: join(dir, 'run'), HS_MOSQUITTO_DATA_DIR: join(dir, 'data') });

  beforeAll(async () => {
    if (!mosquittoBinary() || !onPath('mosquitto_passwd') || !onPath('mosquitto_sub')) return;
    dir = mkdtempSync(join(tmpdir(), 'hs-stack-mosquitto-'));
    chmodSync(dir, 0o755); // the broker drops to the mosquitto user when started as root
    mkdirSync(join(dir, 'conf'));
    port = await freePort();
    // The stack's config with this test's paths and port (and nothing else changed).
    const conf = read('infra/mosquitto/mosquitto.conf');
    const local = conf.replaceAll('/mosquitto/run/', `${dir}/run/`).replaceAll('/mosquitto/data/', `${dir}/data/`).replace(/^listener 1883$/m, `listener ${port} 127.0.0.1`);
    const changed = local.split('\n').filter((l, i) => l !== conf.split('\n')[i] && !l.startsWith('#'));
    expect(changed.map((l) => l.split(' ')[0])).toEqual(['listener', 'password_file', 'acl_file', 'persistence_location']);
    writeFileSync(join(dir, 'conf/mosquitto.conf'), local);
    copyFileSync(join(infra, 'mosquitto/acl'), join(dir, 'conf/acl'));
    const child = spawn('sh', [join(infra, 'mosquitto/entrypoint.sh')], { env: { ...scriptEnv(), ...passwordEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    broker = child;
    child.stdout.on('data', (d: Buffer) => (brokerOutput += d.toString()));
    child.stderr.on('data', (d: Buffer) => (brokerOutput += d.toString()));
    const exited = new Promise((_, reject) => child.once('exit', (code) => reject(new Error(`the broker exited with ${code}: ${brokerOutput}`))));
    await Promise.race([waitUntil(() => tcpConnect('127.0.0.1', port).then(() => true, () => false), `the broker on ${port}`, 15_000, 100), exited]);
  }, 30_000);

  afterAll(async () => {
    await Promise.all(clients.map((c) => c.endAsync(true).catch(() => undefined)));
    if (broker && broker.exitCode === null) {
      const b = broker;
      await new Promise((resolve) => {
        b.once('exit', resolve);
        b.kill('SIGTERM');
      });
    }
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  const login = async (user: keyof typeof passwords) => {
    const client = await connectMqtt({ url: `mqtt://127.0.0.1:${port}`, username: user, password: passwords[user], reconnectPeriodMs: 0, clientId: `hs-stack-test-${user}-${randomBytes(3).toString('hex')}` });
    clients.push(client);
    return client;
  };

  it('refuses a missing or malformed password with one line naming the variable', async (ctx) => {
    if (dir === '') return skipOrFailInCi(ctx, 'mosquitto, mosquitto_passwd or mosquitto_sub is not installed');
    const other = { ...scriptEnv(), HS_MOSQUITTO_RUN_DIR: join(dir, 'run-refused') };
    const missing = await runProcess('sh', [join(infra, 'mosquitto/entrypoint.sh')], { ...other, ...passwordEnv, HS_MQTT_PREDICTOR_PASSWORD: '' });
    expect({ code: missing.code, stderr: missing.stderr }).toEqual({ code: 1, stderr: expect.stringMatching(/^mosquitto entrypoint: HS_MQTT_PREDICTOR_PASSWORD is not set[^\n]*\n$/) as unknown });
    const bad = await runProcess('sh', [join(infra, 'mosquitto/entrypoint.sh')], { ...other, ...passwordEnv, HS_MQTT_SUBSCRIBER_PASSWORD: 'has:colon-0123456789' });
    expect({ code: bad.code, stderr: bad.stderr }).toEqual({ code: 1, stderr: expect.stringMatching(/^mosquitto entrypoint: HS_MQTT_SUBSCRIBER_PASSWORD: use only[^\n]*\n$/) as unknown });
  });

  it('lets every user log in with its password only, and each touch only its topics', async (ctx) => {
    if (dir === '') return skipOrFailInCi(ctx, 'mosquitto, mosquitto_passwd or mosquitto_sub is not installed');
    expect(statSync(join(dir, 'run/passwd')).mode & 0o077, 'password file is private').toBe(0);
    expect(readFileSync(join(dir, 'run/passwd'), 'utf8')).not.toContain(passwords.ingest);
    await expect(connectMqtt({ url: `mqtt://127.0.0.1:${port}`, reconnectPeriodMs: 0 }), 'anonymous').rejects.toThrow(/not authori[sz]ed/i);
    await expect(connectMqtt({ url: `mqtt://127.0.0.1:${port}`, username: 'ingest', password: passwords.predictor, reconnectPeriodMs: 0 }), 'wrong password').rejects.toThrow(/not authori[sz]ed|bad user name or password/i);

    const [ingest, predictor, simulator, subscriber] = await Promise.all([login('ingest'), login('predictor'), login('simulator'), login('subscriber')]);
    const received = new Map<MqttClient, string[]>();
    for (const c of [ingest, predictor, subscriber]) {
      received.set(c, []);
      c.on('message', (topic) => received.get(c)?.push(topic));
    }
    const granted = async (c: MqttClient, filter: string) => (await c.subscribeAsync(filter, { qos: 1 }))[0]?.qos;
    expect(await granted(ingest, mqttReadingsFilter())).toBe(1);
    expect(await granted(predictor, mqttReadingsFilter())).toBe(1);
    expect(await granted(subscriber, mqttPredictionsFilter().replace(/\+\/\+$/, '#'))).toBe(1);
    expect(await granted(subscriber, 'hs/v1/readings/#')).toBe(1);
    // Subscriptions without read access: Mosquitto 2.0 may grant them, then withholds every message.
    received.set(simulator, []);
    simulator.on('message', (topic) => received.get(simulator)?.push(topic));
    await ingest.subscribeAsync(mqttPredictionsFilter(), { qos: 1 });
    await simulator.subscribeAsync(mqttReadingsFilter(), { qos: 1 });

    const reading = mqttTopic({ kind: 'readings', domain: 'city', site: 's-1' });
    const predictions = TASK_NAMES.map((task) => mqttTopic({ kind: 'predictions', task, site: 's-1' }));
    const deadletter = mqttTopic({ kind: 'deadletter' });
    await simulator.publishAsync(reading, '{}', { qos: 1 });
    for (const p of predictions) await predictor.publishAsync(p, '{}', { qos: 1, retain: true });
    await ingest.publishAsync(deadletter, '{}', { qos: 1 });
    for (const [client, topic, who] of [
      [ingest, reading, 'ingest → a reading'],
      [ingest, predictions[0], 'ingest → a prediction'],
      [predictor, reading, 'predictor → a reading'],
      [predictor, deadletter, 'predictor → dead letters'],
      [simulator, predictions[0], 'simulator → a prediction'],
      [subscriber, predictions[0], 'subscriber → a prediction'],
      [subscriber, reading, 'subscriber → a reading'],
    ] as const) {
      await expect(client.publishAsync(topic ?? '', '{}', { qos: 1 }), who).rejects.toThrow(/not authori[sz]ed/i);
    }
    await waitUntil(() => (received.get(subscriber)?.length ?? 0) >= 1 + predictions.length, 'the subscriber receives the reading and the predictions', 10_000);
    expect(new Set(received.get(subscriber))).toEqual(new Set([reading, ...predictions]));
    // A barrier, not a pause: one more reading, published after everything above. The broker routes
    // messages in the order they come and writes each client's in that order, so once ingest and the
    // predictor hold it (and the simulator its PUBACK) nothing sent before it can still be on its way.
    const marker = mqttTopic({ kind: 'readings', domain: 'city', site: 's-2' });
    await simulator.publishAsync(marker, '{}', { qos: 1 });
    await waitUntil(() => [ingest, predictor].every((c) => received.get(c)?.includes(marker)), 'ingest and the predictor to receive the last reading', 10_000);
    expect(received.get(ingest), 'ingest: readings only, no predictions').toEqual([reading, marker]);
    expect(received.get(predictor)).toEqual([reading, marker]);
    expect(received.get(simulator), 'the simulator reads nothing').toEqual([]);
  });

  it('answers the compose healthcheck, which logs in as the read-only user', async (ctx) => {
    if (dir === '') return skipOrFailInCi(ctx, 'mosquitto, mosquitto_passwd or mosquitto_sub is not installed');
    const check = healthTest(service('mosquitto'))[1] ?? '';
    const local = check.replace('XDG_CONFIG_HOME=/mosquitto/run', `XDG_CONFIG_HOME=${dir}/run`).replace('mosquitto_sub ', `mosquitto_sub -p ${port} `);
    expect(local).not.toBe(check);
    expect((await runProcess('sh', ['-c', local], { PATH }, { timeoutMs: 15_000 })).code).toBe(0);
  });
});

describe('infra/postgres: the init script, then migrate as the owner, on a real PostgreSQL', () => {
  const SCRIPT = join(infra, 'postgres/initdb/010-headstream-roles.sh');

  it('refuses a missing or malformed setting with one line naming the variable', async () => {
    const base = { PATH, HS_PG_OWNER_USER: 'hs_owner', HS_PG_OWNER_PASSWORD: 'owner-0123456789abcdef' };
    const missing = await runProcess('bash', [SCRIPT], base);
    expect({ code: missing.code, stderr: missing.stderr }).toEqual({ code: 1, stderr: 'headstream roles: HS_PG_INGEST_USER is not set (see infra/.env.example)\n' });
    const nologin = await runProcess('bash', [SCRIPT], { ...base, HS_PG_OWNER_USER: INGEST_ROLE });
    expect(nologin.stderr).toBe(`headstream roles: HS_PG_OWNER_USER: "${INGEST_ROLE}" is a NOLOGIN role of the migrations; choose another login name\n`);
    const url = await runProcess('bash', [SCRIPT], { ...base, HS_PG_OWNER_PASSWORD: 'p@ss/word-0123456789' });
    expect(url.stderr).toBe('headstream roles: HS_PG_OWNER_PASSWORD: use only letters, digits and . _ ~ - (it goes into postgres:// URLs)\n');
  });

  it('makes each service a login member of its role: migrate runs as the owner without CREATEROLE, each service then works and no other role may connect', async (ctx) => {
    const adminUrl = realServiceOrSkip(ctx, 'postgres');
    if (adminUrl === '') return;
    if (!onPath('psql')) return skipOrFailInCi(ctx, 'psql is not installed');
    const tag = randomBytes(4).toString('hex');
    const database = `hs_stack_${tag}`;
    const login = { owner: `hs${tag}_owner`, ingest: `hs${tag}_ingest`, trainer: `hs${tag}_trainer`, predictor: `hs${tag}_predictor`, grafana: `hs${tag}_grafana`, stranger: `hs${tag}_stranger` };
    const secret = (who: string) => `${who}-${tag}-0123456789`;
    const urlFor = (user: string) => {
      const u = new URL(adminUrl);
      u.username = user;
      u.password = secret(user);
      u.pathname = `/${database}`;
      return u.toString();
    };
    const admin = await connectPostgres({ url: adminUrl, applicationName: 'hs-test-stack-init', createSchema: false });
    const groups = schemaRolesFor('public');
    const existed = new Set((await admin.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE rolname = ANY($1)', [groups])).rows.map((r) => r.rolname));
    const opened: SqlClient[] = [];
    const open = async (user: string) => {
      const c = await connectPostgres({ url: urlFor(user), applicationName: 'hs-test-stack-init', createSchema: false, poolSize: 1 });
      opened.push(c);
      return c;
    };
    await admin.query(`CREATE DATABASE ${quoteIdent(database)}`);
    try {
      const a = new URL(adminUrl);
      const env: Env = {
        PATH,
        HOME: process.env.HOME ?? tmpdir(),
        PGHOST: a.hostname,
        PGPORT: a.port || '5432',
        ...(a.password ? { PGPASSWORD: decodeURIComponent(a.password) } : {}),
        POSTGRES_USER: decodeURIComponent(a.username) || 'postgres',
        POSTGRES_DB: database,
        HS_PG_OWNER_USER: login.owner,
        HS_PG_OWNER_PASSWORD: secret(login.owner),
        HS_PG_INGEST_USER: login.ingest,
        HS_PG_INGEST_PASSWORD: secret(login.ingest),
        HS_PG_TRAINER_USER: login.trainer,
        HS_PG_TRAINER_PASSWORD: secret(login.trainer),
        HS_PG_PREDICTOR_USER: login.predictor,
        HS_PG_PREDICTOR_PASSWORD: secret(login.predictor),
        HS_GRAFANA_DB_USER: login.grafana,
        HS_GRAFANA_DB_PASSWORD: secret(login.grafana),
      };
      const init = await runProcess('bash', [SCRIPT], env);
      expect(init, 'init script').toMatchObject({ code: 0, stderr: '' });
      // Again: it only sets the passwords anew.
      expect(await runProcess('bash', [SCRIPT], env)).toMatchObject({ code: 0, stderr: '' });

      const owner = await open(login.owner);
      expect((await migrate(owner)).current).toBe(LATEST_SCHEMA_VERSION);

      const ingest = await open(login.ingest);
      expect(await requireCurrentSchema(ingest)).toBe(LATEST_SCHEMA_VERSION);
      await ingest.query("INSERT INTO series (domain, site, metric) VALUES ('city', 's-1', 'flow')");
      const trainer = await open(login.trainer);
      expect(await requireCurrentSchema(trainer)).toBe(LATEST_SCHEMA_VERSION);
      await expect(trainer.query('SELECT 1 FROM dead_letters')).rejects.toMatchObject({ code: '42501' });
      const predictor = await open(login.predictor);
      expect(await requireCurrentSchema(predictor)).toBe(LATEST_SCHEMA_VERSION);
      await expect(predictor.query("INSERT INTO series (domain, site, metric) VALUES ('city', 's-2', 'flow')")).rejects.toMatchObject({ code: '42501' });
      const grafana = await open(login.grafana);
      expect((await grafana.query<{ n: number }>('SELECT count(*)::int AS n FROM series')).rows[0]?.n).toBe(1);
      await expect(grafana.query("INSERT INTO series (domain, site, metric) VALUES ('city', 's-3', 'flow')")).rejects.toMatchObject({ code: '42501' });

      await admin.query(`CREATE ROLE ${quoteIdent(login.stranger)} LOGIN PASSWORD '${secret(login.stranger)}'`);
      await expect(open(login.stranger), 'a role outside the stack may not connect').rejects.toMatchObject({ code: '42501' });
      const hashed = await admin.query<{ n: number }>("SELECT count(*)::int AS n FROM pg_authid WHERE rolname = ANY($1) AND rolpassword LIKE 'SCRAM-SHA-256$%'", [
        [login.owner, login.ingest, login.trainer, login.predictor, login.grafana],
      ]);
      expect(hashed.rows[0]?.n).toBe(5);

      // The trainer's healthcheck, as the trainer: 0 now; 1 for a role that may not connect.
      expect((await nodeCheck(service('trainer'), { HS_PG_URL: urlFor(login.trainer) })).code).toBe(0);
      expect((await nodeCheck(service('trainer'), { HS_PG_URL: urlFor(login.stranger) })).code).toBe(1);
    } finally {
      await Promise.all(opened.map((c) => c.close().catch(() => undefined)));
      await admin.query(`DROP DATABASE IF EXISTS ${quoteIdent(database)} WITH (FORCE)`);
      for (const role of [...Object.values(login), ...groups.filter((g) => !existed.has(g))]) {
        await admin.query(`DROP ROLE IF EXISTS ${quoteIdent(role)}`).catch(() => undefined);
      }
      await admin.close();
    }
  });
});
