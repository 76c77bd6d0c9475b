import { DEFAULT_ENCODER, type EncoderConfig } from '../architecture/config.js';
import { MultiTaskModel } from '../architecture/model.js';
import { evaluateData } from '../evaluation/evaluate.js';
import { classificationMetrics, regressionMetrics } from '../evaluation/metrics.js';
import { temporalConfig, temporalData } from '../training/synthetic.js';
import { train } from '../training/trainer.js';

export interface EncoderRow {
  encoder: string;
  epochs: number;
  train_seconds: number;
  config: EncoderConfig | null;
  parameters: number;
  train_samples_per_s: number;
  traffic_mae: number;
  air_quality_mae: number;
  throughput_mae: number;
  fault_macro_f1: number;
  fault_accuracy: number;
  /** Mean over the three regression tasks of MAE ÷ the naive forecast's MAE (lower is better). */
  relative_mae: number;
}

const MIXER = { name: 'mixer (patch 8, 2 layers)', encoder: DEFAULT_ENCODER };
const CONV = { name: 'causal dilated conv (patch 4, 4 layers, dilations 1–8)', encoder: { kind: 'conv', dModel: 32, layers: 4, patch: 4, hidden: 64, heads: 2 } as EncoderConfig };
const TRANSFORMER = { name: 'transformer (patch 8, 2 layers, 2 heads)', encoder: { kind: 'transformer', dModel: 32, layers: 2, patch: 8, hidden: 64, heads: 2 } as EncoderConfig };

/**
 * Two budgets: the same epochs for all (accuracy per sample seen), and 4× the epochs for the two cheap
 * encoders, which still costs them less time than the transformer's short run (accuracy per second).
 */
const ENCODER_VARIANTS: { name: string; encoder: EncoderConfig; epochs: number }[] = [
  { ...MIXER, epochs: 6 },
  { ...CONV, epochs: 6 },
  { ...TRANSFORMER, epochs: 6 },
  { ...MIXER, epochs: 24 },
  { ...CONV, epochs: 24 },
];

/**
 * Trains each encoder for the same budget (epochs × windows, equal weights, same seed, one thread) on the
 * same synthetic four-task data with temporal structure (training/synthetic.ts), and scores it on held-out
 * windows next to the naive forecast (last value; majority class for fault). Deterministic per backend.
 */
export function compareEncoders(options: { trainWindows?: number; validationWindows?: number; variants?: typeof ENCODER_VARIANTS; log?: (line: string) => void } = {}): EncoderRow[] {
  const trainSet = temporalData(options.trainWindows ?? 4096, 101);
  const valSet = temporalData(options.validationWindows ?? 1024, 202);
  const val = valSet.data;
  const mae = (task: 'traffic' | 'air_quality' | 'throughput', pred: Float32Array) => {
    const l = val.labels[task];
    if (!l) return NaN;
    const m = regressionMetrics(l.y, pred, Array.from({ length: l.width }, (_, i) => i + 1));
    return m.reduce((a, h) => a + h.mae, 0) / m.length;
  };
  const naive = { traffic: mae('traffic', valSet.naive.traffic ?? new Float32Array()), air_quality: mae('air_quality', valSet.naive.air_quality ?? new Float32Array()), throughput: mae('throughput', valSet.naive.throughput ?? new Float32Array()) };
  const faultTruth = val.labels.fault?.y ?? new Float32Array();
  const majority = classificationMetrics(faultTruth, new Int32Array(faultTruth.length), new Float32Array(faultTruth.length), 4);
  const rows: EncoderRow[] = [
    {
      encoder: 'naive (last value / majority class)',
      epochs: 0,
      train_seconds: 0,
      config: null,
      parameters: 0,
      train_samples_per_s: NaN,
      traffic_mae: naive.traffic,
      air_quality_mae: naive.air_quality,
      throughput_mae: naive.throughput,
      fault_macro_f1: majority.macroF1,
      fault_accuracy: majority.accuracy,
      relative_mae: 1,
    },
  ];
  for (const { name, encoder, epochs } of options.variants ?? ENCODER_VARIANTS) {
    const model = MultiTaskModel.create(temporalConfig(encoder, 1));
    try {
      const r = train(model, trainSet.data, { epochs, batchSize: 256, seed: 1 });
      const rep = evaluateData(model, val);
      const score = (t: string) => rep[t]?.score.value ?? NaN;
      const fault = rep.fault;
      const row: EncoderRow = {
        encoder: name,
        epochs,
        train_seconds: +r.seconds.toFixed(1),
        config: encoder,
        parameters: model.parameterCounts().total,
        train_samples_per_s: Math.round((epochs * (trainSet.data.inputs.site?.n ?? 0)) / r.seconds),
        traffic_mae: score('traffic'),
        air_quality_mae: score('air_quality'),
        throughput_mae: score('throughput'),
        fault_macro_f1: score('fault'),
        fault_accuracy: fault?.kind === 'classification' ? fault.model.accuracy : NaN,
        relative_mae: (score('traffic') / naive.traffic + score('air_quality') / naive.air_quality + score('throughput') / naive.throughput) / 3,
      };
      options.log?.(`${name}: ${JSON.stringify(row)}`);
      rows.push(row);
    } finally {
      model.dispose();
    }
  }
  return rows;
}

/** The comparison as a Markdown table (for BENCHMARKS.md). */
export function encoderTable(rows: readonly EncoderRow[]): string {
  const f = (v: number, d = 3) => (Number.isFinite(v) ? v.toFixed(d) : '—');
  const lines = [
    '| encoder | params | epochs | train s | train samples/s | traffic MAE | air_quality MAE | throughput MAE | fault macro-F1 | fault acc. | MAE ÷ naive |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.encoder} | ${r.parameters || '—'} | ${r.epochs || '—'} | ${r.train_seconds || '—'} | ${Number.isFinite(r.train_samples_per_s) ? r.train_samples_per_s : '—'} | ${f(r.traffic_mae)} | ${f(r.air_quality_mae)} | ${f(r.throughput_mae)} | ${f(r.fault_macro_f1)} | ${f(r.fault_accuracy)} | ${f(r.relative_mae)} |`),
  ];
  return lines.join('\n');
}
