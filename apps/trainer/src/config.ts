import { cfg, commonConfigSpec, field, type ConfigOf } from '@headstream/core';
import { DEFAULT_EMBEDDED_DATA_DIR, storeConfigSpec } from '@headstream/store';
import { trainingConfigSpec } from '@headstream/training';

/** The trainer's settings: database, schedule, mode, strategy, guard tolerance, bindings. */
export const trainerConfigSpec = {
  ...commonConfigSpec,
  ...storeConfigSpec,
  ...trainingConfigSpec,
  // Embedded PGlite is one process's database: the trainer can use ingest's folder only while ingest is stopped.
  pgDataDir: field('HS_PG_DATA_DIR', cfg.string().default(DEFAULT_EMBEDDED_DATA_DIR), 'a directory for the embedded PGlite database (used when HS_PG_URL is unset)'),
};
export type TrainerConfig = ConfigOf<typeof trainerConfigSpec>;
