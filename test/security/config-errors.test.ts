import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { runNodeScript } from '@headstream/testkit';

// Hardening item 5: settings that would silently turn security off are config errors (one line
// naming the variable, exit code 2) in the CLI and in ingest alike.

const require = createRequire(import.meta.url);
const binary = (pkg: string) => require.resolve(`${pkg}/package.json`).replace(/package\.json$/, 'dist/main.js');
const CLI = binary('@headstream/cli');
const INGEST = binary('@headstream/ingest');

describe('Kafka SASL fails closed', () => {
  it.for([
    [
      { HS_KAFKA_SASL_MECHANISM: 'scram-sha-256', HS_KAFKA_USERNAME: 'u' },
      'config: HS_KAFKA_PASSWORD: expected a SASL password, since HS_KAFKA_SASL_MECHANISM and HS_KAFKA_USERNAME are set (Kafka SASL needs all three); it is not set',
    ],
    [
      { HS_KAFKA_SASL_MECHANISM: 'plain', HS_KAFKA_USERNAME: 'u', HS_KAFKA_PASSWORD: 'p' },
      'config: HS_KAFKA_SASL_MECHANISM: plain sends the password in clear without TLS; set HS_KAFKA_SSL=true (or HS_KAFKA_CA_FILE), or HS_KAFKA_ALLOW_PLAINTEXT_SASL=1 to accept that',
    ],
  ] as const)('%j: one line, exit code 2, in the CLI and in ingest', { timeout: 60_000 }, async ([env, line]) => {
    for (const [script, args] of [
      [CLI, ['config']],
      [INGEST, []],
    ] as const) {
      const run = await runNodeScript(script, [...args], { ...env, HS_KAFKA_BROKERS: '127.0.0.1:1' }, 50_000);
      expect({ code: run.code, stdout: run.stdout, stderr: run.stderr }).toEqual({ code: 2, stdout: '', stderr: `${line}\n` });
    }
  });
});
