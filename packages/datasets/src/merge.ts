import type { DataRecord } from './records.js';

export interface TimedStream<T extends { time: number }> {
  id: string;
  records: AsyncIterable<T>;
}

interface Head<T> {
  value: T;
  index: number;
  iterator: AsyncIterator<T>;
}

/** Heap order: time, then stream index, so ties resolve the same way every run. */
function before<T extends { time: number }>(a: Head<T>, b: Head<T>): boolean {
  return a.value.time < b.value.time || (a.value.time === b.value.time && a.index < b.index);
}

/**
 * Merges time-ordered streams into one time-ordered stream (k-way merge with a binary heap).
 * Holds one record per stream in memory. Throws when a stream goes back in time. Closes
 * every stream when the consumer stops early.
 */
export async function* mergeByTime<T extends { time: number } = DataRecord>(streams: readonly TimedStream<T>[]): AsyncGenerator<T> {
  const iterators = streams.map((s) => s.records[Symbol.asyncIterator]());
  const heap: Head<T>[] = [];
  const push = (head: Head<T>) => {
    heap.push(head);
    for (let i = heap.length - 1; i > 0; ) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i] as Head<T>, heap[parent] as Head<T>)) break;
      [heap[i], heap[parent]] = [heap[parent] as Head<T>, heap[i] as Head<T>];
      i = parent;
    }
  };
  const pop = (): Head<T> => {
    const top = heap[0] as Head<T>;
    const last = heap.pop() as Head<T>;
    if (heap.length > 0) {
      heap[0] = last;
      for (let i = 0; ; ) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l] as Head<T>, heap[m] as Head<T>)) m = l;
        if (r < heap.length && before(heap[r] as Head<T>, heap[m] as Head<T>)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m] as Head<T>, heap[i] as Head<T>];
        i = m;
      }
    }
    return top;
  };
  const open = new Set(iterators);
  try {
    const firsts = await Promise.all(iterators.map((it) => it.next()));
    firsts.forEach((r, index) => {
      const iterator = iterators[index] as AsyncIterator<T>;
      if (r.done === true) open.delete(iterator);
      else push({ value: r.value, index, iterator });
    });
    while (heap.length > 0) {
      const head = pop();
      yield head.value;
      const next = await head.iterator.next();
      if (next.done === true) {
        open.delete(head.iterator);
        continue;
      }
      if (next.value.time < head.value.time) {
        throw new Error(
          `stream ${streams[head.index]?.id ?? head.index} went back in time: ${new Date(next.value.time).toISOString()} after ${new Date(head.value.time).toISOString()}`,
        );
      }
      push({ value: next.value, index: head.index, iterator: head.iterator });
    }
  } finally {
    const closing: Promise<unknown>[] = [];
    for (const it of open) if (it.return !== undefined) closing.push(it.return());
    await Promise.all(closing);
  }
}
