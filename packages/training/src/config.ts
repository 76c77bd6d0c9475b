import { z } from 'zod';
import { cfg, field, type ConfigOf } from '@headstream/core';
import { STRATEGY_NAMES } from '@headstream/model';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, min: 60_000, h: 3_600_000, d: 86_400_000 };

/** "90s", "30m", "6h", "1d" (or milliseconds) → milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|min|h|d)?$/.exec(text.trim());
  if (!m) return NaN;
  return Number(m[1]) * (UNITS[m[2] ?? 'ms'] ?? NaN);
}

const duration = (min: number) => z.preprocess((v) => (typeof v === 'string' ? parseDuration(v) : v), z.number().refine(Number.isFinite).min(min));

/** Settings of training from the database (the CLI and apps/trainer). */
export const trainingConfigSpec = {
  guardTolerance: field('HS_GUARD_TOLERANCE', z.preprocess((v) => (typeof v === 'string' ? Number(v) : v), z.number().min(0).max(1)).default(0.02), 'a relative tolerance from 0 to 1, e.g. 0.02 for 2 %'),
  bindingsFile: field('HS_TRAIN_BINDINGS', cfg.string().optional(), 'a path to a task bindings JSON file (packages/training/BINDINGS.md)'),
  trainEvery: field('HS_TRAIN_EVERY', duration(60_000).default(6 * 3_600_000), 'a duration of at least 1 minute, e.g. 30m, 6h or 1d'),
  trainMode: field('HS_TRAIN_MODE', cfg.oneOf(['quick', 'full'] as const).default('full'), 'quick or full'),
  trainStrategy: field('HS_TRAIN_STRATEGY', cfg.oneOf(STRATEGY_NAMES).default('equal'), `one of ${STRATEGY_NAMES.join(', ')}`),
};
export type TrainingConfig = ConfigOf<typeof trainingConfigSpec>;
