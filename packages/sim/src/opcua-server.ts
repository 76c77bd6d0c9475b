import { simulateFactory, factorySites, LINE_LABELS, LINE_METRICS, MACHINE_LABELS, MACHINE_METRICS, type FactoryOptions } from './factory.js';
import { GROUND_TRUTH_PREFIX, type SimRecord } from './records.js';

/**
 * An OPC UA server exposing sensors as variables (node-opcua): each (site, metric) is a Double
 * variable `ns=1;s={site}.{metric}` under Objects/{folder}/{site}/{metric} (browse names in
 * namespace 1). write() sets variables from records, each value with the record's time as its
 * source timestamp (node-opcua stamps the server timestamp with the same time), so a subscriber
 * sees exactly the simulator's times. The factory simulator's machines and lines are one call away
 * (startFactoryOpcuaServer).
 */
export interface OpcuaSimServerOptions {
  /** TCP port (0: a free one). */
  port: number;
  /** Sites and their metrics. */
  variables: { site: string; metrics: readonly string[] }[];
  /** Folder under Objects (default Factory). */
  folder?: string;
  /** Users allowed in with a user name (besides anonymous, unless allowAnonymous is false). */
  users?: { username: string; password: string }[];
  allowAnonymous?: boolean;
}

export interface OpcuaSimServer {
  /** opc.tcp://host:port/UA/Headstream */
  readonly endpointUrl: string;
  readonly port: number;
  /** The NodeId string of a (site, metric) variable. */
  nodeIdOf(site: string, metric: string): string;
  /** Sets the record's variables (those it has) with its time; returns how many values were written. */
  write(record: Pick<SimRecord, 'site' | 'time' | 'values'>): number;
  /** Sets a variable's StatusCode (e.g. BadSensorFailure) at `time`, keeping its value. */
  setStatus(site: string, metric: string, statusName: string, time?: number): void;
  stop(): Promise<void>;
}

export const opcuaSimNodeId = (site: string, metric: string): string => `ns=1;s=${site}.${metric}`;

export async function startOpcuaSimServer(options: OpcuaSimServerOptions): Promise<OpcuaSimServer> {
  // Loaded on first use: node-opcua runs an RSA self-test when imported, which no other simulator run should pay for.
  const [{ OPCUAServer }, { StatusCodes }, { DataType }] = await Promise.all([import('node-opcua-server'), import('node-opcua-status-code'), import('node-opcua-variant')]);
  const users = options.users ?? [];
  const server = new OPCUAServer({
    port: options.port,
    resourcePath: '/UA/Headstream',
    buildInfo: { productName: 'Headstream simulator' },
    allowAnonymous: options.allowAnonymous ?? true,
    // A restarted simulator takes the same port at once.
    maxConnectionsPerEndpoint: 100,
    // Every write is a change delivered (exception-based items, no coalescing window): a real server
    // folds the changes within its MinSupportedSampleRate (node-opcua's default 100 ms) into the latest.
    serverCapabilities: { minSupportedSampleRate: 0 },
    ...(users.length > 0 ? { userManager: { isValidUser: (u: string, p: string) => users.some((x) => x.username === u && x.password === p) } } : {}),
  });
  await server.initialize();
  const addressSpace = server.engine.addressSpace;
  if (!addressSpace) throw new Error('OPC UA server: no address space after initialize');
  const ns = addressSpace.getOwnNamespace();
  const root = ns.addFolder(addressSpace.rootFolder.objects, { browseName: options.folder ?? 'Factory' });
  const variables = new Map<string, ReturnType<typeof ns.addVariable>>();
  for (const { site, metrics } of options.variables) {
    const folder = ns.addFolder(root, { browseName: site });
    for (const metric of metrics) {
      const nodeId = opcuaSimNodeId(site, metric);
      const v = ns.addVariable({ componentOf: folder, browseName: metric, nodeId, dataType: 'Double', minimumSamplingInterval: 0 });
      v.setValueFromSource({ dataType: DataType.Double, value: 0 }, StatusCodes.BadWaitingForInitialData);
      variables.set(nodeId, v);
    }
  }
  await server.start();
  const port = Number(server.endpoints[0]?.port ?? options.port);
  const endpointUrl = server.getEndpointUrl();
  const variable = (site: string, metric: string) => {
    const v = variables.get(opcuaSimNodeId(site, metric));
    if (!v) throw new Error(`the OPC UA simulator has no variable ${site}.${metric}`);
    return v;
  };
  return {
    endpointUrl,
    port,
    nodeIdOf: opcuaSimNodeId,
    write(record) {
      let n = 0;
      const at = new Date(record.time);
      for (const [metric, value] of Object.entries(record.values)) {
        const v = variables.get(opcuaSimNodeId(record.site, metric));
        if (!v) continue;
        v.setValueFromSource({ dataType: DataType.Double, value }, StatusCodes.Good, at);
        n++;
      }
      return n;
    },
    setStatus(site, metric, statusName, time = Date.now()) {
      const code = (StatusCodes as unknown as Record<string, unknown>)[statusName];
      if (code === undefined) throw new Error(`no OPC UA StatusCode named ${statusName}`);
      const v = variable(site, metric);
      v.setValueFromSource(v.readValue().value, code as typeof StatusCodes.Good, new Date(time));
    },
    async stop() {
      await server.shutdown(0);
    },
  };
}

export interface FactoryOpcuaServerOptions extends Omit<OpcuaSimServerOptions, 'variables'>, Omit<FactoryOptions, 'machines'> {
  machines: number;
  /** Serve the ground truth (gt_* variables) too. Default true. */
  groundTruth?: boolean;
}

/** The factory simulator's machines and lines as OPC UA variables, with the simulator's record stream to write. */
export async function startFactoryOpcuaServer(options: FactoryOpcuaServerOptions): Promise<OpcuaSimServer & { records: Iterator<SimRecord>; writeRecord(record: SimRecord): number }> {
  const { machines, lines } = factorySites(options.machines, options.machinesPerLine ?? 4);
  const gt = options.groundTruth ?? true;
  const machineMetrics = [...Object.keys(MACHINE_METRICS), ...(gt ? MACHINE_LABELS.map((l) => `${GROUND_TRUTH_PREFIX}${l}`) : [])];
  const lineMetrics = [...Object.keys(LINE_METRICS), ...(gt ? LINE_LABELS.map((l) => `${GROUND_TRUTH_PREFIX}${l}`) : [])];
  const server = await startOpcuaSimServer({
    ...options,
    variables: [...machines.map((site) => ({ site, metrics: machineMetrics })), ...lines.map((site) => ({ site, metrics: lineMetrics }))],
  });
  const records = simulateFactory({ ...options, machines: options.machines })[Symbol.iterator]();
  return {
    ...server,
    records,
    writeRecord: (record) =>
      server.write({
        site: record.site,
        time: record.time,
        values: { ...record.values, ...(gt ? Object.fromEntries(Object.entries(record.labels).map(([k, v]) => [`${GROUND_TRUTH_PREFIX}${k}`, v])) : {}) },
      }),
  };
}

/**
 * The HS_OPCUA_CONFIG mapping of what startFactoryOpcuaServer serves: one endpoint that may publish
 * for the factory's machines and lines, every sensor variable (and with groundTruth the gt_* labels)
 * mapped by its NodeId to its site and metric.
 */
export function factoryOpcuaConfig(options: { url: string; machines: number; machinesPerLine?: number; groundTruth?: boolean; name?: string; queueSize?: number }): {
  endpoints: { name: string; url: string; domain: string; sites: string[]; queueSize?: number; nodes: { nodeId: string; sites: string[]; metrics: string[] }[] }[];
} {
  const { machines, lines } = factorySites(options.machines, options.machinesPerLine ?? 4);
  const gt = options.groundTruth ?? false;
  const machineMetrics = [...Object.keys(MACHINE_METRICS), ...(gt ? MACHINE_LABELS.map((l) => `${GROUND_TRUTH_PREFIX}${l}`) : [])];
  const lineMetrics = [...Object.keys(LINE_METRICS), ...(gt ? LINE_LABELS.map((l) => `${GROUND_TRUTH_PREFIX}${l}`) : [])];
  const nodeId = opcuaSimNodeId('{site}', '{metric}');
  return {
    endpoints: [
      {
        name: options.name ?? 'simulator',
        url: options.url,
        domain: 'factory',
        sites: [...machines, ...lines],
        ...(options.queueSize === undefined ? {} : { queueSize: options.queueSize }),
        nodes: [
          { nodeId, sites: machines, metrics: machineMetrics },
          { nodeId, sites: lines, metrics: lineMetrics },
        ],
      },
    ],
  };
}
