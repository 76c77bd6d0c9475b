import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskDefinitionSchema } from '@headstream/core';
import { TASKS } from '@headstream/tasks';
import { MultiTaskModel, tf, type ModelConfig } from '@headstream/model';
import { readVersionFiles, SHARED_ARTIFACT, VersionFilesError, writeVersionFiles, type VersionReport } from '../src/index.js';

const config: ModelConfig = {
  tasks: [taskDefinitionSchema.parse({ ...TASKS.traffic, horizons: [1], quantiles: [0.5], lookback: 8 })],
  inputs: { city: { features: 2 } },
  lookback: 8,
  encoder: { kind: 'mixer', dModel: 4, layers: 1, patch: 4, hidden: 8, heads: 1 },
  headHidden: 4,
  seed: 1,
};
const report = { version: 'v1', created_at: '2026-12-05T00:00:00.000Z', tasks: ['traffic'], decision: { promote: true, tolerance: 0.02, compared_with: null, serving: { traffic: 'shared' }, reasons: [] } } as unknown as VersionReport;
const dir = mkdtempSync(join(tmpdir(), 'hs-version-'));
let model: MultiTaskModel;
beforeAll(async () => {
  await tf.setBackend('cpu');
  model = MultiTaskModel.create(config);
});
afterAll(() => {
  model.dispose();
  rmSync(dir, { recursive: true, force: true });
});

describe('a model version as files (the registry format a bundle writes and `models import` reads)', () => {
  it('round-trips the report, the telemetry and each artifact with the same weights', async () => {
    const info = { version: 'v1', features: {}, strategy: { name: 'equal' }, regime: 'joint', metrics: {} };
    const telemetry = [{ model: SHARED_ARTIFACT, rows: [{ step: 1, epoch: 0, kind: 'step', task: null, metric: 'loss', value: 0.5 }] }];
    const saved = await writeVersionFiles(dir, { report, artifacts: [{ name: SHARED_ARTIFACT, model, info }], telemetry: telemetry as never });
    expect(saved.map((a) => a.name)).toEqual([SHARED_ARTIFACT]);
    const read = await readVersionFiles(dir);
    try {
      expect(read.report).toEqual(report);
      expect(read.telemetry).toEqual(telemetry);
      expect(read.artifacts.map((a) => [a.name, a.info.version])).toEqual([[SHARED_ARTIFACT, 'v1']]);
      const x = tf.randomNormal([3, 8, 2], 0, 1, 'float32', 7).dataSync() as Float32Array;
      const a = model.predict({ city: x })['traffic'];
      const b = read.artifacts[0]?.model.predict({ city: x })['traffic'];
      expect(Array.from(b?.kind === 'regression' ? b.values : [])).toEqual(Array.from(a?.kind === 'regression' ? a.values : [1]));
    } finally {
      for (const m of read.models) m.dispose();
    }
  });

  it('refuses weights that do not match their checksum, and a directory without version.json, naming it', async () => {
    const weights = join(dir, SHARED_ARTIFACT, 'weights.bin');
    const bytes = readFileSync(weights);
    bytes[0] = (bytes[0] ?? 0) ^ 0xff;
    writeFileSync(weights, bytes);
    await expect(readVersionFiles(dir)).rejects.toThrow(new VersionFilesError(`${dir}: artifact shared's weights do not match their checksum in version.json`));
    await expect(readVersionFiles(join(dir, 'none'))).rejects.toThrow(/holds no version.json/);
    writeFileSync(join(dir, 'version.json'), '{"format":"other"}');
    await expect(readVersionFiles(dir)).rejects.toThrow(/is not a model version \(headstream-version\/1\): format/);
  });
});
