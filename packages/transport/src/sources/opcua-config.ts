import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError, isValidName } from '@headstream/core';

/**
 * The OPC UA source's config file (HS_OPCUA_CONFIG): per endpoint, its URL, security, identity,
 * the sites it may publish for, and the variables to monitor, each mapped to a site and metric
 * (and domain). Validated with zod; a bad file is one line naming the file and the field.
 */

const name = z.string().refine(isValidName, 'a name of [A-Za-z0-9_.-], 1..128 characters');

const node = z
  .object({
    /** A NodeId, e.g. ns=1;s=machine-001.vibration. */
    nodeId: z.string().min(1).optional(),
    /** Or a browse path from the Objects folder, e.g. /Objects/1:Factory/1:machine-001/1:vibration. */
    browsePath: z.string().min(1).optional(),
    site: name,
    metric: name,
    domain: name.optional(),
  })
  .strict()
  .refine((n) => (n.nodeId === undefined) !== (n.browsePath === undefined), 'exactly one of nodeId or browsePath');

/** sites × metrics, with {site} and {metric} in the NodeId or browse path: one entry for a whole plant. */
const nodeTemplate = z
  .object({
    nodeId: z.string().min(1).optional(),
    browsePath: z.string().min(1).optional(),
    sites: z.array(name).min(1),
    metrics: z.array(name).min(1),
    domain: name.optional(),
  })
  .strict()
  .refine((n) => (n.nodeId === undefined) !== (n.browsePath === undefined), 'exactly one of nodeId or browsePath')
  .refine((n) => (n.nodeId ?? n.browsePath ?? '').includes('{metric}'), 'the NodeId or browse path needs {metric} (and {site} for several sites)');

export const OPCUA_SECURITY_MODES = ['None', 'Sign', 'SignAndEncrypt'] as const;
export const OPCUA_SECURITY_POLICIES = ['None', 'Basic256Sha256', 'Aes128_Sha256_RsaOaep', 'Aes256_Sha256_RsaPss'] as const;

const endpoint = z
  .object({
    /** Names the endpoint in dead letters and metrics. */
    name,
    url: z.string().regex(/^opc\.tcp:\/\/[^\s/]+(\/.*)?$/, 'an opc.tcp://host:port[/path] URL'),
    securityMode: z.enum(OPCUA_SECURITY_MODES).default('None'),
    securityPolicy: z.enum(OPCUA_SECURITY_POLICIES).default('None'),
    /** User name and password (the password from the environment variable passwordEnv, or inline). */
    username: z.string().min(1).optional(),
    password: z.string().optional(),
    passwordEnv: z.string().regex(/^[A-Z_][A-Z0-9_]*$/, 'an environment variable name').optional(),
    /** The client's application instance certificate and key (PEM), for Sign/SignAndEncrypt and for X.509 user identity. */
    certificateFile: z.string().min(1).optional(),
    privateKeyFile: z.string().min(1).optional(),
    /** Log in with the client certificate as the user identity (X.509) instead of a user name. */
    x509Identity: z.boolean().default(false),
    /** The sites this endpoint may publish for: a mapping naming another site dead-letters (site_mismatch). */
    sites: z.array(name).min(1),
    /** Default domain of its nodes. */
    domain: name.default('factory'),
    /** 'server' (default): the server's timestamp is the reading time; 'source': the device's own. */
    timestamps: z.enum(['server', 'source']).default('server'),
    publishingIntervalMs: z.number().int().min(10).max(60_000).default(100),
    /** 0: every change (exception-based); otherwise the server samples at this interval. */
    samplingIntervalMs: z.number().int().min(0).max(60_000).default(0),
    /** Values the server keeps per monitored item between two publish responses (oldest discarded beyond). */
    queueSize: z.number().int().min(1).max(10_000).default(100),
    nodes: z.array(z.union([node, nodeTemplate])).min(1),
  })
  .strict()
  .refine((e) => e.username === undefined || e.password !== undefined || e.passwordEnv !== undefined, { message: 'a username needs password or passwordEnv', path: ['username'] })
  .refine((e) => (e.certificateFile === undefined) === (e.privateKeyFile === undefined), { message: 'certificateFile and privateKeyFile go together', path: ['certificateFile'] })
  .refine((e) => (e.securityMode === 'None') === (e.securityPolicy === 'None'), { message: 'securityMode None goes with securityPolicy None, and only with it', path: ['securityPolicy'] })
  .refine((e) => !e.x509Identity || e.certificateFile !== undefined, { message: 'x509Identity needs certificateFile and privateKeyFile', path: ['x509Identity'] });

export const opcuaConfigSchema = z.object({ endpoints: z.array(endpoint).min(1) }).strict();

export type OpcuaConfig = z.infer<typeof opcuaConfigSchema>;
export type OpcuaEndpointConfig = OpcuaConfig['endpoints'][number];

/** One monitored variable and what it maps to. */
export interface OpcuaNodeMapping {
  nodeId?: string;
  browsePath?: string;
  site: string;
  metric: string;
  domain: string;
}

/** An endpoint's nodes, templates expanded. */
export function opcuaNodesOf(e: OpcuaEndpointConfig): OpcuaNodeMapping[] {
  const out: OpcuaNodeMapping[] = [];
  for (const n of e.nodes) {
    const domain = n.domain ?? e.domain;
    if ('sites' in n) {
      for (const site of n.sites) {
        for (const metric of n.metrics) {
          const fill = (s: string) => s.replaceAll('{site}', site).replaceAll('{metric}', metric);
          out.push({ ...(n.nodeId !== undefined ? { nodeId: fill(n.nodeId) } : { browsePath: fill(n.browsePath ?? '') }), site, metric, domain });
        }
      }
    } else {
      out.push({ ...(n.nodeId !== undefined ? { nodeId: n.nodeId } : { browsePath: n.browsePath ?? '' }), site: n.site, metric: n.metric, domain });
    }
  }
  return out;
}

/** Validates a parsed document; a problem is one line naming `where` (the file) and the field. */
export function parseOpcuaConfig(doc: unknown, where = 'OPC UA config', env = 'HS_OPCUA_CONFIG'): OpcuaConfig {
  const result = opcuaConfigSchema.safeParse(doc);
  if (!result.success) {
    const issue = result.error.issues[0];
    const path = (issue?.path ?? []).map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '');
    throw new ConfigError([{ key: env, line: `config: ${env}: ${where}: ${path || '(top)'}: ${issue?.message ?? 'invalid'}` }]);
  }
  const names = new Set<string>();
  for (const [i, e] of result.data.endpoints.entries()) {
    if (names.has(e.name)) throw new ConfigError([{ key: env, line: `config: ${env}: ${where}: endpoints[${i}].name: ${e.name} is used twice` }]);
    names.add(e.name);
    if (e.passwordEnv !== undefined && process.env[e.passwordEnv] === undefined) {
      throw new ConfigError([{ key: env, line: `config: ${env}: ${where}: endpoints[${i}].passwordEnv: ${e.passwordEnv} is not set` }]);
    }
  }
  return result.data;
}

/** Reads and validates the config file. */
export function loadOpcuaConfig(path: string, env = 'HS_OPCUA_CONFIG'): OpcuaConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError([{ key: env, line: `config: ${env}: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}` }]);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (error) {
    throw new ConfigError([{ key: env, line: `config: ${env}: ${path} is not JSON: ${(error as Error).message}` }]);
  }
  return parseOpcuaConfig(doc, path, env);
}
