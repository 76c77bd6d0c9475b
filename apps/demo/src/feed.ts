import { join } from 'node:path';
import { RECIPES, TASK_MODULES, TASK_NAMES, TASKS, taskModule, type TaskName } from '@headstream/tasks';
import { asyncIterableOf, datasetFolder, GROUND_TRUTH_PREFIX, type DataRecord } from '@headstream/datasets';
import { CITY_LABELS, CITY_METRICS, LINE_LABELS, LINE_METRICS, MACHINE_LABELS, MACHINE_METRICS, simulate, simulatedSites, type CityOptions } from '@headstream/sim';
import { taskRecords } from '@headstream/training';
import { UsageError } from './options.js';
import { cityOracle, type OracleScore } from './oracle.js';

/** One stream of records and the speed it is replayed at (data ms per wall ms; Infinity = as fast as possible). */
export interface FeedStream {
  name: string;
  records: AsyncIterable<DataRecord>;
  speed: number;
}

/** A part of the run's data: what goes through MQTT and ingest, in which order and how fast. */
export interface FeedPhase {
  streams: FeedStream[];
  /** Records in it (for progress). */
  records: number;
  /** Data time it covers, epoch ms. */
  from: number;
  to: number;
}

/**
 * Where the demo's readings come from: history (as fast as ingest takes it; the training reads it back
 * from the database), a live part streamed in accelerated time while the predictor runs, and with
 * --serve what follows, for as long as the demo keeps running.
 */
export interface Feed {
  kind: 'simulator' | 'replay';
  /** The tasks whose input the feed carries (every metric their recipe requires): the demo expects predictions of these. */
  tasks: readonly TaskName[];
  /** For people: what is simulated or replayed. */
  description: string;
  history: FeedPhase;
  live: FeedPhase;
  /**
   * The simulator's own forecast of a task's live part (cityOracle), scored on the live view's targets: for the
   * simulated city's regression tasks; undefined for other tasks and for a replay.
   */
  oracle?: (task: TaskName) => OracleScore | undefined;
  /** After the live part (--serve); one call. Groups run one after another, the streams of a group at once. */
  serve(): FeedStream[][];
}

/** Wall seconds the live part takes (its speed is chosen to fit). */
export const LIVE_WALL_SECONDS = 15;

const HOUR = 3_600_000;

/**
 * Simulated days of history: six weeks. The hourly tasks need at least 116 hourly steps (air quality: a day
 * of lookback, six hours of horizon and enough windows on both sides of the time split; training/from-db.ts
 * historyNeeded), and traffic needs its training part (the first 80 %) to hold every weekday at least twice
 * and span the 14 days a calendar needs (training's MIN_CALENDAR_DAYS): with six days the training part held
 * five or six days, often no weekend at all, and the live hour could be a day the model never saw. Air quality
 * decides the rest: on three weeks of the simulated city no learner beat persistence on the validation days
 * (air-quality-only models, quick budget, five simulated cities: network 1.04, linear 1.08, LightGBM 1.06
 * times persistence's MAE), on six weeks all of them did (0.96, 0.90, 0.95); twelve weeks gained little more
 * (0.95, 0.92, 0.92) for twice the ingest. In the demo itself (16 runs: seeds 1–3 × three clocks, seeds 4–10 on
 * one) the served model's validation MAE against persistence's fell for every regression task (air quality
 * 1.00 → 0.96, throughput 0.67 → 0.61, emissions 0.66 → 0.61, traffic 0.69 → 0.68, means) and every
 * regression task was at or below persistence on the live part in 12 runs (was 8) (BENCHMARKS.md, "The demo's
 * history").
 */
export const SIM_HISTORY_HOURS = 42 * 24;
/**
 * Hours of machine history (every second). The fault task reads 1 s steps and the predictor skips a
 * window with fewer than half of its steps observed, so machines report every second, as the test
 * bench the task was designed on (SKAB) does. A whole day: a machine's load (its current, temperature and
 * vibration) follows the shift plan's daily swing, and with half a day the live hours' load could be one the
 * training part had seen only in faults (seed 4 at Wednesday 11:30: its second machine, healthy, was called
 * "valve2" for the whole live part, fault's validation macro-F1 0.20 against "always normal"'s 0.33). Quick
 * training draws the same number of fault windows either way (quick mode's maxTrain).
 */
export const SIM_MACHINE_HOURS = 24;
/**
 * Simulated time the machines stream live: two hours of readings every second (14,400 of them, most of the
 * live part's records), at the pace LIVE_WALL_SECONDS allows the predictor to keep up with.
 */
export const SIM_MACHINE_LIVE_MINUTES = 120;
/**
 * Simulated time the city and the line stream live: twelve hours (their history ends that long before now;
 * the machines' ends SIM_MACHINE_LIVE_MINUTES before now). The hourly tasks issue a forecast each hour, so
 * two live hours gave them two target times: too few for the live view to tell the served model from
 * persistence (live-view's MIN_CLUSTERS). Twelve give twelve, day and night, and traffic 144 issue times ×
 * 6 sites. Their records are few (the city every 5 min, the line every minute), so the longer span costs
 * the run no wall time: each stream is paced to fit LIVE_WALL_SECONDS.
 */
export const SIM_LIVE_HOURS = 12;
/** The simulated plant: road/air sites of the city and machines of the factory (one line of two). */
export const SIM_SIZE = { city: 6, factory: 2 } as const;
/** Machines fail more often than the simulator's default (12 h), so a day shows several fault types. */
export const SIM_MEAN_HOURS_BETWEEN_FAULTS = 4;
const CITY_INTERVAL_MS = 5 * 60_000;
const MACHINE_INTERVAL_MS = 1000;
/** A line's throughput every minute: the throughput task reads hourly means. */
const LINE_INTERVAL_MS = 60_000;

/** What the simulators send per domain: their metrics and (as ground truth) their labels as gt_* metrics. */
const SIMULATED_METRICS: Readonly<Record<string, ReadonlySet<string>>> = {
  city: new Set([...Object.keys(CITY_METRICS), ...CITY_LABELS.map((l) => `${GROUND_TRUTH_PREFIX}${l}`)]),
  factory: new Set([...Object.keys(MACHINE_METRICS), ...Object.keys(LINE_METRICS), ...[...MACHINE_LABELS, ...LINE_LABELS].map((l) => `${GROUND_TRUTH_PREFIX}${l}`)]),
};

/** The registered tasks the simulators feed: every metric their recipe requires is simulated in their domain. */
export const SIMULATED_TASKS: readonly TaskName[] = RECIPES.filter((r) => r.required.every((m) => SIMULATED_METRICS[r.domain]?.has(m))).map((r) => r.task);

/** A time-ordered iterator taken in consecutive parts: each call yields the records before `end` it has not yielded yet. */
function timeParts(iterator: Iterator<DataRecord>): { take(end: number): Generator<DataRecord> } {
  let head = iterator.next();
  return {
    *take(end) {
      while (head.done !== true && head.value.time < end) {
        const value = head.value;
        head = iterator.next();
        yield value;
      }
    },
  };
}

/** Records taken when iterated (not before: the live part follows the history). */
const asAsync = (records: () => Iterable<DataRecord>): AsyncIterable<DataRecord> => ({
  [Symbol.asyncIterator]: () => {
    const it = records()[Symbol.iterator]();
    return { next: () => Promise.resolve(it.next()) };
  },
});

/** The simulators' virtual time for a demo whose clock reads `now`: their start, and the city's and the line's live part. */
export function simulatorTimes(now: number): { start: number; liveStart: number; liveEnd: number } {
  const liveEnd = Math.floor(now / MACHINE_INTERVAL_MS) * MACHINE_INTERVAL_MS;
  const liveStart = liveEnd - SIM_LIVE_HOURS * HOUR;
  return { start: Math.floor(liveStart / HOUR) * HOUR - SIM_HISTORY_HOURS * HOUR, liveStart, liveEnd };
}

/** The simulated city as the demo's feed runs it (its sites, seed, start and interval), for a clock reading `now`. */
export function simulatedCityOptions(seed: number, now: number): CityOptions {
  return { sites: SIM_SIZE.city, seed, start: simulatorTimes(now).start, intervalMs: CITY_INTERVAL_MS };
}

/** Futures per issue time of the simulator's own forecast (their median; cityOracle). */
const ORACLE_FUTURES = 200;

/** The simulator's own forecast of a simulated city regression task's live part (its target a city metric), for a demo of `seed` whose clock read `now`. */
export function simulatorOracle(task: TaskName, seed: number, now: number): OracleScore | undefined {
  const d = TASKS[task];
  if (d.domain !== 'city' || d.kind !== 'regression' || !Object.hasOwn(CITY_METRICS, d.target)) return undefined;
  const { liveStart, liveEnd } = simulatorTimes(now);
  return cityOracle({ city: simulatedCityOptions(seed, now), metric: d.target, intervalMs: d.intervalMs, horizons: d.horizons, from: liveStart, to: liveEnd, futures: ORACLE_FUTURES });
}

/**
 * The city and factory simulators in virtual time that ends "now": SIM_HISTORY_HOURS of history, then the
 * live part streamed live, then (--serve) real time. The live part is the last SIM_LIVE_HOURS of the city
 * and the line and the last SIM_MACHINE_LIVE_MINUTES of the machines, two streams each paced to fit
 * LIVE_WALL_SECONDS; everything before goes in as history (the machines' reaches up to their live part).
 * The factory runs every second; lines are sent every minute and machines every second for the
 * SIM_MACHINE_HOURS before their live part and in it. Each run's readings are new instants (the clock
 * moved), so a rerun on a stack never collides with an earlier run's readings or predictions.
 */
export function simulatorFeed(seed: number, now = Date.now()): Feed {
  const { start, liveStart, liveEnd } = simulatorTimes(now);
  const machinesLive = liveEnd - SIM_MACHINE_LIVE_MINUTES * 60_000;
  const machinesFrom = machinesLive - SIM_MACHINE_HOURS * HOUR;
  const sites = simulatedSites(SIM_SIZE);
  const machines = new Set(sites.factory.filter((s) => /-m\d+$/.test(s)));
  const lines = sites.factory.filter((s) => !machines.has(s));
  const isMachine = (r: DataRecord) => machines.has(r.site);
  const sent = (r: DataRecord) => r.domain === 'city' || (isMachine(r) ? r.time >= machinesFrom : (r.time - start) % LINE_INTERVAL_MS === 0);
  // The machines are overhauled where their history starts: their monitoring begins with them running healthy,
  // as a SKAB run's does. The fault task's deviation channels measure each sensor from a machine's first minute
  // in the database; when that minute fell in a fault (a machine of 9 of seeds 1–10 started its history faulted),
  // every later reading was read against a faulty baseline: seed 1's second machine was called "valve2" through
  // all of its healthy live part (error rate 0.59, "always normal" 0.09).
  const generator = simulate({ ...SIM_SIZE, seed, start, cityIntervalMs: CITY_INTERVAL_MS, factoryIntervalMs: MACHINE_INTERVAL_MS, meanHoursBetweenFaults: SIM_MEAN_HOURS_BETWEEN_FAULTS, overhaulAt: machinesFrom });
  const parts = timeParts(filter(generator, sent));
  const liveFrom = (r: DataRecord) => (isMachine(r) ? machinesLive : liveStart);
  const steps = (from: number, to: number, every: number) => Math.max(0, Math.ceil((to - start) / every) - Math.ceil((from - start) / every));
  const cityAndLine = (from: number, to: number) => sites.city.length * steps(from, to, CITY_INTERVAL_MS) + lines.length * steps(from, to, LINE_INTERVAL_MS);
  const machineSteps = (from: number, to: number) => machines.size * steps(Math.max(from, machinesFrom), Math.max(to, machinesFrom), MACHINE_INTERVAL_MS);
  // The history runs up to the machines' live part; the city's and the line's records from their live start on wait for the live part.
  const held: DataRecord[] = [];
  let live: { cityAndLine: DataRecord[]; machines: DataRecord[] } | undefined;
  const liveRecords = () => {
    if (!live) {
      // Records before their live start are the history's (skipped when the history was not taken first).
      const all = [...held.splice(0), ...[...parts.take(liveEnd)].filter((r) => r.time >= liveFrom(r))];
      live = { cityAndLine: all.filter((r) => !isMachine(r)), machines: all.filter(isMachine) };
    }
    return live;
  };
  const wall = LIVE_WALL_SECONDS * 1000;
  return {
    kind: 'simulator',
    oracle: (task) => simulatorOracle(task, seed, now),
    tasks: SIMULATED_TASKS,
    description: `simulated city (${sites.city.join(', ')}: traffic every 5 min, air and weather) and factory (machines ${[...machines].join(', ')} every second, line ${lines.join(', ')} throughput and NOx every minute), seed ${seed}`,
    history: {
      streams: [
        {
          name: 'simulator',
          records: asAsync(function* () {
            for (const r of parts.take(machinesLive)) {
              if (r.time < liveFrom(r)) yield r;
              else held.push(r);
            }
          }),
          speed: Number.POSITIVE_INFINITY,
        },
      ],
      records: cityAndLine(start, liveStart) + machineSteps(start, machinesLive),
      from: start,
      to: machinesLive,
    },
    // After the history, from the same generator: the city and the line, and the machines, each at the speed that fits the wall time.
    live: {
      streams: [
        { name: 'city and line', records: asAsync(() => liveRecords().cityAndLine), speed: (liveEnd - liveStart) / wall },
        { name: 'machines', records: asAsync(() => liveRecords().machines), speed: (liveEnd - machinesLive) / wall },
      ],
      records: cityAndLine(liveStart, liveEnd) + machineSteps(machinesLive, liveEnd),
      from: liveStart,
      to: liveEnd,
    },
    // What happened while the demo trained, at once; then virtual time is wall-clock time (replay
    // anchors its pacing at the first record, which is "now").
    serve: () => {
      const caughtUp = Math.floor(Date.now() / MACHINE_INTERVAL_MS) * MACHINE_INTERVAL_MS;
      return [[{ name: 'simulator', records: asAsync(() => parts.take(caughtUp)), speed: Number.POSITIVE_INFINITY }], [{ name: 'simulator', records: asAsync(() => parts.take(Number.POSITIVE_INFINITY)), speed: 1 }]];
    },
  };
}

function* filter<T>(iterator: Iterable<T>, keep: (item: T) => boolean): Generator<T> {
  for (const item of iterator) if (keep(item)) yield item;
}

/**
 * Slices of the shared data sets, one file per task (its module's `demo`): the first `history` records go in
 * as history, the next `live` ones are streamed live (each task at its own speed, so all fit the same wall
 * time). The counts are what the predictor's end-to-end test uses: enough steps for each task's windows.
 */
export const REPLAY_SLICES: readonly { task: TaskName; folder: string; file: string; history: number; live: number }[] = TASK_MODULES.flatMap((m) => (m.demo ? [{ task: m.definition.name, ...m.demo }] : []));

/** A task's records as the readings replay sends: values plus gt_* labels, in the task's domain. */
async function* domainRecords(task: TaskName, path: string): AsyncGenerator<DataRecord> {
  for await (const r of taskRecords(task, { path })) yield { domain: TASKS[task].domain, site: r.site, time: r.time, values: r.values };
}

async function takeRecords(iterator: AsyncIterator<DataRecord>, n: number): Promise<DataRecord[]> {
  const out: DataRecord[] = [];
  while (out.length < n) {
    const next = await iterator.next();
    if (next.done === true) break;
    out.push(next.value);
  }
  return out;
}

/** The replay feed; a missing data set is one line naming what is absent and where it was looked for. */
export async function replayFeed(datasetsDir: string | undefined): Promise<Feed> {
  const slices: { task: TaskName; history: DataRecord[]; live: DataRecord[]; rest: AsyncIterator<DataRecord> }[] = [];
  for (const slice of REPLAY_SLICES) {
    let folder: string;
    try {
      folder = datasetFolder(slice.folder, datasetsDir === undefined ? {} : { datasetsDir });
    } catch (error) {
      throw new UsageError(`--replay needs the shared data sets: ${(error as Error).message}`);
    }
    const iterator = domainRecords(slice.task, join(folder, slice.file))[Symbol.asyncIterator]();
    let history: DataRecord[];
    try {
      history = await takeRecords(iterator, slice.history);
    } catch (error) {
      throw new UsageError(`--replay: ${(error as Error).message}`);
    }
    const live = await takeRecords(iterator, slice.live);
    if (history.length < slice.history || live.length === 0) throw new UsageError(`--replay: ${join(folder, slice.file)} holds ${history.length + live.length} records; the demo needs ${slice.history + slice.live}`);
    slices.push({ task: slice.task, history, live, rest: iterator });
  }
  const span = (records: DataRecord[]) => ({ from: Math.min(...records.map((r) => r.time)), to: Math.max(...records.map((r) => r.time)) + 1 });
  const speedOf = (records: DataRecord[]) => {
    const s = span(records);
    return Math.max(1, (s.to - s.from) / (LIVE_WALL_SECONDS * 1000));
  };
  const all = (pick: (s: (typeof slices)[number]) => DataRecord[]) => slices.flatMap(pick);
  const order = new Map(TASK_NAMES.map((t, i) => [t, i]));
  slices.sort((a, b) => (order.get(a.task) ?? 0) - (order.get(b.task) ?? 0));
  // A slice carries its whole data set's metrics: every task reading that data set is fed.
  const datasets = new Set(slices.map((s) => taskModule(s.task).dataset));
  return {
    kind: 'replay',
    tasks: TASK_MODULES.filter((m) => datasets.has(m.dataset)).map((m) => m.definition.name),
    description: `the shared data sets, one file each: ${REPLAY_SLICES.map((s) => `${s.folder}/${s.file}`).join(', ')}`,
    history: { streams: slices.map((s) => ({ name: s.task, records: asyncIterableOf(s.history), speed: Number.POSITIVE_INFINITY })), records: all((s) => s.history).length, ...span(all((s) => s.history)) },
    live: { streams: slices.map((s) => ({ name: s.task, records: asyncIterableOf(s.live), speed: speedOf(s.live) })), records: all((s) => s.live).length, ...span(all((s) => s.live)) },
    // The rest of each file, at its live speed, until it ends.
    serve: () => [slices.map((s) => ({ name: s.task, records: { [Symbol.asyncIterator]: () => s.rest }, speed: speedOf(s.live) }))],
  };
}
