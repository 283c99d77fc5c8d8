import { describe, expect, it } from 'vitest';
import { agreementOf, describeKappa, type AnswerPair } from '../app/models/agreement.server';

// Moderation of case-file audits (issue 12): agreement between a first and a second, blind, auditor, checked against
// figures worked out by hand.

const pairs = (first: unknown[], second: unknown[]): AnswerPair[] => first.map((f, i) => ({ first: f, second: second[i] }));

describe('agreement between two auditors', () => {
  it("gives Cohen's kappa of a two-answer question as worked by hand (20 yes-yes, 5 yes-no, 10 no-yes, 15 no-no: κ = 0.4)", () => {
    const first = [...Array(25).fill('yes'), ...Array(25).fill('no')];
    const second = [...Array(20).fill('yes'), ...Array(5).fill('no'), ...Array(10).fill('yes'), ...Array(15).fill('no')];
    // pₒ = 35/50 = 0.7; pₑ = 0.5 × 0.6 + 0.5 × 0.4 = 0.5; κ = (0.7 − 0.5) / 0.5 = 0.4.
    const result = agreementOf(pairs(first, second), { graded: true });
    expect(result).toMatchObject({ compared: 50, leftOut: 0, agreed: 35, share: 0.7 });
    expect(result.kappa).toBeCloseTo(0.4, 12);
    expect(describeKappa(result.kappa!)).toBe('fair');
  });

  it('gives the kappa of the overall grade over ten cases as worked by hand (κ = 0.5)', () => {
    const first = ['good', 'good', 'adequate', 'inadequate', 'good', 'adequate', 'good', 'outstanding', 'adequate', 'good'];
    const second = ['good', 'adequate', 'adequate', 'inadequate', 'good', 'good', 'good', 'good', 'adequate', 'good'];
    // pₒ = 7/10; pₑ = 0.5 × 0.6 (good) + 0.3 × 0.3 (adequate) + 0.1 × 0.1 (inadequate) + 0.1 × 0 (outstanding) = 0.4.
    const result = agreementOf(pairs(first, second), { graded: true });
    expect(result.share).toBe(0.7);
    expect(result.kappa).toBeCloseTo(0.5, 12);
    expect(describeKappa(result.kappa!)).toBe('moderate');
  });

  it('leaves out cases either auditor did not answer, and says why kappa is undefined when every answer is the same', () => {
    const result = agreementOf(pairs(['met', 'met', null, 'met', ''], ['met', 'met', 'met', undefined, 'met']), { graded: true });
    expect(result).toMatchObject({ compared: 2, leftOut: 3, agreed: 2, share: 1, kappa: null });
    expect(result.kappaNote).toMatch(/one and the same answer/);
    expect(agreementOf([], { graded: true })).toMatchObject({ compared: 0, share: null, kappa: null, kappaNote: 'No case was answered by both auditors.' });
  });

  it('compares lists of choices whatever the order they were ticked in; gives no kappa for questions that are not graded', () => {
    const result = agreementOf(pairs([['police', 'health'], ['police'], 'Visited twice'], [['health', 'police'], ['police', 'school'], 'Visited twice']), {
      graded: false,
    });
    expect(result).toMatchObject({ compared: 3, agreed: 2, kappa: null, kappaNote: null });
    expect(result.share).toBeCloseTo(2 / 3, 12);
  });

  it('gives a kappa below zero when two auditors agree less often than chance would have them', () => {
    const result = agreementOf(pairs(['met', 'not met', 'met', 'not met'], ['not met', 'met', 'not met', 'met']), { graded: true });
    expect(result.kappa).toBeCloseTo(-1, 12);
    expect(describeKappa(result.kappa!)).toBe('less than chance');
  });
});
