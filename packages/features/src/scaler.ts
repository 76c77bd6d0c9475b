/** Serialised scaler, stored in the model metadata so serving scales exactly like training. */
export interface ScalerJSON {
  kind: 'standard';
  mean: number;
  std: number;
  count: number;
}

/**
 * Standard scaler for one channel. Fitted on the training split only: fitting on everything would
 * leak the test period's level and spread into training.
 */
export class StandardScaler {
  private constructor(
    readonly mean: number,
    readonly std: number,
    readonly count: number,
  ) {}

  /** Fits on the finite values of `values[from, to)`; a constant or empty channel gets std 1. */
  static fit(values: ArrayLike<number>, from = 0, to = values.length): StandardScaler {
    let n = 0;
    let mean = 0;
    let m2 = 0;
    // Welford: stable for long series with a large offset (e.g. cumulative counters).
    for (let i = from; i < to; i++) {
      const v = values[i] ?? NaN;
      if (!Number.isFinite(v)) continue;
      n++;
      const d = v - mean;
      mean += d / n;
      m2 += d * (v - mean);
    }
    const std = n > 1 ? Math.sqrt(m2 / (n - 1)) : 0;
    return new StandardScaler(n > 0 ? mean : 0, std > 1e-9 ? std : 1, n);
  }

  static fromJSON(json: ScalerJSON): StandardScaler {
    if (json.kind !== 'standard' || !Number.isFinite(json.mean) || !(json.std > 0)) {
      throw new Error(`invalid scaler ${JSON.stringify(json)}`);
    }
    return new StandardScaler(json.mean, json.std, json.count);
  }

  transform(v: number): number {
    return (v - this.mean) / this.std;
  }

  inverse(z: number): number {
    return z * this.std + this.mean;
  }

  /** Scale of a difference (e.g. an interval width or an error): no offset. */
  inverseScale(dz: number): number {
    return dz * this.std;
  }

  toJSON(): ScalerJSON {
    return { kind: 'standard', mean: this.mean, std: this.std, count: this.count };
  }
}
