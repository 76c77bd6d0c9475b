import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { tcpConnect, waitUntil } from './wait.js';

const run = promisify(execFile);

/** A free TCP port on 127.0.0.1 (closed again before returning). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

const tcpOpen = (port: number) => tcpConnect('127.0.0.1', port).then(
  () => true,
  () => false,
);

/** PostgreSQL's server binaries (initdb, pg_ctl), or null when not installed. */
export function postgresBinDir(): string | null {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (existsSync(join(root, v, 'bin', 'pg_ctl'))) return join(root, v, 'bin');
  return null;
}

export interface ScratchPostgres {
  url: string;
  port: number;
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  start(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * A PostgreSQL cluster of the test's own, on its own port, for tests that stop and
 * restart the database (the shared server stays up). initdb refuses root, so as root the
 * cluster belongs to the postgres system user.
 */
export async function startScratchPostgres(): Promise<ScratchPostgres> {
  const bin = postgresBinDir();
  if (!bin) throw new Error('PostgreSQL server binaries not found under /usr/lib/postgresql');
  const asRoot = userInfo().uid === 0;
  const dir = mkdtempSync(join(tmpdir(), 'hs-scratch-pg-'));
  const data = join(dir, 'data');
  if (asRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  chmodSync(dir, 0o700);
  const as = (cmd: string, args: string[]) => (asRoot ? run('runuser', ['-u', 'postgres', '--', cmd, ...args]) : run(cmd, args));
  await as(join(bin, 'initdb'), ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  const port = await freePort();
  writeFileSync(join(dir, 'port'), String(port));
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`;
  const start = async () => {
    await as(join(bin, 'pg_ctl'), ['-D', data, '-l', join(dir, 'log'), '-o', options, '-w', 'start']);
    await waitUntil(() => tcpOpen(port), `scratch PostgreSQL on ${port}`, 20_000, 100);
  };
  await start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    port,
    start,
    async stop(mode = 'fast') {
      await as(join(bin, 'pg_ctl'), ['-D', data, '-m', mode, '-w', 'stop']);
    },
    async dispose() {
      await as(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Path of the mosquitto broker binary, or null when it is not installed. */
export function mosquittoBinary(): string | null {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin'];
  for (const dir of dirs) if (dir && existsSync(join(dir, 'mosquitto'))) return join(dir, 'mosquitto');
  return null;
}

export interface ScratchMosquitto {
  url: string;
  port: number;
  /** Stops the broker (SIGTERM: it writes its persistence file first). */
  stop(): Promise<void>;
  start(): Promise<void>;
  dispose(): Promise<void>;
}

/**
 * A Mosquitto broker of the test's own, with persistence (for broker-restart tests), set as the stack's
 * broker is (infra/mosquitto/mosquitto.conf) where a default broker would lose messages or slow them:
 * 100,000 queued QoS 1 messages per client (the default 1,000 drops the rest of a burst a subscriber has
 * not acknowledged yet) and no Nagle delay on PUBACKs.
 */
export async function startScratchMosquitto(): Promise<ScratchMosquitto> {
  const dir = mkdtempSync(join(tmpdir(), 'hs-scratch-mosquitto-'));
  chmodSync(dir, 0o777);
  const port = await freePort();
  const conf = join(dir, 'mosquitto.conf');
  writeFileSync(
    conf,
    [
      `listener ${port} 127.0.0.1`,
      'allow_anonymous true',
      'persistence true',
      `persistence_location ${dir}/`,
      'autosave_interval 1',
      'max_queued_messages 100000',
      'set_tcp_nodelay true',
      'log_dest none',
      ...(userInfo().uid === 0 ? ['user root'] : []),
      '',
    ].join('\n'),
  );
  let child: ChildProcess | undefined;
  const start = async () => {
    const binary = mosquittoBinary();
    if (!binary) throw new Error('mosquitto is not installed');
    child = spawn(binary, ['-c', conf], { stdio: 'ignore' });
    const started = child;
    await Promise.race([
      waitUntil(() => tcpOpen(port), `scratch Mosquitto on ${port}`, 10_000, 100),
      new Promise((_, reject) => started.once('exit', (code) => reject(new Error(`mosquitto exited with ${code}`)))),
    ]);
  };
  const stop = async () => {
    const c = child;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise((resolve) => c.once('exit', resolve));
    c.kill('SIGTERM');
    await exited;
  };
  await start();
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    start,
    stop,
    async dispose() {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
