import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError } from '@headstream/core';
import { loadOpcuaConfig, opcuaNodesOf, parseOpcuaConfig } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'hs-opcua-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const endpoint = { name: 'plant', url: 'opc.tcp://127.0.0.1:4840/UA/x', sites: ['a-1', 'a-2'], nodes: [{ nodeId: 'ns=1;s={site}.{metric}', sites: ['a-1', 'a-2'], metrics: ['t', 'v'] }] };

function problem(doc: unknown): string {
  const file = join(dir, `c${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, typeof doc === 'string' ? doc : JSON.stringify(doc));
  try {
    loadOpcuaConfig(file);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as Error).message.replace(file, '<file>');
  }
  throw new Error('expected a config error');
}

describe('HS_OPCUA_CONFIG', () => {
  it('expands templates over sites × metrics, with defaults (server timestamps, queue 100, domain factory)', () => {
    const config = parseOpcuaConfig({ endpoints: [{ ...endpoint, nodes: [...endpoint.nodes, { browsePath: '/Objects/1:F/1:a-1/1:x', site: 'a-1', metric: 'x', domain: 'plant' }] }] });
    const e = config.endpoints[0];
    expect(e).toMatchObject({ timestamps: 'server', queueSize: 100, securityMode: 'None', securityPolicy: 'None', domain: 'factory' });
    expect(e && opcuaNodesOf(e)).toEqual([
      { nodeId: 'ns=1;s=a-1.t', site: 'a-1', metric: 't', domain: 'factory' },
      { nodeId: 'ns=1;s=a-1.v', site: 'a-1', metric: 'v', domain: 'factory' },
      { nodeId: 'ns=1;s=a-2.t', site: 'a-2', metric: 't', domain: 'factory' },
      { nodeId: 'ns=1;s=a-2.v', site: 'a-2', metric: 'v', domain: 'factory' },
      { browsePath: '/Objects/1:F/1:a-1/1:x', site: 'a-1', metric: 'x', domain: 'plant' },
    ]);
  });

  it.each([
    [{ endpoints: [{ ...endpoint, url: 'http://x' }] }, 'config: HS_OPCUA_CONFIG: <file>: endpoints[0].url: an opc.tcp://host:port[/path] URL'],
    [{ endpoints: [{ ...endpoint, securityPolicy: 'Basic256Sha256' }] }, 'config: HS_OPCUA_CONFIG: <file>: endpoints[0].securityPolicy: securityMode None goes with securityPolicy None, and only with it'],
    [{ endpoints: [{ ...endpoint, nodes: [{ nodeId: 'ns=1;s=x', site: 'bad site', metric: 't' }] }] }, 'config: HS_OPCUA_CONFIG: <file>: endpoints[0].nodes[0].site: a name of [A-Za-z0-9_.-], 1..128 characters'],
    [{ endpoints: [{ ...endpoint, username: 'u', passwordEnv: 'HS_TEST_NO_SUCH_PASSWORD' }] }, 'config: HS_OPCUA_CONFIG: <file>: endpoints[0].passwordEnv: HS_TEST_NO_SUCH_PASSWORD is not set'],
    [{ endpoints: [endpoint, endpoint] }, 'config: HS_OPCUA_CONFIG: <file>: endpoints[1].name: plant is used twice'],
    [{ endpoints: [{ ...endpoint, queueSize: 0 }] }, 'config: HS_OPCUA_CONFIG: <file>: endpoints[0].queueSize: Too small: expected number to be >=1'],
    ['{', 'config: HS_OPCUA_CONFIG: <file> is not JSON'],
  ])('a bad file is one line naming the file and the field: %j', (doc, line) => {
    expect(problem(doc)).toContain(line);
    expect(problem(doc).split('\n')).toHaveLength(1);
  });
});
