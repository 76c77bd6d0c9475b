import { cfg, field, type ConfigOf } from '@headstream/core';

/** Database settings shared by the services and `headstream migrate`. */
export const storeConfigSpec = {
  pgSchema: field('HS_PG_SCHEMA', cfg.identifier().optional(), 'a schema name of [A-Za-z_][A-Za-z0-9_]*, at most 63 characters (unset: public)'),
};
export type StoreConfig = ConfigOf<typeof storeConfigSpec>;
