import { mqttPredictionsFilter, parseMqttTopic, type Logger } from '@headstream/core';
import { isTaskName, TASK_NAMES, type TaskName } from '@headstream/tasks';
import { connectMqtt } from '@headstream/transport';
import type { DemoServices } from './services.js';

/** Predictions seen on MQTT, per task: how many and for which sites. */
export type PredictionCounts = Record<TaskName, { predictions: number; sites: string[] }>;

export interface PredictionWatch {
  counts(): PredictionCounts;
  /** All predictions seen so far. */
  total(): number;
  close(): Promise<void>;
}

/**
 * Subscribes to {root}/v1/predictions/# as any client would (what `mosquitto_sub` shows) and counts the
 * predictions published while it listens: each (task, site, issue time) once, issued at or after
 * `since`. Retained messages (an earlier run's, on the same broker) are not counted.
 */
export async function watchPredictions(services: DemoServices, log: Logger, since: number): Promise<PredictionWatch> {
  const perTask = new Map<TaskName, { predictions: number; sites: Set<string> }>(TASK_NAMES.map((t) => [t, { predictions: 0, sites: new Set<string>() }]));
  const seen = new Set<string>();
  let total = 0;
  const client = await connectMqtt({
    ...services.mqtt,
    clientId: `headstream-demo-watch-${process.pid}`,
    clean: true,
    onMessage: (topic, payload, packet) => {
      // A retained message comes from before this subscription (an earlier run on the same broker).
      if (packet.retain) return;
      const parsed = parseMqttTopic(topic, services.topicRoot);
      if (parsed?.kind !== 'predictions' || !isTaskName(parsed.task)) return;
      const entry = perTask.get(parsed.task);
      const issued = issuedAt(payload);
      if (!entry || issued === undefined || issued < since) return;
      const key = `${parsed.task}/${parsed.site}/${issued}`;
      if (seen.has(key)) return;
      seen.add(key);
      entry.predictions++;
      entry.sites.add(parsed.site);
      total++;
    },
  });
  client.on('error', (error) => log.warn({ err: error }, 'MQTT watch error'));
  await client.subscribeAsync(mqttPredictionsFilter({ root: services.topicRoot }), { qos: 1 });
  return {
    counts: () => Object.fromEntries([...perTask].map(([task, e]) => [task, { predictions: e.predictions, sites: [...e.sites].sort() }])) as PredictionCounts,
    total: () => total,
    close: () => client.endAsync(),
  };
}

/** A prediction's issue time (epoch ms), or undefined when the payload is not a prediction. */
function issuedAt(payload: Buffer): number | undefined {
  try {
    const doc = JSON.parse(payload.toString('utf8')) as { issued_at?: unknown };
    const ms = typeof doc.issued_at === 'string' ? Date.parse(doc.issued_at) : NaN;
    return Number.isFinite(ms) ? ms : undefined;
  } catch {
    return undefined;
  }
}
