import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readFeatureSpec, type FeatureScalers, type FeatureSpec } from '@headstream/features';
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

/**
 * Saved metadata as this code reads it: the feature specs of models saved before `FeatureSpec.input` name
 * their input `domain` (readFeatureSpec); everything else is as saved.
 */
export function readMetadata(saved: ModelMetadata): ModelMetadata {
  const features = Object.fromEntries(Object.entries(saved.features ?? {}).map(([task, f]) => [task, { ...f, spec: readFeatureSpec(f.spec) }]));
  return { ...saved, features };
}

/**
 * The model as bytes: its metadata and its weights (little-endian float32, concatenated in the
 * order of metadata.weights). What saveModel writes to files and the registry stores in the database.
 */
export function serializeModel(model: MultiTaskModel, info: SaveInfo): { metadata: ModelMetadata; weights: Uint8Array } {
  const layout: ModelMetadata['weights'] = [];
  const chunks: Float32Array[] = [];
  let offset = 0;
  for (const name of model.params.names()) {
    const v = model.params.get(name);
    const data = v.dataSync() as Float32Array;
    chunks.push(data);
    layout.push({ name, shape: [...v.shape], offset });
    offset += data.length;
  }
  const weights = new Uint8Array(offset * 4);
  const view = new DataView(weights.buffer);
  let o = 0;
  for (const c of chunks) {
    for (const x of c) {
      view.setFloat32(o, x, true);
      o += 4;
    }
  }
  const metadata: ModelMetadata = { format: FORMAT, createdAt: new Date().toISOString(), config: model.config, weights: layout, ...info, backend: info.backend ?? tf.getBackend() };
  return { metadata, weights };
}

/**
 * Rebuilds a model on the current backend from serializeModel's output; checks the format and every
 * parameter's name, shape and size (`weights` truncated → error naming the first parameter cut off).
 */
export function deserializeModel(metadata: ModelMetadata, weights: Uint8Array): MultiTaskModel {
  if (metadata.format !== FORMAT) throw new Error(`unsupported model format ${JSON.stringify((metadata as { format?: unknown }).format)} (expected ${String(FORMAT)})`);
  const model = MultiTaskModel.create(metadata.config);
  try {
    const view = new DataView(weights.buffer, weights.byteOffset, weights.byteLength);
    const expected = model.params.names();
    const saved = new Map(metadata.weights.map((w) => [w.name, w]));
    if (expected.length !== saved.size) throw new Error(`model has ${expected.length} parameters, the saved weights have ${saved.size}`);
    for (const name of expected) {
      const w = saved.get(name);
      const v = model.params.get(name);
      if (!w) throw new Error(`the saved weights lack parameter ${name}`);
      if (w.shape.join('x') !== v.shape.join('x')) throw new Error(`parameter ${name}: shape ${w.shape.join('x')} ≠ ${v.shape.join('x')}`);
      if ((w.offset + v.size) * 4 > weights.byteLength) throw new Error(`the weights are truncated at ${name} (${weights.byteLength} bytes)`);
      const data = new Float32Array(v.size);
      for (let i = 0; i < v.size; i++) data[i] = view.getFloat32((w.offset + i) * 4, true);
      v.assign(tf.tensor(data, v.shape));
    }
  } catch (error) {
    model.dispose();
    throw error;
  }
  return model;
}

/** Saves to `dir`: weights.bin + model.json, each written to a temp file and renamed (no torn model). */
export async function saveModel(model: MultiTaskModel, dir: string, info: SaveInfo): Promise<ModelMetadata> {
  await mkdir(dir, { recursive: true });
  const { metadata, weights } = serializeModel(model, info);
  await writeFile(join(dir, 'weights.bin.tmp'), weights);
  await writeFile(join(dir, 'model.json.tmp'), `${JSON.stringify(metadata, null, 2)}\n`);
  await rename(join(dir, 'weights.bin.tmp'), join(dir, 'weights.bin'));
  await rename(join(dir, 'model.json.tmp'), join(dir, 'model.json'));
  return metadata;
}

/** Loads a saved model on the current backend; checks every parameter's name, shape and size. */
export async function loadModel(dir: string): Promise<{ model: MultiTaskModel; metadata: ModelMetadata }> {
  const metadata = readMetadata(JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as ModelMetadata);
  if (metadata.format !== FORMAT) throw new Error(`unsupported model format ${JSON.stringify((metadata as { format?: unknown }).format)} (expected ${String(FORMAT)})`);
  const bin = await readFile(join(dir, 'weights.bin'));
  return { model: deserializeModel(metadata, bin), metadata };
}
