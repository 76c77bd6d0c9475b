import { beforeAll, describe, expect, it } from 'vitest';
import { taskDefinitionSchema, type TaskDefinition } from '@headstream/core';
import { horizonLossWeights, taskLoss, tf } from '../src/index.js';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const regression = (horizons: number[], horizonLoss?: 'equal' | 'inverse'): TaskDefinition =>
  taskDefinitionSchema.parse({ name: 'air', domain: 'city', kind: 'regression', description: 'test', target: 'pm25', unit: 'u', intervalMs: 1, lookback: 2, horizons, quantiles: [0.5], ...(horizonLoss ? { horizonLoss } : {}) });

describe('horizonLossWeights', () => {
  it('inverse: horizon h by 1/h, scaled to a mean of 1', () => {
    const w = horizonLossWeights(regression([1, 2, 3, 6], 'inverse')) ?? [];
    expect(w.reduce((a, v) => a + v, 0) / w.length).toBeCloseTo(1, 12);
    expect((w[0] ?? 0) / (w[1] ?? 1)).toBeCloseTo(2, 12);
    expect((w[0] ?? 0) / (w[3] ?? 1)).toBeCloseTo(6, 12);
  });

  it('equal weights (none) by default, when equal is named, and for classification', () => {
    expect(horizonLossWeights(regression([1, 2, 3]))).toBeUndefined();
    expect(horizonLossWeights(regression([1, 2, 3], 'equal'))).toBeUndefined();
    const fault = taskDefinitionSchema.parse({ name: 'fault', domain: 'factory', kind: 'classification', description: 'test', intervalMs: 1, lookback: 2, classes: ['normal', 'valve'], anomalyScore: false });
    expect(horizonLossWeights(fault)).toBeUndefined();
  });

  it('taskLoss applies them to each horizon’s pinball loss', () => {
    // Predicting 0 for labels 1 (+1 step) and 2 (+2 steps): the median's pinball loss is 0.5 and 1.
    const labels = { y: tf.tensor2d([[1, 2], [-1, -2]]), mask: tf.tensor2d([[1, 1], [1, 1]]) };
    const out = tf.zeros([2, 2]);
    try {
      // Equal: (0.5 + 1) / 2. Inverse: weights 4/3 and 2/3, (4/3 · 0.5 + 2/3 · 1) / 2.
      expect(taskLoss(regression([1, 2]), out, labels).dataSync()[0]).toBeCloseTo(0.75, 6);
      expect(taskLoss(regression([1, 2], 'inverse'), out, labels).dataSync()[0]).toBeCloseTo(2 / 3, 6);
    } finally {
      tf.dispose([labels.y, labels.mask, out]);
    }
  });
});
