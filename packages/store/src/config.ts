import { cfg, field, type ConfigOf } from '@headstream/core';
import { EMBEDDED_ENGINES } from './pglite.js';

/** The embedded PGlite directory every command and service uses when HS_PG_URL is unset (under the working directory). */
export const DEFAULT_EMBEDDED_DATA_DIR = '.headstream/ingest-db';

/** Database settings shared by the services and `headstream migrate`. */
export const storeConfigSpec = {
  pgSchema: field('HS_PG_SCHEMA', cfg.identifier().optional(), 'a schema name of [A-Za-z_][A-Za-z0-9_]*, at most 63 characters (unset: public)'),
};
export type StoreConfig = ConfigOf<typeof storeConfigSpec>;

/** The embedded engine (read by the demo only: the services and the CLI open plain PGlite, and a data folder belongs to the engine that created it). */
export const engineConfigSpec = {
  dbEngine: field('HS_DB_ENGINE', cfg.oneOf(EMBEDDED_ENGINES).optional(), `the embedded engine when HS_PG_URL is unset: ${EMBEDDED_ENGINES.join(' or ')} (unset: pglite)`),
};
export type EngineConfig = ConfigOf<typeof engineConfigSpec>;
