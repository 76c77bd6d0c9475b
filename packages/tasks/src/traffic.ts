import { defineTask, SHARED_LOOKBACK, type FoldPlan, type ProtocolFrames } from './define.js';

const MINUTE = 60_000;
const DAY = 86_400_000;
const iso = (t: number) => new Date(t).toISOString().slice(0, 10);

/** PeMS: the last this-many selected days of train.csv validate (time-ordered). */
const PEMS_VALIDATION_DAYS = 5;
/** PeMS rolling folds: blocks of this many selected days validate; everything before a block trains. */
const PEMS_FOLD_DAYS = 5;
const FOLD_COUNT = 3;

/** Local (UTC−8: Jan–Feb 2016 is all PST) days that hold PeMS flow, as the epochs of their local midnights, in order. */
function pemsDays(frames: ProtocolFrames): number[] {
  const frame = Object.values(frames.frames)[0];
  if (!frame) throw new Error('no PeMS frame');
  const flow = frame.values[frame.channels.indexOf('flow')] ?? new Float64Array();
  const offset = -8 * 3_600_000;
  const days = new Set<number>();
  for (let i = 0; i < frame.length; i++) if (Number.isFinite(flow[i])) days.add(Math.floor((frame.start + i * frame.intervalMs + offset) / DAY));
  return [...days].sort((a, b) => a - b).map((d) => d * DAY - offset);
}

/** Vehicle flow at a road site: PeMS detector 5-min flow, the simulated city's roads. */
export const traffic = defineTask({
  definition: {
    name: 'traffic',
    domain: 'city',
    kind: 'regression',
    description: 'Vehicle flow at a road site, next steps',
    target: 'flow',
    unit: 'veh/5min',
    intervalMs: 5 * MINUTE,
    // The past hour: all the PeMS protocol allows (the shared lookback's older steps are zeroed).
    lookback: 12,
    horizons: [1, 2, 3, 6, 12],
    quantiles: [0.1, 0.5, 0.9],
  },
  dataset: 'pems-detector',
  recipe: {
    name: 'road-flow',
    description: 'vehicle flow of a road site (PeMS detector, simulated city), the past hour at 5 min',
    sources: ['flow'],
    required: ['flow'],
    derived: [],
    levels: () => true,
    calendar: true,
    fillLimit: SHARED_LOOKBACK,
    transform: { kind: 'level' },
    allTrainingWindows: false,
  },
  protocol: {
    description: 'PeMS detector 5-min flow, next step from the past hour',
    horizons: [1],
    split(frames) {
      const sites = Object.keys(frames.frames);
      const days = pemsDays(frames);
      const trainEnd = days[Math.max(0, days.length - PEMS_VALIDATION_DAYS)] ?? 0;
      return { trainSites: sites, validationSites: sites, trainEnd, describe: `train.csv days before ${iso(trainEnd)} train, the last ${PEMS_VALIDATION_DAYS} selected days validate` };
    },
    folds(frames) {
      const sites = Object.keys(frames.frames);
      const days = pemsDays(frames);
      const folds: FoldPlan[] = [];
      for (let k = FOLD_COUNT; k >= 1; k--) {
        const first = days.length - k * PEMS_FOLD_DAYS;
        if (first < PEMS_FOLD_DAYS) continue;
        const from = days[first] ?? 0;
        const last = days[first + PEMS_FOLD_DAYS - 1] ?? from;
        folds.push({ name: `${iso(from)}…${iso(last)}`, plan: { trainSites: sites, validationSites: sites, trainEnd: from, validationEnd: last + DAY, describe: `days before ${iso(from)} train, ${PEMS_FOLD_DAYS} selected days ${iso(from)}…${iso(last)} validate` } });
      }
      return folds;
    },
  },
  dashboard: { title: 'Traffic flow', color: 'orange', sites: { variable: 'site', label: 'Site' } },
  demo: { folder: 'pems-detector-5min-flow', file: 'train.csv', history: 1500, live: 36 },
});
