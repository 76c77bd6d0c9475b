import { TASKS } from '@headstream/tasks';
import { arStep, chanceWithin, normaliseSeed, relax, Rng, round } from './random.js';
import { checkCount, checkTiming, HOUR_MS, type SimRecord } from './records.js';

export interface FactoryOptions {
  /** Number of machines, 1..10000; grouped into lines of `machinesPerLine`. */
  machines: number;
  seed: number | string;
  /** Virtual start, epoch ms (default 2024-01-01T00:00Z). */
  start?: number;
  /** Sampling interval, ms (default 10 s). */
  intervalMs?: number;
  until?: number;
  /** Machines per production line (default 4). */
  machinesPerLine?: number;
  /** Mean hours between fault onsets per machine while healthy (default 12). */
  meanHoursBetweenFaults?: number;
  /**
   * Virtual time, epoch ms, at which every machine is overhauled: whatever fault it had is repaired and it runs
   * healthy and warm from the first step at or after it, as a machine does when its monitoring begins (SKAB's
   * runs start normal; the fault task's deviation channels measure from a machine's first minute).
   */
  overhaulAt?: number;
}

/**
 * The fault classes are TASKS.fault.classes (class 0 = normal). Each has a physical
 * signature, scaled by severity d ∈ [0, 1] as the fault develops:
 */
export interface FaultSignature {
  /** Relative change of vibration RMS at d = 1. */
  vibration: number;
  /** Relative change of motor current at d = 1. */
  current: number;
  /** Added temperature, °C, at d = 1. */
  temperature: number;
  /** Relative change of speed at d = 1. */
  speed: number;
  /** Extra relative noise on current at d = 1. */
  currentNoise: number;
  description: string;
}

export const FAULT_SIGNATURES: Readonly<Record<string, FaultSignature>> = {
  valve1: { vibration: 3, current: -0.1, temperature: 2, speed: -0.05, currentNoise: 0, description: 'inlet valve closing: cavitation, strong vibration, slight unloading' },
  valve2: { vibration: 0.5, current: 0.35, temperature: 25, speed: 0, currentNoise: 0, description: 'outlet valve closing: pump works against pressure, current and heat rise' },
  other: { vibration: 1.2, current: 0, temperature: 12, speed: -0.15, currentNoise: 3, description: 'motor / rotor problem: slows down, runs hot, erratic current' },
};

/** Fault class names in index order (0 = normal), from core's task definition. */
export function faultClasses(): readonly string[] {
  const fault = TASKS.fault;
  if (fault.kind !== 'classification') throw new Error('TASKS.fault is not a classification task');
  for (const c of fault.classes.slice(1)) {
    if (FAULT_SIGNATURES[c] === undefined) throw new Error(`no simulated signature for fault class "${c}"`);
  }
  return fault.classes;
}

export const MACHINE_METRICS = { vibration: 'mm/s', temperature: '°C', current: 'A', speed: 'rpm' } as const;
/** fault: class index (0 while healthy); anomaly: 1 while degrading or down; health: 0..1. */
export const MACHINE_LABELS = ['fault', 'anomaly', 'health'] as const;
export const LINE_METRICS = { throughput: 'units/h', nox: 'mg/m³' } as const;
/** Machines of the line currently faulted (degrading or down) and down. */
export const LINE_LABELS = ['faulted_machines', 'down_machines'] as const;

export function lineSiteName(line: number): string {
  return `line-${String(line + 1).padStart(2, '0')}`;
}

export function machineSiteName(line: number, k: number): string {
  return `${lineSiteName(line)}-m${k + 1}`;
}

type MachineState = 'running' | 'degrading' | 'down';

interface Machine {
  name: string;
  rng: Rng;
  nominalSpeed: number;
  nominalCurrent: number;
  baseTemp: number;
  baseVibration: number;
  state: MachineState;
  /** Index into the fault classes; 0 while running healthy. */
  fault: number;
  severity: number;
  rampHours: number;
  downHoursLeft: number;
  /** Slow wear, 1 → lower; reset by each repair. */
  wear: number;
  temperature: number;
  loadNoise: number;
}

interface Line {
  name: string;
  rng: Rng;
  nominalRate: number;
  machines: Machine[];
}

/** A healthy machine's condition, as new: running, unworn and warm (a new machine's, and an overhauled one's). */
function asNew(baseTemp: number): Pick<Machine, 'state' | 'fault' | 'severity' | 'rampHours' | 'downHoursLeft' | 'wear' | 'temperature'> {
  return { state: 'running', fault: 0, severity: 0, rampHours: 0, downHoursLeft: 0, wear: 1, temperature: baseTemp + 8 };
}

function newMachine(seed: number, name: string): Machine {
  const rng = Rng.derive(seed, `factory/${name}`);
  const baseTemp = rng.uniform(38, 48);
  return {
    name,
    rng,
    nominalSpeed: rng.uniform(1400, 1600),
    nominalCurrent: rng.uniform(8, 14),
    baseTemp,
    baseVibration: rng.uniform(1.5, 2.5),
    ...asNew(baseTemp),
    loadNoise: 0,
  };
}

const AMBIENT_C = 25;

/** Whatever fault it had repaired, as new (asNew); its make, load and random path kept. */
function overhaul(m: Machine): void {
  Object.assign(m, asNew(m.baseTemp));
}

/**
 * Advances one machine by `hours`: degradation (healthy → degrading with a random fault
 * class → down → repaired) and sensors that follow load, fault signature and severity.
 */
function stepMachine(m: Machine, classes: readonly string[], time: number, hours: number, faultsPerHour: number): SimRecord {
  const rng = m.rng;
  if (m.state === 'running') {
    m.wear = Math.max(0.5, m.wear - hours * (0.02 / 24));
    if (rng.chance(chanceWithin(faultsPerHour, hours))) {
      m.state = 'degrading';
      m.fault = 1 + rng.int(classes.length - 1);
      m.severity = 0;
      m.rampHours = rng.uniform(1, 4);
    }
  } else if (m.state === 'degrading') {
    m.severity = Math.min(1, m.severity + hours / m.rampHours);
    if (m.severity >= 1) {
      m.state = 'down';
      m.downHoursLeft = rng.uniform(0.5, 1.5);
    }
  } else {
    m.downHoursLeft -= hours;
    if (m.downHoursLeft <= 0) {
      m.state = 'running';
      m.fault = 0;
      m.severity = 0;
      m.wear = 1;
    }
  }

  const hour = new Date(time).getUTCHours();
  // Production load follows the shift plan (a daily swing) with some noise.
  m.loadNoise = arStep(m.loadNoise, 0.8, 0.04, hours, rng);
  const load = Math.min(1, Math.max(0.5, 0.85 + 0.1 * Math.sin((2 * Math.PI * (hour - 6)) / 24) + m.loadNoise));
  const signature = FAULT_SIGNATURES[classes[m.fault] ?? ''];
  const d = m.severity;
  const wearEffect = 1 - m.wear; // 0 when new, up to 0.5

  let values: Record<string, number>;
  if (m.state === 'down') {
    m.temperature = relax(m.temperature, AMBIENT_C, 0.5, hours);
    values = {
      vibration: round(0.05 + 0.02 * Math.abs(rng.normal())),
      temperature: round(m.temperature + 0.2 * rng.normal(), 2),
      current: round(0.2 + 0.05 * Math.abs(rng.normal())),
      speed: 0,
    };
  } else {
    const sig = signature ?? { vibration: 0, current: 0, temperature: 0, speed: 0, currentNoise: 0 };
    const speed = m.nominalSpeed * (0.95 + 0.05 * load) * (1 + sig.speed * d) + 5 * rng.normal();
    const current = m.nominalCurrent * load * (1 + sig.current * d) * (1 + 0.015 * (1 + sig.currentNoise * d) * rng.normal());
    m.temperature = relax(m.temperature, m.baseTemp + 10 * load + sig.temperature * d + 4 * wearEffect, 0.25, hours);
    const vibration = m.baseVibration * (0.8 + 0.4 * load) * (1 + sig.vibration * d + 0.6 * wearEffect) * Math.exp(0.08 * rng.normal());
    values = {
      vibration: round(vibration),
      temperature: round(m.temperature + 0.3 * rng.normal(), 2),
      current: round(current),
      speed: round(speed, 1),
    };
  }
  const health = m.state === 'down' ? 0 : (1 - d) * m.wear;
  return {
    domain: 'factory',
    site: m.name,
    time,
    values,
    labels: { fault: m.fault, anomaly: m.state === 'running' ? 0 : 1, health: round(health, 4) },
  };
}

/**
 * A line is serial: it runs at the pace of its slowest machine; a faulty machine also
 * makes scrap (up to half its output at full severity), a stopped one stops the line.
 */
function stepLine(line: Line, time: number, machineRecords: SimRecord[]): SimRecord {
  let efficiency = 1;
  let faulted = 0, down = 0;
  line.machines.forEach((m, k) => {
    const speed = machineRecords[k]?.values.speed ?? 0;
    const e = m.state === 'down' ? 0 : (speed / m.nominalSpeed) * (1 - 0.5 * m.severity) * (0.9 + 0.1 * m.wear);
    efficiency = Math.min(efficiency, e);
    if (m.state !== 'running') faulted++;
    if (m.state === 'down') down++;
  });
  const throughput = Math.max(0, line.nominalRate * efficiency * (1 + 0.02 * line.rng.normal()));
  // The line's NOx (the emissions task): it follows the load, plus a daily swing of the ambient temperature.
  // No random draw, so adding it left every other simulated value as it was.
  const hourOfDay = (time % 86_400_000) / 3_600_000;
  const nox = 30 + 40 * (throughput / line.nominalRate) + 4 * Math.sin((2 * Math.PI * (hourOfDay - 9)) / 24);
  return {
    domain: 'factory',
    site: line.name,
    time,
    values: { throughput: round(throughput, 1), nox: round(nox, 1) },
    labels: { faulted_machines: faulted, down_machines: down },
  };
}

/** The site names a factory of `machines` yields, lines last within each step. */
export function factorySites(machines: number, machinesPerLine = 4): { machines: string[]; lines: string[] } {
  const lines = Math.ceil(machines / machinesPerLine);
  return {
    machines: Array.from({ length: machines }, (_, j) => machineSiteName(Math.floor(j / machinesPerLine), j % machinesPerLine)),
    lines: Array.from({ length: lines }, (_, l) => lineSiteName(l)),
  };
}

/**
 * A factory in virtual time: per step every machine yields a record (vibration,
 * temperature, current, speed + ground truth), then every line its throughput.
 * Deterministic for a seed; infinite unless `until`.
 */
export function* simulateFactory(options: FactoryOptions): Generator<SimRecord> {
  checkCount('factory machines', options.machines, 1);
  const { start, intervalMs, until } = checkTiming(options, { intervalMs: 10_000 });
  const perLine = options.machinesPerLine ?? 4;
  checkCount('machinesPerLine', perLine, 1);
  const mtbf = options.meanHoursBetweenFaults ?? 12;
  if (!(mtbf > 0)) throw new Error(`meanHoursBetweenFaults must be > 0, got ${mtbf}`);
  if (options.overhaulAt !== undefined && !Number.isFinite(options.overhaulAt)) throw new Error(`overhaulAt must be an epoch ms number, got ${options.overhaulAt}`);
  const classes = faultClasses();
  const seed = normaliseSeed(options.seed);
  const names = factorySites(options.machines, perLine);
  const lines: Line[] = names.lines.map((name) => {
    const rng = Rng.derive(seed, `factory/${name}`);
    return { name, rng, nominalRate: rng.uniform(800, 1500), machines: [] };
  });
  names.machines.forEach((name, j) => lines[Math.floor(j / perLine)]?.machines.push(newMachine(seed, name)));
  const hours = intervalMs / HOUR_MS;
  let overhaulAt = options.overhaulAt ?? Number.POSITIVE_INFINITY;
  for (let time = start; time < until; time += intervalMs) {
    if (time >= overhaulAt) {
      for (const line of lines) line.machines.forEach(overhaul);
      overhaulAt = Number.POSITIVE_INFINITY;
    }
    const lineRecords: SimRecord[] = [];
    for (const line of lines) {
      const records = line.machines.map((m) => stepMachine(m, classes, time, hours, 1 / mtbf));
      yield* records;
      lineRecords.push(stepLine(line, time, records));
    }
    yield* lineRecords;
  }
}
