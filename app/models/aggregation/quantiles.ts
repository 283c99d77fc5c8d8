/**
 * Summaries of numbers given as a frequency table: distinct values in ascending order with how many times each
 * occurs (as the answer tallies hold them). The results are those PostgreSQL gives over the same numbers listed
 * one by one: count, sum, avg, min, max and percentile_cont, whose p-quantile of n sorted values x[0..n-1] lies at
 * position p(n − 1), interpolated linearly between its neighbours (x[lo] + (x[hi] − x[lo]) × fraction).
 */

export type Summary = { n: number; sum: number; mean: number; min: number; q1: number; median: number; q3: number; max: number };

/** `values` ascending and distinct, `counts[i]` > 0 the occurrences of `values[i]`; null when there are none. */
export function summariseCounts(values: number[], counts: number[]): Summary | null {
  if (values.length !== counts.length) throw new Error('values and counts must have the same length');
  let n = 0;
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    if (!(counts[i] > 0) || !Number.isInteger(counts[i])) throw new Error('counts must be positive integers');
    if (i > 0 && !(values[i] > values[i - 1])) throw new Error('values must be ascending and distinct');
    n += counts[i];
    sum += values[i] * counts[i];
  }
  if (!n) return null;
  // The value at 0-based position k of the sorted list.
  const at = (k: number) => {
    let seen = 0;
    for (let i = 0; i < values.length; i++) {
      seen += counts[i];
      if (k < seen) return values[i];
    }
    return values[values.length - 1];
  };
  const quantile = (p: number) => {
    const position = p * (n - 1);
    const lo = Math.floor(position);
    const hi = Math.ceil(position);
    const low = at(lo);
    return hi === lo ? low : low + (at(hi) - low) * (position - lo);
  };
  return { n, sum, mean: sum / n, min: values[0], q1: quantile(0.25), median: quantile(0.5), q3: quantile(0.75), max: values[values.length - 1] };
}
