/**
 * Seeded randomness. Every simulated quantity draws from an Rng derived from the run's
 * seed and the name of what it drives (a site, the weather), so adding a site never
 * changes the numbers of the others, and the same seed always gives the same stream.
 */

/** FNV-1a over a string, for turning names and string seeds into 32-bit seeds. */
export function hashString(text: string, seed = 0x811c9dc5): number {
  let h = seed >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** A 32-bit seed from a number or a string; throws on a non-integer or negative number. */
export function normaliseSeed(seed: number | string): number {
  if (typeof seed === 'string') return hashString(seed);
  if (!Number.isSafeInteger(seed) || seed < 0) throw new Error(`seed must be a non-negative integer or a string, got ${seed}`);
  // Fold the high bits in so seeds above 2^32 stay distinct.
  return (seed % 0x1_0000_0000 ^ Math.floor(seed / 0x1_0000_0000)) >>> 0;
}

/** mulberry32: small, fast, good enough for simulation (not for cryptography). */
export class Rng {
  private state: number;
  private spareNormal: number | undefined;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** An independent generator for `name`, derived from this run's seed. */
  static derive(seed: number, name: string): Rng {
    return new Rng(hashString(name, seed ^ 0x9e3779b9));
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) | 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  uniform(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal (Box–Muller, both values used). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const z = this.spareNormal;
      this.spareNormal = undefined;
      return z;
    }
    const u = 1 - this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  exponential(mean: number): number {
    return -mean * Math.log(1 - this.next());
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.next() < p;
  }

  /**
   * A Poisson count with this mean: exact (Knuth's product of uniforms) below POISSON_EXACT_BELOW, above it
   * the normal approximation rounded to a count (its error there is far below anything a simulation shows,
   * and it costs one draw instead of about `mean`).
   */
  poisson(mean: number): number {
    if (!(mean > 0)) return 0;
    if (mean >= POISSON_EXACT_BELOW) return Math.max(0, Math.round(mean + Math.sqrt(mean) * this.normal()));
    const limit = Math.exp(-mean);
    let k = 0;
    let product = this.next();
    while (product > limit) {
      k++;
      product *= this.next();
    }
    return k;
  }
}

/** Rng.poisson draws exactly below this mean. */
const POISSON_EXACT_BELOW = 30;

/**
 * One step of a stationary AR(1) process with standard deviation `sigma` whose correlation
 * over one hour is `phiPerHour`, advanced by `hours` (so any sampling interval gives the
 * same process).
 */
export function arStep(x: number, phiPerHour: number, sigma: number, hours: number, rng: Rng): number {
  const phi = Math.pow(phiPerHour, hours);
  return phi * x + sigma * Math.sqrt(1 - phi * phi) * rng.normal();
}

/** Probability that an event with `perHour` rate happens within `hours`. */
export function chanceWithin(perHour: number, hours: number): number {
  return 1 - Math.exp(-perHour * hours);
}

/** First-order relaxation of `x` toward `target` with time constant `tauHours`. */
export function relax(x: number, target: number, tauHours: number, hours: number): number {
  return target + (x - target) * Math.exp(-hours / tauHours);
}

export function round(x: number, decimals = 3): number {
  const f = 10 ** decimals;
  return Math.round(x * f) / f;
}
