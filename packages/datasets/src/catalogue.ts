import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { datasetsSearchPath, fetchTargetDir, type LocateOptions } from './locate.js';
import { DATASET_MANIFEST } from './manifest.js';
import type { DatasetManifest } from './manifest-types.js';
import { loaders } from './registry.js';
import { checkDataset, type DatasetCheck } from './verify.js';

/** A name given to `datasets fetch` / `list` that is neither a data set folder nor a loader name. */
export class UnknownDatasetError extends Error {
  override name = 'UnknownDatasetError';
}

/** The folder a name means: a folder name as is, or a loader name (pems-detector, skab, …) → its folder. */
function folderOf(name: string): string {
  const loader = Object.values(loaders).find((l) => l.name === name);
  return loader?.folder ?? name;
}

/**
 * The data sets named (folder names or loader names, in the order given, duplicates dropped); all of
 * them when none is named. Throws UnknownDatasetError naming the first unknown one and the valid names.
 */
export function selectDatasets(names: readonly string[], catalogue: readonly DatasetManifest[] = DATASET_MANIFEST): DatasetManifest[] {
  if (names.length === 0) return [...catalogue];
  const chosen: DatasetManifest[] = [];
  for (const name of names) {
    const dataset = catalogue.find((d) => d.folder === folderOf(name));
    if (dataset === undefined) {
      const valid = catalogue.map((d) => {
        const loader = Object.values(loaders).find((l) => l.folder === d.folder);
        return loader === undefined || loader.name === d.folder ? d.folder : `${d.folder} (${loader.name})`;
      });
      throw new UnknownDatasetError(`unknown data set ${JSON.stringify(name)}; valid names: ${valid.join(', ')}`);
    }
    if (!chosen.includes(dataset)) chosen.push(dataset);
  }
  return chosen;
}

export interface ListDatasetsOptions extends LocateOptions {
  names?: readonly string[];
  catalogue?: readonly DatasetManifest[];
}

/**
 * The state of each data set where the loaders would read it: the first directory on the search path
 * that holds its folder (explicit / HS_DATASETS_DIR, else shared/datasets upward, then the cache).
 * A set found nowhere is reported missing at the place fetch would put it. Every file is hashed.
 */
export async function listDatasets(options: ListDatasetsOptions = {}): Promise<DatasetCheck[]> {
  const searchPath = datasetsSearchPath(options);
  const target = fetchTargetDir(options);
  const checks: DatasetCheck[] = [];
  for (const dataset of selectDatasets(options.names ?? [], options.catalogue)) {
    const home = searchPath.find((dir) => existsSync(join(dir, dataset.folder))) ?? target;
    checks.push(await checkDataset(home, dataset));
  }
  return checks;
}
