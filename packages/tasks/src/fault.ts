import { FAULT_LABEL_METRIC } from '@headstream/core';
import { defineTask, SHARED_LOOKBACK, type ProtocolFrames } from './define.js';

const SKAB_SENSORS = ['accel1_rms', 'accel2_rms', 'current', 'pressure', 'temperature', 'thermocouple', 'voltage', 'flow_rate'];
const SIM_MACHINE_SENSORS = ['vibration', 'speed'];
/** Seconds at the start of a machine's history that form its baseline (SKAB runs start normal). */
export const BASELINE_STEPS = 60;
/** SKAB rolling folds: within each fault type the runs at these positions mod 4 are held out; the last is the protocol's fold. */
const SKAB_FOLD_OFFSETS: readonly number[] = [2, 3, 1];

/** Within each fault type (runs in numeric order), the runs at position `offset` mod 4. */
function faultRunsAt(frames: ProtocolFrames, offset: number): string[] {
  const groups = new Map<number, string[]>();
  for (const site of Object.keys(frames.frames)) {
    const type = frames.runType[site] ?? 0;
    if (type === 0) continue;
    const g = groups.get(type) ?? [];
    g.push(site);
    groups.set(type, g);
  }
  const num = (s: string) => Number(/(\d+)$/.exec(s)?.[1] ?? 0);
  return [...groups.values()].flatMap((g) => g.sort((a, b) => num(a) - num(b)).filter((_, i) => i % 4 === offset)).sort();
}

/**
 * The protocol's held-out SKAB runs: within each fault type (runs in numeric order), every 4th run from the
 * second — valve1 1/5/9/13, valve2 1, other 2/6/10/14 — 9 of 34 runs, every fault type present.
 */
function defaultFaultRuns(frames: ProtocolFrames): string[] {
  return faultRunsAt(frames, 1);
}

/** Machine state: SKAB pump runs, the simulated factory's machines. */
export const fault = defineTask({
  definition: {
    name: 'fault',
    domain: 'factory',
    kind: 'classification',
    description: 'Machine state: normal or one of K fault types, plus an anomaly score',
    intervalMs: 1000,
    lookback: 64,
    classes: ['normal', 'valve1', 'valve2', 'other'],
    anomalyScore: true,
  },
  dataset: 'skab',
  recipe: {
    name: 'machine-deviation',
    description: "each sensor's level and its deviation from the machine's first minute (SKAB pump runs, simulated machines), 1 s",
    sources: [...SKAB_SENSORS, ...SIM_MACHINE_SENSORS],
    required: [FAULT_LABEL_METRIC],
    label: FAULT_LABEL_METRIC,
    derived: [...SKAB_SENSORS, ...SIM_MACHINE_SENSORS].map((s) => ({ name: `${s}_dev`, kind: 'deviation' as const, of: s, baselineSteps: BASELINE_STEPS })),
    levels: () => true,
    // Wall-clock time of a test-bed run says nothing about the pump (and would identify runs).
    calendar: false,
    fillLimit: SHARED_LOOKBACK,
    transform: { kind: 'level' },
    allTrainingWindows: false,
  },
  protocol: {
    description: 'SKAB pump: fault class and anomaly per point, unseen run',
    split(frames, holdout) {
      const sites = Object.keys(frames.frames);
      const held = holdout ? [...holdout] : defaultFaultRuns(frames);
      const missing = held.filter((r) => !sites.includes(r));
      if (missing.length) throw new Error(`no SKAB run(s) ${missing.join(', ')}`);
      const trainSites = sites.filter((s) => !held.includes(s));
      return { trainSites, validationSites: held, trainEnd: Infinity, describe: `${trainSites.length} runs train, ${held.length} held-out runs validate (${held.join(', ')})` };
    },
    folds(frames) {
      const sites = Object.keys(frames.frames);
      return SKAB_FOLD_OFFSETS.map((offset, k) => {
        const held = faultRunsAt(frames, offset);
        return {
          name: `runs ${offset} mod 4`,
          plan: { trainSites: sites.filter((s) => !held.includes(s)), validationSites: held, trainEnd: Infinity, describe: `fold ${k + 1}: ${sites.length - held.length} runs train, ${held.length} validate (${held.join(', ')})` },
        };
      });
    },
  },
  dashboard: { title: 'Machine state', color: 'red', sites: { variable: 'machine', label: 'Machine' } },
  demo: { folder: 'skab', file: 'valve1/1.csv', history: 800, live: 60 },
});
