/** Mean of a non-empty sample; an empty one throws, so a subset check can never pass on no data. */
export function mean(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('mean of an empty sample: the subset this check compares is empty');
  return xs.reduce((a, b) => a + b, 0) / xs.length;
}

/** Sample autocorrelation at `lag`. */
export function autocorrelation(xs: readonly number[], lag: number): number {
  const m = mean(xs);
  let num = 0, den = 0;
  for (let i = 0; i < xs.length; i++) {
    const d = (xs[i] ?? 0) - m;
    den += d * d;
    if (i + lag < xs.length) num += d * ((xs[i + lag] ?? 0) - m);
  }
  return num / den;
}

export function correlation(xs: readonly number[], ys: readonly number[]): number {
  const mx = mean(xs), my = mean(ys);
  let sxy = 0, sxx = 0, syy = 0;
  xs.forEach((x, i) => {
    const y = ys[i] ?? 0;
    sxy += (x - mx) * (y - my);
    sxx += (x - mx) ** 2;
    syy += (y - my) ** 2;
  });
  return sxy / Math.sqrt(sxx * syy);
}
