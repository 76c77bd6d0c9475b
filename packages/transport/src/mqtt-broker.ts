import { createServer, type Server, type Socket } from 'node:net';
import { Aedes } from 'aedes';

/** The in-process broker of the embedded default (aedes). It speaks MQTT 3.1.1, not 5. */
export interface EmbeddedMqttBroker {
  readonly url: string;
  readonly port: number;
  /** MQTT protocol level clients must use with this broker (4 = 3.1.1). */
  readonly protocolVersion: 4;
  close(): Promise<void>;
}

export async function startEmbeddedMqttBroker(options: { host?: string; port?: number } = {}): Promise<EmbeddedMqttBroker> {
  const host = options.host ?? '127.0.0.1';
  const broker = await Aedes.createBroker();
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    broker.handle(socket);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('embedded MQTT broker has no TCP address');
  let closing: Promise<void> | undefined;
  return {
    url: `mqtt://${host}:${address.port}`,
    port: address.port,
    protocolVersion: 4,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => broker.close(() => resolve()));
      });
      return closing;
    },
  };
}
