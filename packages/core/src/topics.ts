import { nameProblem } from './names.js';

/**
 * Topic names for MQTT and Kafka, built and parsed only here.
 *
 * MQTT:  {root}/v1/readings/{domain}/{site}, {root}/v1/predictions/{task}/{site}, {root}/v1/deadletter
 * Kafka: {root}.readings (key = site), {root}.predictions (key = site), {root}.deadletter
 */
export const DEFAULT_TOPIC_ROOT = 'hs';
const VERSION = 'v1';

export type MqttTopic =
  | { kind: 'readings'; domain: string; site: string }
  | { kind: 'predictions'; task: string; site: string }
  | { kind: 'deadletter' };

export class TopicError extends Error {
  override name = 'TopicError';
}

function checkSegment(label: string, value: string): string {
  const problem = nameProblem(value);
  if (problem) throw new TopicError(`${label} ${problem}`);
  return value;
}

export function mqttTopic(topic: MqttTopic, root = DEFAULT_TOPIC_ROOT): string {
  switch (topic.kind) {
    case 'readings':
      return `${root}/${VERSION}/readings/${checkSegment('domain', topic.domain)}/${checkSegment('site', topic.site)}`;
    case 'predictions':
      return `${root}/${VERSION}/predictions/${checkSegment('task', topic.task)}/${checkSegment('site', topic.site)}`;
    case 'deadletter':
      return `${root}/${VERSION}/deadletter`;
  }
}

/** Parses an MQTT topic; null when it is not one of ours (wrong root, version, shape or names). */
export function parseMqttTopic(topic: string, root = DEFAULT_TOPIC_ROOT): MqttTopic | null {
  const parts = topic.split('/');
  if (parts[0] !== root || parts[1] !== VERSION) return null;
  const [, , kind, a, b, ...rest] = parts;
  if (rest.length > 0) return null;
  if (kind === 'deadletter') return a === undefined ? { kind } : null;
  if (a === undefined || b === undefined || nameProblem(a) || nameProblem(b)) return null;
  if (kind === 'readings') return { kind, domain: a, site: b };
  if (kind === 'predictions') return { kind, task: a, site: b };
  return null;
}

/** Subscription filters. `shareGroup` makes an MQTT 5 shared subscription for N workers. */
export function mqttReadingsFilter(options: { root?: string; domain?: string; shareGroup?: string } = {}): string {
  const root = options.root ?? DEFAULT_TOPIC_ROOT;
  const domain = options.domain === undefined ? '+' : checkSegment('domain', options.domain);
  const filter = `${root}/${VERSION}/readings/${domain}/+`;
  return options.shareGroup === undefined ? filter : `$share/${checkSegment('share group', options.shareGroup)}/${filter}`;
}

export function mqttPredictionsFilter(options: { root?: string; task?: string } = {}): string {
  const root = options.root ?? DEFAULT_TOPIC_ROOT;
  return `${root}/${VERSION}/predictions/${options.task === undefined ? '+' : checkSegment('task', options.task)}/+`;
}

/** Partitions of hs.readings when Headstream creates it (ingest, replay, simulate): site keys spread over them. */
export const DEFAULT_READINGS_PARTITIONS = 6;

export type KafkaTopicKind = 'readings' | 'predictions' | 'deadletter';
export const KAFKA_TOPIC_KINDS: readonly KafkaTopicKind[] = ['readings', 'predictions', 'deadletter'];

export function kafkaTopic(kind: KafkaTopicKind, root = DEFAULT_TOPIC_ROOT): string {
  return `${root}.${kind}`;
}

export function parseKafkaTopic(topic: string, root = DEFAULT_TOPIC_ROOT): KafkaTopicKind | null {
  const prefix = `${root}.`;
  if (!topic.startsWith(prefix)) return null;
  const kind = topic.slice(prefix.length);
  return (KAFKA_TOPIC_KINDS as readonly string[]).includes(kind) ? (kind as KafkaTopicKind) : null;
}
