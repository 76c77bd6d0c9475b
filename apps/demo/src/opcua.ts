import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { factoryOpcuaConfig, startFactoryOpcuaServer, type OpcuaSimServer } from '@headstream/sim';

/**
 * Values a monitored item keeps between two publish responses: the live part writes a machine's
 * variables 240 times a second (every simulated second at 240× real time), so a publishing interval
 * of 100 ms needs about 24; the margin covers an event loop busy with a prediction.
 */
export const DEMO_OPCUA_QUEUE_SIZE = 1_000;

/** --factory opcua: the simulator's factory served over OPC UA, and the HS_OPCUA_CONFIG file mapping it. */
export interface DemoOpcua {
  server: OpcuaSimServer;
  /** The mapping file (HS_OPCUA_CONFIG) for ingest's and the predictor's opcua source. */
  configFile: string;
  close(): Promise<void>;
}

/**
 * Starts a node-opcua server (any free port on this machine) with a variable per sensor and ground-truth
 * label of the simulated factory's machines and lines, and writes the mapping of every variable to a
 * file of its own in the temporary folder (removed by close).
 */
export async function startDemoOpcua(machines: number): Promise<DemoOpcua> {
  const server = await startFactoryOpcuaServer({ port: 0, machines, seed: 0, groundTruth: true });
  const dir = mkdtempSync(join(tmpdir(), 'headstream-demo-opcua-'));
  try {
    const configFile = join(dir, 'opcua.json');
    const config = factoryOpcuaConfig({ url: server.endpointUrl, machines, groundTruth: true, name: 'demo-factory', queueSize: DEMO_OPCUA_QUEUE_SIZE });
    writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
    return {
      server,
      configFile,
      async close() {
        await server.stop();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
}
