/** The mean of no values is NaN (a cell shows '—'), not 0: an empty set of folds or runs scored nothing. */
export const mean = (xs: readonly number[]): number => (xs.length === 0 ? NaN : xs.reduce((a, b) => a + b, 0) / xs.length);

/** The sample standard deviation (n − 1; 0 for one value, NaN for none). */
export const sd = (xs: readonly number[]): number => {
  if (xs.length === 0) return NaN;
  const m = mean(xs);
  return Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / Math.max(xs.length - 1, 1));
};
