import { DATASETS_MIRROR_ENV } from '@headstream/datasets';
import { describe, expect, it } from 'vitest';
import { DATASETS_MIRROR_ENV as CLI_MIRROR_ENV } from '../src/commands/datasets-cli.js';

describe('headstream datasets: the light command definitions', () => {
  it("name the data-set package's mirror variable (copied so that help needs no data-set code)", () => {
    expect(CLI_MIRROR_ENV).toBe(DATASETS_MIRROR_ENV);
  });
});
