/**
 * Worker-thread entry of data-parallel training (see parallel.ts): a replica of the model that computes
 * the gradient of its shard of each batch. Runs only as compiled JS (dist/training/parallel-worker.js).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { MultiTaskModel } from '../architecture/model.js';
import { selectBackend, type BackendCandidate } from '../backend.js';
import { disposeBatch, toBatch, type MultiTaskData } from './data.js';
import { writeWeights } from './optimizer.js';
import type { SharedBuffers, WorkerInit, WorkerRequest } from './parallel.js';
import { computeGradients, layoutOf } from './step.js';

const GRAM = 0;
const ALPHA = 1;
const DONE = 2;
const ERROR = 3;
const ABORT = 4;

const init = workerData as WorkerInit;
const port = parentPort;
if (!port) throw new Error('parallel-worker must run in a worker thread');

let model: MultiTaskModel | undefined;
let buffers: SharedBuffers | undefined;
let data: MultiTaskData | undefined;

function step(m: Extract<WorkerRequest, { type: 'step' }>): void {
  if (!model || !buffers || !data) throw new Error('worker received a step before its setup');
  const { control } = buffers;
  const b = buffers;
  const k = init.index;
  const layout = layoutOf(model);
  const P = layout.total;
  const T = m.tasks.length;
  writeWeights(model, layout, b.weights);
  const tasks = m.tasks.map((t) => (model as MultiTaskModel).task(t));
  const batch = toBatch(data, m.rows, m.tasks);
  try {
    const local = computeGradients(
      model,
      batch,
      tasks,
      {
        gradientsOn: m.gradientsOn,
        needGram: m.needGram,
        lambda: m.lambda,
        denominators: m.denominators,
        exchange: (losses, gram) => {
          b.losses[k]?.set(losses);
          b.gram[k]?.fill(0);
          gram?.forEach((row, i) => b.gram[k]?.set(row, i * T));
          Atomics.add(control, GRAM, 1);
          Atomics.notify(control, GRAM);
          while (Atomics.load(control, ALPHA) !== m.seq) {
            if (Atomics.load(control, ABORT) !== 0) throw new Error('step aborted by the main thread');
            Atomics.wait(control, ALPHA, Atomics.load(control, ALPHA), 1000);
          }
          return Array.from(b.alpha.subarray(0, T));
        },
      },
      b.grads[k]?.subarray(0, P),
    );
    if (local.perTask) {
      b.grads[k]?.set(local.perTask);
      b.losses[k]?.set(local.losses);
    }
  } finally {
    disposeBatch(batch);
  }
  Atomics.add(control, DONE, 1);
  Atomics.notify(control, DONE);
}

function candidate(backend: string): BackendCandidate {
  return backend === 'tensorflow' ? 'tensorflow' : backend === 'wasm' ? 'wasm' : 'cpu';
}

port.on('message', (m: WorkerRequest) => {
  try {
    if (m.type === 'setup') {
      model?.dispose();
      model = MultiTaskModel.create(m.config);
      buffers = m.buffers;
    } else if (m.type === 'data') {
      data = m.data;
    } else {
      step(m);
    }
  } catch (error) {
    init.errors.postMessage({ message: `worker ${init.index}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}` });
    if (buffers) {
      Atomics.store(buffers.control, ERROR, 1);
      for (const i of [GRAM, DONE]) Atomics.notify(buffers.control, i);
    }
  }
});

selectBackend(() => undefined, { order: [candidate(init.backend)], env: '', log: () => undefined })
  .then(() => port.postMessage({ type: 'ready' }))
  .catch((error: unknown) => port.postMessage({ type: 'error', message: error instanceof Error ? error.message : String(error) }));
