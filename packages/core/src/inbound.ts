import { parseReadingMessage, type ParseOptions, type Reading, type RejectReason } from './reading.js';
import { DEFAULT_TOPIC_ROOT, parseMqttTopic } from './topics.js';

/**
 * The one inbound decoder: every path that reads reading messages (ingest's pipeline, the
 * predictor) decides with it what a message says, and refuses the same messages for the same
 * reasons. A refused message is never used; its reader dead-letters it with the reason.
 */

/** What a transport delivers, as far as decoding needs (transport's InboundMessage fits). */
export interface InboundEnvelope {
  /** The source kind (a registered source: mqtt, kafka, ...). Site addressing: `kafka` by the record key, any other by the MQTT topic. */
  source: string;
  topic: string;
  /** The Kafka record key: the site the record is addressed to (null/absent: none). */
  key?: string | null;
  payload: Uint8Array | string;
}

/** The parser's reasons, and `bad_topic`: an MQTT topic that is not {root}/v1/readings/{domain}/{site}. */
export type InboundRejectReason = RejectReason | 'bad_topic';

export type InboundVerdict =
  | { ok: true; readings: Reading[] }
  | { ok: false; reason: InboundRejectReason; detail: string };

/** The parser's limits and allow-lists (inboundOptionsOf builds them from the config), and the topic root. */
export interface InboundOptions extends Omit<ParseOptions, 'domain' | 'site'> {
  /** HS_TOPIC_ROOT (default `hs`). */
  topicRoot?: string;
}

/**
 * Decodes one inbound message. The site it is addressed to (the MQTT topic's {site}, or the Kafka
 * key) must be every frame's site (site_mismatch), the MQTT topic's {domain} is the readings'
 * domain, and the allow-lists apply (site_not_allowed, domain_not_allowed). Never throws.
 */
export function decodeInbound(message: InboundEnvelope, options: InboundOptions = {}): InboundVerdict {
  const { topicRoot = DEFAULT_TOPIC_ROOT, ...parse } = options;
  let domain: string | undefined;
  let site: string | undefined;
  if (message.source !== 'kafka') {
    const topic = parseMqttTopic(message.topic, topicRoot);
    if (topic?.kind !== 'readings') {
      return { ok: false, reason: 'bad_topic', detail: `topic ${JSON.stringify(message.topic.slice(0, 200))} is not ${topicRoot}/v1/readings/{domain}/{site}` };
    }
    domain = topic.domain;
    site = topic.site;
  } else if (message.key) {
    // Kafka: the record key is the site (it picks the partition, so a site's readings stay in order).
    // A record without a key claims no site, and only its frames name one.
    site = message.key;
  }
  return parseReadingMessage(message.payload, {
    ...parse,
    ...(domain === undefined ? {} : { domain }),
    ...(site === undefined ? {} : { site }),
  });
}
