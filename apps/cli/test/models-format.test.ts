import { describe, expect, it } from 'vitest';
import { formatVersion, formatVersionList, type MetricsJSON, type TaskReport, type VersionDetails, type VersionReport } from '@headstream/training';
import { formatPromotion, showVersion } from '../src/commands/models.js';

const regression = (mae: number): MetricsJSON => ({ mae, rmse: mae * 1.5, mape: 12, by_horizon: [{ horizon: 1, count: 300, mae, rmse: mae * 1.5, mape: 12 }] });
const fault = (macro_f1: number): MetricsJSON => ({ count: 200, accuracy: 0.9, macro_f1, anomaly_f1: 0.7 });
const window = { from: '2024-03-01T00:00:00.000Z', to: '2024-03-08T00:00:00.000Z', windows: 300, sites: ['s1', 's2'] };

const traffic: TaskReport = {
  task: 'traffic',
  metric: 'mae',
  higherIsBetter: false,
  validation: window,
  training: { ...window, windows: 1200 },
  shared: regression(6.91),
  single: regression(7.2),
  persistence: regression(7.4),
  seasonal_naive: regression(8.05),
  linear: regression(7.15),
  blend: regression(6.88),
  active: { version: 'v0', served_by: 'shared', metrics: regression(7.02) },
  delta_pct: -4.03,
  served_by: 'shared',
};
const faultReport: TaskReport = {
  ...traffic,
  task: 'fault',
  metric: 'macro_f1',
  higherIsBetter: true,
  shared: fault(0.61),
  single: fault(0.66),
  persistence: fault(0.2),
  seasonal_naive: fault(0.25),
  // A version trained before the linear reference and the blend existed.
  linear: undefined,
  blend: undefined,
  active: null,
  delta_pct: 7.58,
  served_by: 'single',
};

const report: VersionReport = {
  version: 'v1',
  created_at: '2024-03-08T01:00:00.000Z',
  mode: 'quick',
  strategy: 'pcgrad',
  regime: 'joint',
  seed: 7,
  backend: 'wasm',
  tasks: ['traffic', 'fault'],
  skipped: [
    { task: 'air_quality', reason: 'no pm25 readings in the database' },
    { task: 'throughput', reason: 'fewer than 200 training windows' },
  ],
  task_reports: { fault: faultReport, traffic },
  delta_m: 1.78,
  delta_m_served: -2.02,
  compute: {
    shared: { parameters: 52_000, flops_per_window: 1_200_000, inference_ms_per_window: 0.05, train_seconds: 40 },
    single: { parameters: 90_000, flops_per_window: 2_000_000, inference_ms_per_window: 0.1, train_seconds: 64 },
  },
  decision: {
    promote: false,
    tolerance: 0.02,
    compared_with: 'v0',
    serving: { traffic: 'shared', fault: 'single' },
    reasons: ['traffic: served MAE 6.91 beats persistence 7.40 by 6.6 %', 'fault: served macro-F1 0.66 is 4.2 % below the active version'],
  },
};

const details: VersionDetails = {
  version: 'v1',
  created_at: '2024-03-08T01:00:00.000Z',
  status: 'candidate',
  active: false,
  tasks: ['traffic', 'fault'],
  strategy: 'pcgrad',
  delta_m: 1.78,
  promoted_at: null,
  regime: 'joint',
  backend: 'wasm',
  metrics: {},
  report,
  decision: report.decision,
  serving: report.decision.serving,
  rejected: null,
  artifacts: [{ name: 'shared', sha256: 'ab', bytes: 208_000 }],
};

describe('headstream models formatting', () => {
  it('show: header, task table, Δm%, compute, skipped tasks and the guard decision', () => {
    expect(showVersion(details)).toBe(formatVersion(report, details));
    expect(formatVersion(report, details)).toBe(
      [
        'version   v1',
        'created   2024-03-08T01:00:00.000Z',
        'status    candidate',
        'strategy  pcgrad',
        'regime    joint',
        'backend   wasm',
        'mode      quick',
        'seed      7',
        '',
        'task     metric    shared  single-task  blend  linear  persistence  seasonal naive  active version      served by    Δ%',
        'traffic  mae        6.910        7.200  6.880   7.150        7.400           8.050  7.020 (v0, shared)  shared     -4.0',
        'fault    macro_f1   0.610        0.660      -       -        0.200           0.250  -                   single     +7.6',
        '',
        'Δm% (shared)  +1.78',
        'Δm% (served)  -2.02',
        '',
        'compute               parameters  FLOPs/window  inference ms/window  train s',
        'shared                    52,000     1,200,000                0.050     40.0',
        'single-task (sum)         90,000     2,000,000                0.100     64.0',
        'shared ÷ single-task       0.58×         0.60×                0.50×    0.63×',
        '',
        'skipped tasks',
        '  air_quality: no pm25 readings in the database',
        '  throughput: fewer than 200 training windows',
        '',
        'guard decision: promote no',
        '  compared with  v0',
        '  tolerance      2.0 %',
        '  serving        traffic=shared, fault=single',
        '  reasons',
        '    traffic: served MAE 6.91 beats persistence 7.40 by 6.6 %',
        '    fault: served macro-F1 0.66 is 4.2 % below the active version',
      ].join('\n'),
    );
  });

  it('show: the active status, a rejected reason, and a version stored without a report', () => {
    expect(showVersion({ ...details, active: true, status: 'active', promoted_at: '2024-03-09T00:00:00.000Z' })).toContain('status    active since 2024-03-09T00:00:00.000Z\n');
    expect(formatVersion(report, { status: 'rejected', active: false, rejected: { reason: 'worse on fault' } })).toContain('status    rejected: worse on fault\n');
    expect(showVersion({ ...details, report: null, decision: null, serving: null, backend: null })).toBe(
      ['version   v1', 'created   2024-03-08T01:00:00.000Z', 'status    candidate', 'strategy  pcgrad', 'regime    joint', 'backend   -', '', 'no report stored with this version'].join('\n'),
    );
  });

  it('list: newest first as given, the active version starred', () => {
    const rows = formatVersionList([
      { version: 'v2', created_at: '2024-03-09T01:00:00.000Z', status: 'candidate', active: false, tasks: ['traffic'], strategy: 'equal', delta_m: null, promoted_at: null, serving: null },
      { ...details, active: true, status: 'active', promoted_at: '2024-03-08T02:00:00.000Z' },
    ]);
    expect(rows).toBe(
      [
        '   version  created                   status     tasks          strategy    Δm%  promoted',
        '   v2       2024-03-09T01:00:00.000Z  candidate  traffic        equal         -  -',
        '*  v1       2024-03-08T01:00:00.000Z  active     traffic,fault  pcgrad    +1.78  2024-03-08T02:00:00.000Z',
      ].join('\n'),
    );
    expect(formatVersionList([])).toBe('no model versions');
  });

  it('promotion and rollback lines', () => {
    expect(formatPromotion({ version: 'v2', previous: 'v1', kind: 'promote' })).toBe('promoted v2 (v1 retired)\n');
    expect(formatPromotion({ version: 'v1', previous: null, kind: 'promote' })).toBe('promoted v1 (no version was active)\n');
    expect(formatPromotion({ version: 'v1', previous: 'v2', kind: 'rollback' })).toBe('rolled back to v1 (v2 retired)\n');
  });
});
