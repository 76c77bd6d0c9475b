/** One file of a data set, as fetch must produce it. */
export interface ManifestFile {
  /** Path inside the data set's folder, '/'-separated (e.g. "valve1/0.csv"). */
  path: string;
  /** Bytes. */
  size: number;
  /** Lower-case hex sha256 of the whole file. */
  sha256: string;
  /** Where the bytes are downloaded from (absent for a bundled file). */
  url?: string;
  /** Written from this package (SOURCE.md is the project's own note, not an upstream file). */
  bundled?: true;
}

/** One shared data set: its folder under the datasets directory and every file in it. */
export interface DatasetManifest {
  /** Folder name under the datasets directory (also the name `fetch` accepts). */
  folder: string;
  title: string;
  /** The pinned GitHub snapshot that SOURCE.md says the files are byte-identical to. */
  snapshot: { repository: string; commit: string };
  /**
   * The original publication. `sameBytes`: true when the snapshot is the original, false when the
   * original is known to yield different files, 'unknown' when that could not be checked offline.
   */
  upstream: { url: string; sameBytes: boolean | 'unknown'; note: string };
  files: readonly ManifestFile[];
}
