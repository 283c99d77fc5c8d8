import { describe, expect, it } from 'vitest';
import { describeSpikeRule, detectSpikes, jointSpikes, median, medianAbsoluteDeviation, SPIKE_RULE } from '../app/models/spikes';

const series = (values: (number | null)[]) => values.map((value, i) => ({ period: `2008-${String(i + 1).padStart(2, '0')}`, value }));
const flagged = (values: (number | null)[]) =>
  detectSpikes(series(values))
    .filter((s) => s.spike)
    .map((s) => s.period);

describe('the spike rule', () => {
  it('median and MAD by hand', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    // |1−3|, |2−3|, |3−3|, |4−3|, |10−3| = 2, 1, 0, 1, 7 → median 1.
    expect(medianAbsoluteDeviation([1, 2, 3, 4, 10])).toBe(1);
  });

  it('flags a planted spike', () => {
    // Baseline 100, 102, 98, 101, 99, 103: median 100.5, MAD 1.5 → threshold max(100.5 + 3 × 2.22, 120.6, 105.5) = 120.6.
    expect(flagged([100, 102, 98, 101, 99, 103, 150])).toEqual(['2008-07']);
    const [assessment] = detectSpikes(series([100, 102, 98, 101, 99, 103, 150])).slice(-1);
    expect(assessment.baseline).toBe(100.5);
    expect(assessment.spread).toBeCloseTo(1.4826 * 1.5, 10);
    expect(assessment.threshold).toBeCloseTo(120.6, 10);
    expect(assessment.rise).toBeCloseTo(150 / 100.5 - 1, 10);
  });

  it('does not flag a steady rise, however steep', () => {
    expect(flagged([100, 105, 110, 115, 120, 125, 130, 135, 140, 145, 150, 155, 160])).toEqual([]);
    expect(flagged([10, 20, 30, 40, 50, 60, 70, 80, 90, 100])).toEqual([]);
    expect(flagged([100, 110, 121, 133, 146, 161, 177, 195])).toEqual([]); // 10% a month, compounding
  });

  it('needs all three: robust margin, a 20% rise and at least 5 more', () => {
    // Noisy baseline: 150 is +36% but within 3 scaled MADs of 110 (MAD 15 → 3 × 22.2 = 66.7).
    expect(flagged([80, 140, 95, 125, 110, 110, 150])).toEqual([]);
    // Flat baseline (MAD 0): +15% is not enough.
    expect(flagged([100, 100, 100, 100, 100, 100, 115])).toEqual([]);
    // Small counts: 1 → 3 is +200% but only 2 more.
    expect(flagged([1, 1, 1, 1, 1, 1, 3])).toEqual([]);
    expect(flagged([1, 1, 1, 1, 1, 1, 6])).toEqual(['2008-07']);
  });

  it('does not assess the first six months, or a month with a gap in its baseline', () => {
    expect(detectSpikes(series([1, 1000, 1, 1, 1, 1])).every((s) => s.baseline === null && !s.spike)).toBe(true);
    expect(flagged([100, null, 100, 100, 100, 100, 100, 200])).toEqual([]);
    expect(flagged([100, null, 100, 100, 100, 100, 100, 100, 200])).toEqual(['2008-09']);
  });

  it('flags joint spikes when three or more series spike in the same month', () => {
    const spike = detectSpikes(series([10, 10, 10, 10, 10, 10, 20]));
    const calm = detectSpikes(series([10, 10, 10, 10, 10, 10, 10]));
    expect(jointSpikes({ referrals: spike, strategy: spike, s47: calm })).toEqual([]);
    expect(jointSpikes({ referrals: spike, strategy: spike, s47: spike, plans: calm })).toEqual([
      { period: '2008-07', series: ['referrals', 'strategy', 's47'] },
    ]);
    expect(SPIKE_RULE.jointSeries).toBe(3);
  });

  it('is stated in words', () => {
    expect(describeSpikeRule()).toMatch(/3 scaled median absolute deviations.*6 months before it.*at least 20%.*at least 5 higher/);
  });
});
