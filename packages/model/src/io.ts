import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FeatureScalers, FeatureSpec } from '@headstream/features';
import type { ModelConfig } from './architecture/config.js';
import { MultiTaskModel } from './architecture/model.js';
import { tf } from './tf.js';

export const FORMAT = 'headstream-mtl/1';

/** JSON metadata saved next to the weights (model.json). */
export interface ModelMetadata {
  format: typeof FORMAT;
  version: string;
  createdAt: string;
  config: ModelConfig;
  features: Record<string, { spec: FeatureSpec; scalers: FeatureScalers }>;
  strategy: { name: string; state?: Record<string, number | number[]> };
  regime: string;
  /** Backend the model was trained on; any backend can load it (weights are plain float32). */
  backend: string;
  metrics: Record<string, unknown>;
  /** Little-endian float32, concatenated in this order. */
  weights: { name: string; shape: number[]; offset: number }[];
}

export type SaveInfo = Omit<ModelMetadata, 'format' | 'config' | 'weights' | 'createdAt' | 'backend'> & { backend?: string };

/** Saves to `dir`: weights.bin + model.json, each written to a temp file and renamed (no torn model). */
export async function saveModel(model: MultiTaskModel, dir: string, info: SaveInfo): Promise<ModelMetadata> {
  await mkdir(dir, { recursive: true });
  const names = model.params.names();
  const chunks: Float32Array[] = [];
  const weights: ModelMetadata['weights'] = [];
  let offset = 0;
  for (const name of names) {
    const v = model.params.get(name);
    const data = v.dataSync() as Float32Array;
    chunks.push(data);
    weights.push({ name, shape: [...v.shape], offset });
    offset += data.length;
  }
  const buffer = Buffer.alloc(offset * 4);
  let o = 0;
  for (const c of chunks) for (const x of c) o = buffer.writeFloatLE(x, o);
  const meta: ModelMetadata = { format: FORMAT, createdAt: new Date().toISOString(), config: model.config, weights, ...info, backend: info.backend ?? tf.getBackend() };
  await writeFile(join(dir, 'weights.bin.tmp'), buffer);
  await writeFile(join(dir, 'model.json.tmp'), `${JSON.stringify(meta, null, 2)}\n`);
  await rename(join(dir, 'weights.bin.tmp'), join(dir, 'weights.bin'));
  await rename(join(dir, 'model.json.tmp'), join(dir, 'model.json'));
  return meta;
}

/** Loads a saved model on the current backend; checks every parameter's name, shape and size. */
export async function loadModel(dir: string): Promise<{ model: MultiTaskModel; metadata: ModelMetadata }> {
  const metadata = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as ModelMetadata;
  if (metadata.format !== FORMAT) throw new Error(`unsupported model format ${JSON.stringify((metadata as { format?: unknown }).format)} (expected ${String(FORMAT)})`);
  const bin = await readFile(join(dir, 'weights.bin'));
  const model = MultiTaskModel.create(metadata.config);
  try {
    const expected = model.params.names();
    const saved = new Map(metadata.weights.map((w) => [w.name, w]));
    if (expected.length !== saved.size) throw new Error(`model has ${expected.length} parameters, file has ${saved.size}`);
    for (const name of expected) {
      const w = saved.get(name);
      const v = model.params.get(name);
      if (!w) throw new Error(`file lacks parameter ${name}`);
      if (w.shape.join('x') !== v.shape.join('x')) throw new Error(`parameter ${name}: shape ${w.shape.join('x')} ≠ ${v.shape.join('x')}`);
      if ((w.offset + v.size) * 4 > bin.length) throw new Error(`weights.bin is truncated at ${name}`);
      const data = new Float32Array(v.size);
      for (let i = 0; i < v.size; i++) data[i] = bin.readFloatLE((w.offset + i) * 4);
      v.assign(tf.tensor(data, v.shape));
    }
  } catch (error) {
    model.dispose();
    throw error;
  }
  return { model, metadata };
}
