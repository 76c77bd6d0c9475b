import { SHARED_LOOKBACK, type InputRecipe, type ProtocolFrames, type SplitPlan } from './define.js';

/**
 * The gas turbine: one input read by every task it carries (throughput's TEY, emissions' NOx). The turbine's
 * sensors, step and sites are the same for both, so both heads read one window through one stem: the
 * predictor builds it and runs the encoder once per (site, step) for both forecasts.
 */

/** Gas turbine: 2011–2013 train, 2014 validates (the data set's own protocol). */
const TURBINE_SPLIT = Date.UTC(2014, 0, 1);
/** Gas turbine rolling folds: each year validates, trained on the years before it. */
const TURBINE_FOLDS: readonly number[] = [2012, 2013, 2014];
/** The gas turbine's sensors (the data set's metric names; the simulator's lines carry throughput and nox). */
const TURBINE_SENSORS = ['throughput', 'ambient_temp', 'ambient_pressure', 'ambient_humidity', 'air_filter_dp', 'exhaust_pressure', 'turbine_inlet_temp', 'turbine_after_temp', 'compressor_discharge_pressure', 'co', 'nox'];
/** The turbine's forecast targets, read as levels: TEY (throughput) and NOx (emissions). */
const TURBINE_TARGETS = ['throughput', 'nox'] as const;
/** Days back of the "next change at this hour" channels (the last is a mean over 1…7 days). */
export const DAILY_CHANGE_DAYS = [1, 2, 7] as const;

/**
 * The turbine's history (every task reading it: definition.lookback), hours: the present hour alone; the older steps
 * of the shared lookback are zeroed (FeatureSpec.history). The data set has no timestamps (about 7,400 rows a year of
 * 8,760 hours, in order), so its "previous hour" is often a jump over a gap; the present hour's changes and the
 * daily-schedule channels carry what the older steps would. Chosen on the selection folds (2012, 2013; seeds 1–3, a
 * 2-task turbine model at the full budget): throughput MAE −5.1 % and −3.0 %, emissions −1.2 % and +0.6 % against
 * 24 hours; 4 and 2 hours fell between. The forward fold (2014): −0.1 % and +0.5 % (BENCHMARKS.md, "The tree on the folds").
 */
export const TURBINE_HISTORY = 1;

/** The turbine input's name (the model's stem, the saved spec's `input`). */
export const TURBINE_INPUT = 'turbine';

/**
 * What a turbine window holds, for every task reading it: each target's level (where the turbine runs decides
 * where it can go next) and every sensor's hourly change, not the other sensors' levels: those drift from year to
 * year, and a network fed them learns the training years' levels and loses to persistence on a later year. Plus
 * what each target did after this hour on earlier days (both follow the plant's daily load schedule).
 */
export const TURBINE_RECIPE: InputRecipe = {
  sources: TURBINE_SENSORS,
  derived: [
    ...TURBINE_SENSORS.map((s) => ({ name: `${s}_change`, kind: 'change' as const, of: s })),
    ...TURBINE_TARGETS.flatMap((target) =>
      DAILY_CHANGE_DAYS.map((d) => ({ name: `${target}_next_change_${d}d`, kind: 'next_change' as const, of: target, days: d, seasonSteps: 24, mean: d === DAILY_CHANGE_DAYS[DAILY_CHANGE_DAYS.length - 1] })),
    ),
  ],
  levels: (s) => (TURBINE_TARGETS as readonly string[]).includes(s),
  // The turbine's times are synthetic (row i = Jan 1 + i h): a calendar would be made up.
  calendar: false,
  fillLimit: SHARED_LOOKBACK,
  allTrainingWindows: true,
};

/** The gas turbine's split by year (every site trains and validates); shared by the tasks it carries. */
export function turbineSplit(frames: ProtocolFrames): SplitPlan {
  const sites = Object.keys(frames.frames);
  return { trainSites: sites, validationSites: sites, trainEnd: TURBINE_SPLIT, describe: 'gt_2011–gt_2013 train, gt_2014 validates' };
}

/** The gas turbine's rolling folds: each year of TURBINE_FOLDS validates, trained on the years before it. */
export function turbineFolds(frames: ProtocolFrames) {
  const sites = Object.keys(frames.frames);
  return TURBINE_FOLDS.map((year) => ({
    name: String(year),
    plan: { trainSites: sites, validationSites: sites, trainEnd: Date.UTC(year, 0, 1), validationEnd: Date.UTC(year + 1, 0, 1), describe: `years before ${year} train, ${year} validates` },
  }));
}
