import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { sha256File } from './file-hash.js';
import type { DatasetManifest, ManifestFile } from './manifest-types.js';

export type FileState = 'verified' | 'missing' | 'size-mismatch' | 'sha256-mismatch';

export interface FileCheck {
  file: ManifestFile;
  state: FileState;
  /** Where the file is (or would be). */
  localPath: string;
  /** What was found, when it differs. */
  actualSize?: number;
  actualSha256?: string;
}

/** What a file on disk is against its manifest entry; the hash is only computed when the size fits. */
export async function checkFile(datasetDir: string, file: ManifestFile): Promise<FileCheck> {
  const localPath = join(datasetDir, ...file.path.split('/'));
  let size: number;
  try {
    const info = await stat(localPath);
    if (!info.isFile()) return { file, state: 'missing', localPath };
    size = info.size;
  } catch {
    return { file, state: 'missing', localPath };
  }
  if (size !== file.size) return { file, state: 'size-mismatch', localPath, actualSize: size };
  const sha256 = await sha256File(localPath);
  return sha256 === file.sha256 ? { file, state: 'verified', localPath } : { file, state: 'sha256-mismatch', localPath, actualSha256: sha256 };
}

/**
 * A data set as a whole: verified (every file present with its size and sha256), mismatched (a file
 * differs), incomplete (files missing, the present ones verified) or missing (none present).
 */
export type DatasetState = 'verified' | 'mismatched' | 'incomplete' | 'missing';

export interface DatasetCheck {
  dataset: DatasetManifest;
  state: DatasetState;
  /** The data set's folder that was checked. */
  dir: string;
  files: FileCheck[];
}

export async function checkDataset(datasetsDir: string, dataset: DatasetManifest): Promise<DatasetCheck> {
  const dir = join(datasetsDir, dataset.folder);
  const files: FileCheck[] = [];
  for (const file of dataset.files) files.push(await checkFile(dir, file));
  const count = (state: FileState) => files.filter((f) => f.state === state).length;
  const state: DatasetState =
    count('verified') === files.length ? 'verified'
    : count('size-mismatch') + count('sha256-mismatch') > 0 ? 'mismatched'
    : count('missing') === files.length ? 'missing'
    : 'incomplete';
  return { dataset, state, dir, files };
}

/** One line saying why a file is not verified, e.g. "skab/valve1/0.csv: 100 bytes, expected 110,346". */
export function describeFileProblem(folder: string, check: FileCheck): string {
  const name = `${folder}/${check.file.path}`;
  switch (check.state) {
    case 'verified':
      return `${name}: verified`;
    case 'missing':
      return `${name}: missing`;
    case 'size-mismatch':
      return `${name}: ${(check.actualSize ?? 0).toLocaleString('en-US')} bytes, expected ${check.file.size.toLocaleString('en-US')}`;
    case 'sha256-mismatch':
      return `${name}: sha256 ${check.actualSha256 ?? '?'}, expected ${check.file.sha256}`;
  }
}
