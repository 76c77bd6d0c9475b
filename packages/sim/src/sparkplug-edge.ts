import * as sparkplugClient from 'sparkplug-client';

type EdgeClient = ReturnType<typeof sparkplugClient.newClient>;
type Payload = Parameters<EdgeClient['publishNodeData']>[0];

export interface SparkplugFactoryOptions {
  /** MQTT broker URL. */
  url: string;
  username?: string;
  password?: string;
  /** Sparkplug group id (default factory: Headstream maps it to the factory domain). */
  group?: string;
  /** Client id prefix; each edge node connects as {prefix}-{line}. */
  clientIdPrefix?: string;
}

/** One reading of a factory site: a line's or a machine's metrics (ground truth as gt_ metrics, if wanted) at a time. */
export interface SparkplugReading {
  site: string;
  time: number;
  values: Record<string, number>;
}

export interface SparkplugFactory {
  /** Publishes one factory reading: a line's as NDATA of its edge node, a machine's as DDATA of its device. */
  send(reading: SparkplugReading): Promise<void>;
  /** Readings of one site in one DATA message (each metric stamped with its reading's time); a new site is born first. */
  sendMany(readings: readonly SparkplugReading[]): Promise<void>;
  /** Every edge node publishes its births again (NBIRTH and its devices' DBIRTHs): for a host that subscribed late. */
  rebirth(): void;
  /** Rebirth requests (NCMD Node Control/Rebirth) answered so far. */
  readonly rebirths: number;
  /** Stops every edge node (each publishes its NDEATH). */
  close(): Promise<void>;
}

interface Node {
  client: EdgeClient;
  /** The line's last values, and each device's (for births). */
  values: Map<string | undefined, { time: number; values: Record<string, number> }>;
  aliases: Map<string, number>;
  born: Promise<void>;
}

/** `line-01-m2` → node line-01, device m2; `line-01` → node line-01 (the factory simulator's site names). */
export function sparkplugAddressOf(site: string): { node: string; device?: string } {
  const m = /^(.+)-(m\d+)$/.exec(site);
  return m?.[1] && m[2] ? { node: m[1], device: m[2] } : { node: site };
}

/**
 * The factory simulator as Sparkplug B edge nodes, through Eclipse Tahu's own edge-node client
 * (sparkplug-client): one edge node per production line (its site), one device per machine ({line}-{m}).
 * Births announce each metric with an alias and its current value; data goes by alias with the
 * record's time as the metric timestamp; a host's rebirth request is answered with fresh births.
 */
export function startSparkplugFactory(options: SparkplugFactoryOptions): SparkplugFactory {
  const group = options.group ?? 'factory';
  const nodes = new Map<string, Node>();
  let rebirths = 0;
  const aliasOf = (node: Node, device: string | undefined, metric: string): number => {
    const key = `${device ?? ''}/${metric}`;
    let alias = node.aliases.get(key);
    if (alias === undefined) node.aliases.set(key, (alias = node.aliases.size + 1));
    return alias;
  };
  const birthPayload = (node: Node, device: string | undefined): Payload => {
    const last = node.values.get(device);
    return {
      timestamp: last?.time ?? Date.now(),
      metrics: Object.entries(last?.values ?? {}).map(([name, value]) => ({ name, alias: aliasOf(node, device, name), type: 'Double', value, timestamp: last?.time ?? Date.now() })),
    };
  };
  const births = (node: Node) => {
    node.client.publishNodeBirth(birthPayload(node, undefined));
    for (const device of node.values.keys()) if (device !== undefined) node.client.publishDeviceBirth(device, birthPayload(node, device));
  };

  const nodeFor = (name: string): Node => {
    let node = nodes.get(name);
    if (node) return node;
    const client = sparkplugClient.newClient({
      serverUrl: options.url,
      username: options.username ?? '',
      password: options.password ?? '',
      groupId: group,
      edgeNode: name,
      clientId: `${options.clientIdPrefix ?? `headstream-sim-${process.pid}`}-${name}`,
      publishDeath: true,
    });
    let resolve!: () => void;
    const created: Node = { client, values: new Map(), aliases: new Map(), born: new Promise<void>((r) => (resolve = r)) };
    node = created;
    client.on('birth', () => {
      births(created);
      resolve();
    });
    client.on('ncmd', (payload) => {
      if (payload.metrics?.some((m) => m.name === 'Node Control/Rebirth' && m.value === true)) {
        rebirths++;
        births(created);
      }
    });
    nodes.set(name, created);
    return created;
  };

  return {
    get rebirths() {
      return rebirths;
    },
    rebirth() {
      for (const node of nodes.values()) births(node);
    },
    send(reading) {
      return this.sendMany([reading]);
    },
    async sendMany(readings) {
      const [head] = readings;
      if (!head) return;
      const { node: name, device } = sparkplugAddressOf(head.site);
      if (readings.some((r) => r.site !== head.site)) throw new Error('sendMany takes the readings of one site');
      const node = nodeFor(name);
      await node.born;
      let rest = readings;
      if (!node.values.has(device)) {
        // A metric set not announced yet: born with the first reading's values (a line's NBIRTH repeats its devices' DBIRTHs).
        node.values.set(device, { time: head.time, values: { ...head.values } });
        if (device === undefined) births(node);
        else node.client.publishDeviceBirth(device, birthPayload(node, device));
        rest = readings.slice(1);
      }
      const last = rest.at(-1);
      if (!last) return;
      node.values.set(device, { time: last.time, values: { ...last.values } });
      // One DATA message, each metric stamped with its reading's time.
      const payload: Payload = {
        timestamp: last.time,
        metrics: rest.flatMap((r) => Object.entries(r.values).map(([metric, value]) => ({ alias: aliasOf(node, device, metric), type: 'Double' as const, value, timestamp: r.time }))),
      };
      if (device === undefined) node.client.publishNodeData(payload);
      else node.client.publishDeviceData(device, payload);
    },
    async close() {
      for (const node of nodes.values()) node.client.stop();
      nodes.clear();
      await Promise.resolve();
    },
  };
}
