import type { DatasetLoader, LoadOptions } from './loader.js';
import { beijingAir } from './loaders/beijing-air.js';
import { gasTurbine } from './loaders/gas-turbine.js';
import { hydraulic } from './loaders/hydraulic.js';
import { italyAir } from './loaders/italy-air.js';
import { losLoop } from './loaders/los-loop.js';
import { metroTraffic } from './loaders/metro-traffic.js';
import { pemsDetector } from './loaders/pems-detector.js';
import { skab } from './loaders/skab.js';
import { mergeByTime } from './merge.js';
import type { DataRecord } from './records.js';

export const LOADER_NAMES = ['pems-detector', 'los-loop', 'metro-traffic', 'beijing-air', 'italy-air', 'skab', 'hydraulic', 'gas-turbine'] as const;
export type LoaderName = (typeof LOADER_NAMES)[number];

/** The built-in loaders by CLI name. */
export const loaders: Readonly<Record<LoaderName, DatasetLoader>> = Object.freeze({
  'pems-detector': pemsDetector,
  'los-loop': losLoop,
  'metro-traffic': metroTraffic,
  'beijing-air': beijingAir,
  'italy-air': italyAir,
  skab,
  hydraulic,
  'gas-turbine': gasTurbine,
});

export function isLoaderName(name: unknown): name is LoaderName {
  return typeof name === 'string' && (LOADER_NAMES as readonly string[]).includes(name);
}

export function getLoader(name: string): DatasetLoader {
  if (!isLoaderName(name)) throw new Error(`unknown data set ${JSON.stringify(name)}; valid names: ${LOADER_NAMES.join(', ')}`);
  return loaders[name];
}

/** All records of a data set in global time order (k-way merge over its files). */
export async function* readDataset(loader: DatasetLoader | string, options: LoadOptions = {}): AsyncGenerator<DataRecord> {
  const l = typeof loader === 'string' ? getLoader(loader) : loader;
  const sources = await l.sources(options);
  yield* mergeByTime(sources.map((s) => ({ id: s.id, records: s.records() })));
}
