import { afterAll, describe, expect, it } from 'vitest';
import { kafkaTopic, parseReadingMessage } from '@headstream/core';
import { kafkaBrokersOrSkip, uniqueName, waitUntil } from '@headstream/testkit';
import { createKafkaConnection, type IncomingRecord, type KafkaConnection } from '@headstream/transport';

function collect(target: IncomingRecord[]) {
  return (records: IncomingRecord[]) => {
    target.push(...records);
  };
}

describe('Kafka round trip on the real broker', () => {
  const connections: KafkaConnection[] = [];
  afterAll(async () => {
    await Promise.all(connections.map((c) => c.close()));
  });

  it('ensureTopics from several clients at once returns when every partition has a leader: a send right after it lands', async (ctx) => {
    const brokers = kafkaBrokersOrSkip(ctx);
    const clients = Array.from({ length: 4 }, () => createKafkaConnection({ brokers, clientId: uniqueName('hs-test') }));
    connections.push(...clients);
    const topic = kafkaTopic('deadletter', uniqueName('hstest'));
    // Four services starting together, each making sure of the same new topic (ingest, its dead letters, the predictor).
    await Promise.all(clients.map((c) => c.ensureTopics([{ name: topic, partitions: 4 }])));
    const [first] = clients;
    if (!first) throw new Error('no client');
    // Every partition answers at once (offsets need its leader), empty; then the first send lands.
    expect((await first.endOffsets(topic)).map((p) => p.offset)).toEqual(['0', '0', '0', '0']);
    const producer = await first.producer();
    await producer.send(topic, Array.from({ length: 8 }, (_, i) => ({ key: `k${i}`, value: String(i) })));
    expect((await first.endOffsets(topic)).reduce((a, p) => a + Number(p.offset), 0)).toBe(8);
  });

  it('produces keyed frames, consumes them in a group, commits offsets, and resumes from them', async (ctx) => {
    const brokers = kafkaBrokersOrSkip(ctx);
    const kafka = createKafkaConnection({ brokers, clientId: uniqueName('hs-test') });
    connections.push(kafka);
    const topic = kafkaTopic('readings', uniqueName('hstest'));
    const groupId = uniqueName('group');
    await kafka.ensureTopics([{ name: topic, partitions: 3 }]);
    await kafka.ensureTopics([{ name: topic, partitions: 3 }]); // idempotent
    expect(await kafka.listTopics()).toContain(topic);

    const producer = await kafka.producer();
    const now = Date.now();
    const sites = ['s0', 's1', 's2', 's3', 's4'];
    const frames = Array.from({ length: 500 }, (_, i) => {
      const site = sites[i % sites.length] ?? 's0';
      return { key: site, value: JSON.stringify({ site, domain: 'city', ts: now - i, values: { seq: i } }) };
    });
    await producer.send(topic, frames.slice(0, 250));
    await producer.send(topic, frames.slice(250), { compression: 'gzip' });

    const received: IncomingRecord[] = [];
    const consumer = await kafka.consume({ groupId, topics: [topic], onBatch: collect(received) });
    await waitUntil(() => received.length >= 500, '500 records');
    const seqs = received.map((r) => {
      const parsed = parseReadingMessage(r.value ?? Buffer.alloc(0));
      if (!parsed.ok) throw new Error(parsed.detail);
      const reading = parsed.readings[0];
      // The key is the site: all of one site's frames share a partition, in order.
      expect(r.key?.toString()).toBe(reading?.site);
      return reading?.values.seq;
    });
    expect(new Set(seqs).size).toBe(500);
    const partitionOfSite = new Map<string, Set<number>>();
    for (const r of received) {
      const key = r.key?.toString() ?? '';
      partitionOfSite.set(key, (partitionOfSite.get(key) ?? new Set()).add(r.partition));
    }
    expect([...partitionOfSite.values()].every((p) => p.size === 1)).toBe(true);

    // Offsets are committed after each batch: committed == end offsets once all is read.
    const end = await kafka.endOffsets(topic);
    const allCommitted = async () => JSON.stringify(await kafka.committedOffsets(groupId, topic)) === JSON.stringify(await kafka.endOffsets(topic));
    await waitUntil(allCommitted, 'committed offsets to reach the end offsets', 30_000, 100);
    expect(await kafka.committedOffsets(groupId, topic)).toEqual(end);
    await consumer.close();

    // A new member of the same group starts from the committed offsets: only new frames.
    await producer.send(topic, [{ key: 's9', value: JSON.stringify({ site: 's9', domain: 'city', ts: now, values: { seq: 1000 } }) }]);
    const again: IncomingRecord[] = [];
    const second = await kafka.consume({ groupId, topics: [topic], onBatch: collect(again) });
    await waitUntil(() => again.length >= 1, 'the new record');
    // Nothing older may follow: once the new member has committed up to the end, it has seen all it will.
    await waitUntil(allCommitted, 'the new member to commit up to the end offsets', 30_000, 100);
    expect(again.map((r) => r.key?.toString())).toEqual(['s9']);
    await second.close();
    await producer.close();
  });

  it('does not commit a batch whose handler failed: it is delivered again', async (ctx) => {
    const brokers = kafkaBrokersOrSkip(ctx);
    const kafka = createKafkaConnection({ brokers, clientId: uniqueName('hs-test') });
    connections.push(kafka);
    const topic = uniqueName('hstest-retry');
    const groupId = uniqueName('group');
    await kafka.ensureTopics([{ name: topic, partitions: 1 }]);
    const producer = await kafka.producer();
    await producer.send(topic, [{ key: 'a', value: 'first' }]);
    await producer.close();

    let attempts = 0;
    const delivered: string[] = [];
    const consumer = await kafka.consume({
      groupId,
      topics: [topic],
      onBatch: (records) => {
        attempts++;
        if (attempts === 1) throw new Error('database down');
        delivered.push(...records.map((r) => r.value?.toString() ?? ''));
      },
    });
    await waitUntil(() => delivered.length >= 1, 're-delivery');
    expect(attempts).toBeGreaterThanOrEqual(2);
    expect(delivered).toEqual(['first']);
    await consumer.close();
  });
});
