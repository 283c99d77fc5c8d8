/**
 * Case-file audits (issue 12), moderation: how far two auditors who audited the same cases blind agree, question by
 * question. Percentage agreement for every question; Cohen's kappa, which discounts the agreement two auditors would
 * reach by chance, for graded questions (an answer from a fixed list, such as the overall grade or "met / partly met /
 * not met").
 */

/** One case's answers to one question from the first and the second auditor; undefined or null when not answered. */
export type AnswerPair = { first: unknown; second: unknown };

export type Agreement = {
  /** Cases both auditors answered (the others are left out of every figure). */
  compared: number;
  /** Cases one or both auditors left unanswered. */
  leftOut: number;
  agreed: number;
  /** agreed / compared, 0 to 1; null when nothing could be compared. */
  share: number | null;
  /** Cohen's kappa (graded questions only); null when it is undefined, with the reason. */
  kappa: number | null;
  kappaNote: string | null;
};

/** Answers compared as values: a list of choices is the same whatever the order it was ticked in. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return JSON.stringify(value.map(canonical).sort());
  if (value && typeof value === 'object') {
    return JSON.stringify(
      Object.keys(value)
        .sort()
        .map((key) => [key, canonical((value as Record<string, unknown>)[key])]),
    );
  }
  return JSON.stringify(value);
}

function answered(value: unknown) {
  return value !== undefined && value !== null && value !== '' && !(Array.isArray(value) && value.length === 0);
}

/**
 * Agreement over the pairs; with `graded`, Cohen's kappa too: κ = (pₒ − pₑ) / (1 − pₑ), where pₒ is the share of cases
 * on which the two agree and pₑ = Σₖ p₁ₖ·p₂ₖ the share they would agree on by chance, from how often each auditor
 * gave each answer.
 */
export function agreementOf(pairs: readonly AnswerPair[], options: { graded: boolean }): Agreement {
  const both = pairs.filter((p) => answered(p.first) && answered(p.second)).map((p) => ({ first: canonical(p.first), second: canonical(p.second) }));
  const compared = both.length;
  const agreed = both.filter((p) => p.first === p.second).length;
  const result: Agreement = {
    compared,
    leftOut: pairs.length - compared,
    agreed,
    share: compared ? agreed / compared : null,
    kappa: null,
    kappaNote: null,
  };
  if (!options.graded) return result;
  if (!compared) return { ...result, kappaNote: 'No case was answered by both auditors.' };
  const firstCounts = new Map<string, number>();
  const secondCounts = new Map<string, number>();
  for (const p of both) {
    firstCounts.set(p.first, (firstCounts.get(p.first) ?? 0) + 1);
    secondCounts.set(p.second, (secondCounts.get(p.second) ?? 0) + 1);
  }
  let chance = 0;
  for (const [answer, n] of firstCounts) chance += (n / compared) * ((secondCounts.get(answer) ?? 0) / compared);
  if (1 - chance < 1e-12) {
    return { ...result, kappaNote: 'Both auditors gave one and the same answer to every case: kappa is undefined (agreement by chance would be complete).' };
  }
  return { ...result, kappa: (agreed / compared - chance) / (1 - chance) };
}

/** The usual words for a kappa (Landis and Koch, 1977), for reading a figure, not judging it. */
export function describeKappa(kappa: number): string {
  if (kappa < 0) return 'less than chance';
  if (kappa <= 0.2) return 'slight';
  if (kappa <= 0.4) return 'fair';
  if (kappa <= 0.6) return 'moderate';
  if (kappa <= 0.8) return 'substantial';
  return 'almost perfect';
}
