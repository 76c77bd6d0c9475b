import { defineTask, SHARED_LOOKBACK } from './define.js';
import { TURBINE_SENSORS, turbineDerived, turbineFolds, turbineSplit } from './throughput.js';

const HOUR = 3_600_000;

/**
 * NOx emissions of a gas turbine, next hour: the same turbine, sensors and step as throughput (the gas
 * turbine data set carries NOx beside TEY), so it reads the same input and splits the same years.
 */
export const emissions = defineTask({
  definition: {
    name: 'emissions',
    domain: 'factory',
    kind: 'regression',
    description: 'NOx emissions of a gas turbine, next hour',
    target: 'nox',
    unit: 'mg/m³',
    intervalMs: HOUR,
    lookback: 24,
    horizons: [1],
    quantiles: [0.1, 0.5, 0.9],
  },
  dataset: 'gas-turbine',
  recipe: {
    name: 'turbine-nox',
    // As throughput's recipe, with NOx as the level: the other sensors' levels drift from year to year, their
    // hourly changes do not; plus what NOx did after this hour on earlier days (it follows the daily load).
    description: "NOx and every turbine sensor's hourly change, plus the daily schedule (gas turbine), hourly",
    sources: TURBINE_SENSORS,
    required: ['nox'],
    derived: turbineDerived('nox'),
    levels: (s) => s === 'nox',
    // The turbine's times are synthetic (row i = Jan 1 + i h): a calendar would be made up.
    calendar: false,
    fillLimit: SHARED_LOOKBACK,
    // Not tuned: air quality's change transform (forecast = persistence + 0.7 × predicted change).
    transform: { kind: 'change', scale: 1, shrink: 0.7 },
    allTrainingWindows: true,
  },
  protocol: {
    description: 'Gas turbine NOx, next hour',
    split: turbineSplit,
    folds: turbineFolds,
  },
  // The same sites as throughput (a plant's line, the gas turbine): one site variable for both rows.
  dashboard: { title: 'NOx emissions', color: 'blue', sites: { variable: 'line', label: 'Line' } },
  // No slice of its own: throughput's gas turbine file carries NOx too.
});
