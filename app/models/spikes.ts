/**
 * The spike rule for monthly activity series (pure: no database, shared by the pages, the API, the docs and tests).
 *
 * A month is a spike when its value exceeds the median of the six months before it by a robust margin:
 *   1. value − median > 3 × scaled MAD of those six months (MAD = median absolute deviation from their median;
 *      scaled by 1.4826 so that it estimates the standard deviation of normally distributed noise), and
 *   2. value ≥ 1.2 × median (a rise of at least 20%), and
 *   3. value − median ≥ 5 (so that 1 → 3 in a small team is not called a spike).
 * The first six months of a series have no baseline and are never assessed; nor is a month whose six previous
 * months are not all known. A steady rise is never flagged: for a straight line the gap between a month and the
 * median of the six before it is 3.5 steps, while 3 scaled MADs of six evenly spaced points are 6.7 steps.
 * A month is a joint spike when at least three of the activity series spike in it (as referrals, strategy
 * discussions, section 47 enquiries and initial conferences did together in December 2008).
 */

export type SpikeRule = {
  /** How many previous months form the baseline. */
  window: number;
  /** How many scaled MADs above the baseline median a spike must be. */
  madMultiplier: number;
  /** The least relative rise over the baseline median (0.2 = 20%). */
  minRise: number;
  /** The least absolute rise over the baseline median. */
  minExcess: number;
  /** How many series must spike in one month for a joint spike. */
  jointSeries: number;
};

export const SPIKE_RULE: SpikeRule = { window: 6, madMultiplier: 3, minRise: 0.2, minExcess: 5, jointSeries: 3 };

/** Scales the median absolute deviation to estimate a normal standard deviation. */
export const MAD_SCALE = 1.4826;

export function median(values: number[]): number {
  if (!values.length) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median absolute deviation from the median. */
export function medianAbsoluteDeviation(values: number[]): number {
  const m = median(values);
  return median(values.map((v) => Math.abs(v - m)));
}

export type SeriesPoint = { period: string; value: number | null };

export type SpikeAssessment = {
  period: string;
  value: number | null;
  /** Median of the previous `window` months, or null when the month is not assessed. */
  baseline: number | null;
  /** Scaled MAD of the previous months. */
  spread: number | null;
  /** The value above which (and at or above the relative and absolute floors) the month is a spike. */
  threshold: number | null;
  /** value / baseline − 1. */
  rise: number | null;
  spike: boolean;
};

/** Assesses every month of a series (in time order) against the rule. */
export function detectSpikes(series: SeriesPoint[], rule: SpikeRule = SPIKE_RULE): SpikeAssessment[] {
  return series.map((point, index) => {
    const previous = series.slice(Math.max(0, index - rule.window), index).map((p) => p.value);
    const assessable = index >= rule.window && point.value !== null && previous.every((v) => v !== null);
    if (!assessable) return { period: point.period, value: point.value, baseline: null, spread: null, threshold: null, rise: null, spike: false };
    const values = previous as number[];
    const baseline = median(values);
    const spread = MAD_SCALE * medianAbsoluteDeviation(values);
    const value = point.value as number;
    const threshold = Math.max(baseline + rule.madMultiplier * spread, baseline * (1 + rule.minRise), baseline + rule.minExcess);
    const spike = value - baseline > rule.madMultiplier * spread && value >= baseline * (1 + rule.minRise) && value - baseline >= rule.minExcess;
    return { period: point.period, value, baseline, spread, threshold, rise: baseline > 0 ? value / baseline - 1 : null, spike };
  });
}

export type JointSpike = { period: string; series: string[] };

/** Months in which at least `rule.jointSeries` of the named series spike together. */
export function jointSpikes(assessments: Record<string, SpikeAssessment[]>, rule: SpikeRule = SPIKE_RULE): JointSpike[] {
  const byPeriod = new Map<string, string[]>();
  for (const [name, points] of Object.entries(assessments)) {
    for (const point of points) {
      if (!point.spike) continue;
      byPeriod.set(point.period, [...(byPeriod.get(point.period) ?? []), name]);
    }
  }
  return [...byPeriod.entries()]
    .filter(([, names]) => names.length >= rule.jointSeries)
    .map(([period, series]) => ({ period, series }))
    .sort((a, b) => a.period.localeCompare(b.period));
}

/** The rule in one sentence, for pages and exports. */
export function describeSpikeRule(rule: SpikeRule = SPIKE_RULE): string {
  return (
    `A month is marked as a spike when it is more than ${rule.madMultiplier} scaled median absolute deviations ` +
    `(MAD × ${MAD_SCALE}) above the median of the ${rule.window} months before it, at least ${Math.round(rule.minRise * 100)}% above that median ` +
    `and at least ${rule.minExcess} higher. The first ${rule.window} months have no baseline and are not assessed. ` +
    `A month where ${rule.jointSeries} or more activity series spike together is a joint spike.`
  );
}
