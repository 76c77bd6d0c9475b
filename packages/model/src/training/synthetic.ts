import { TASKS } from '@headstream/tasks';
import { DEFAULT_ENCODER, type EncoderConfig, type ModelConfig } from '../architecture/config.js';
import { Rng } from '../rng.js';
import type { MultiTaskData } from './data.js';

/**
 * Synthetic four-task data whose answers need temporal modelling, for choosing an encoder by accuracy
 * (bench --compare-encoders) and for end-to-end tests. One 64-step × 16-channel window per sample:
 *
 *  ch0  "flow": A·sin(2πt/16 + φ) + AR(1) noise (ρ = 0.8), A and φ random per window
 *  ch1  "pm25": 0.8 × ch0 six steps earlier + noise (a lagged dependency)
 *  ch2  "load": slow random walk
 *  ch3  "vibration": noise, plus a fault pattern at a random position (positive burst, negative burst,
 *       or a fast oscillation: fault classes 1, 2, 3; class 0 = none)
 *  ch4  noisy copy of ch0; ch5–15 distractors
 *
 * Targets: traffic = ch0 at +1, +2, +3, +6, +12 (extrapolate the season, decay the AR part);
 * air_quality = ch1 at +1…+6 (= ch0 at fixed lags inside the window); fault = the pattern's class;
 * throughput = mean of ch2's last 8 steps − 0.5 when a fault pattern is present (+ noise).
 */
export const TEMPORAL_LOOKBACK = 64;
export const TEMPORAL_FEATURES = 16;

export function temporalConfig(encoder: EncoderConfig = DEFAULT_ENCODER, seed = 1): ModelConfig {
  const tasks = [TASKS.traffic, TASKS.air_quality, TASKS.fault, TASKS.throughput].map((t) => ({ ...t, lookback: TEMPORAL_LOOKBACK }));
  return {
    tasks,
    inputs: { site: { features: TEMPORAL_FEATURES } },
    taskInput: Object.fromEntries(tasks.map((t) => [t.name, 'site'])),
    lookback: TEMPORAL_LOOKBACK,
    encoder,
    headHidden: 32,
    seed,
  };
}

export interface TemporalData {
  data: MultiTaskData;
  /** Naive forecasts (last observed value of the target channel), n × horizons per regression task. */
  naive: Record<string, Float32Array>;
}

export function temporalData(n: number, seed: number): TemporalData {
  const rng = new Rng(seed);
  const L = TEMPORAL_LOOKBACK;
  const F = TEMPORAL_FEATURES;
  const ahead = 12;
  const x = new Float32Array(n * L * F);
  const horizons = { traffic: TASKS.traffic.kind === 'regression' ? TASKS.traffic.horizons : [], air_quality: TASKS.air_quality.kind === 'regression' ? TASKS.air_quality.horizons : [] };
  const yTraffic = new Float32Array(n * horizons.traffic.length);
  const yAir = new Float32Array(n * horizons.air_quality.length);
  const yFault = new Float32Array(n);
  const yThroughput = new Float32Array(n);
  const naive = { traffic: new Float32Array(n * horizons.traffic.length), air_quality: new Float32Array(n * horizons.air_quality.length), throughput: new Float32Array(n) };
  const pre = 8;
  const len = pre + L + ahead;
  const flow = new Float64Array(len);
  const pm = new Float64Array(len);
  for (let i = 0; i < n; i++) {
    const amp = 0.5 + rng.next();
    const phase = 2 * Math.PI * rng.next();
    let e = 0.4 * rng.normal();
    for (let s = 0; s < len; s++) {
      e = 0.8 * e + 0.4 * rng.normal();
      flow[s] = amp * Math.sin((2 * Math.PI * (s - pre)) / 16 + phase) + e;
      pm[s] = s >= 6 ? 0.8 * (flow[s - 6] ?? 0) + 0.15 * rng.normal() : 0;
    }
    const fault = rng.next() < 0.55 ? 0 : 1 + rng.int(3);
    const at = rng.int(L - 12);
    let load = rng.normal();
    let loadTail = 0;
    for (let t = 0; t < L; t++) {
      const row = (i * L + t) * F;
      const s = pre + t;
      load += 0.15 * rng.normal();
      if (t >= L - 8) loadTail += load / 8;
      let vib = 0.3 * rng.normal();
      const k = t - at;
      if (fault === 1 && k >= 0 && k < 3) vib += 2.5;
      if (fault === 2 && k >= 0 && k < 3) vib -= 2.5;
      if (fault === 3 && k >= 0 && k < 12) vib += 1.2 * Math.sin((2 * Math.PI * k) / 4);
      x[row] = flow[s] ?? 0;
      x[row + 1] = pm[s] ?? 0;
      x[row + 2] = load;
      x[row + 3] = vib;
      x[row + 4] = (flow[s] ?? 0) + 0.5 * rng.normal();
      for (let c = 5; c < F; c++) x[row + c] = 0.5 * rng.normal();
    }
    horizons.traffic.forEach((h, k) => {
      yTraffic[i * horizons.traffic.length + k] = flow[pre + L - 1 + h] ?? 0;
      naive.traffic[i * horizons.traffic.length + k] = flow[pre + L - 1] ?? 0;
    });
    horizons.air_quality.forEach((h, k) => {
      yAir[i * horizons.air_quality.length + k] = pm[pre + L - 1 + h] ?? 0;
      naive.air_quality[i * horizons.air_quality.length + k] = pm[pre + L - 1] ?? 0;
    });
    yFault[i] = fault;
    yThroughput[i] = loadTail - (fault ? 0.5 : 0) + 0.1 * rng.normal();
    naive.throughput[i] = load;
  }
  const ones = (k: number) => new Float32Array(k).fill(1);
  return {
    data: {
      lookback: L,
      inputs: { site: { n, features: F, x } },
      labels: {
        traffic: { kind: 'regression', input: 'site', width: horizons.traffic.length, y: yTraffic, mask: ones(yTraffic.length) },
        air_quality: { kind: 'regression', input: 'site', width: horizons.air_quality.length, y: yAir, mask: ones(yAir.length) },
        fault: { kind: 'classification', input: 'site', width: 1, y: yFault, mask: ones(n) },
        throughput: { kind: 'regression', input: 'site', width: 1, y: yThroughput, mask: ones(n) },
      },
    },
    naive,
  };
}
