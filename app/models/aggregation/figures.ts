/**
 * The shapes of the topic figures (app/models/aggregation/topic.server.ts and dynamic.server.ts), and how a count per
 * choice becomes the figures a page shows.
 */

export type NumericStats = { n: number; sum: number; mean: number; min: number; q1: number; median: number; q3: number; max: number };
/**
 * One answer's count and its share of those answering. `typed` marks a value a respondent typed (a question that
 * allows its own choices), shown under "Typed by respondents" rather than among the listed choices.
 */
export type ChoiceCount = { value: string; label: string; count: number; share: number; typed?: true };
/**
 * Counts per choice, listed choices first (special items such as "Other", "None", "Refuse to answer" and
 * "Don't know" among them, as the question lists them), then the values typed by respondents, most often first.
 * `typedLeftOut` says how many more typed values there were than TYPED_LIMIT, and how many answers they hold.
 */
export type ChoiceFigures = { respondents: number; counts: ChoiceCount[]; typedLeftOut?: { values: number; answers: number } };
/** A written answer; `row` is the row or panel (from 1) it was written in, for the questions of dynamic rows and panels. */
export type TextAnswer = { teamId: number; teamName: string; areaName: string; text: string; row?: number };
export type TextFigures = { total: number; answers: TextAnswer[] };

/** Teams listed one by one (per-team tables, dot plots, a team's own series): scopes of this many teams or fewer. */
export const TEAM_LIST_LIMIT = 150;

/** Written answers listed per question or matrix cell (or value of a dynamic question), in a scope of TEAM_LIST_LIMIT teams or fewer. */
export const TEXT_LIMIT = 100;

/**
 * Written answers listed per question or cell in a wider scope (a reviewer of many areas, the whole authority): a
 * sample that keeps the page light; an area's page lists up to TEXT_LIMIT and the export has every answer.
 */
export const WIDE_TEXT_LIMIT = 20;

/** How many written answers a question or cell lists, for a scope of `teams` teams. */
export function textLimit(teams: number): number {
  return teams <= TEAM_LIST_LIMIT ? TEXT_LIMIT : WIDE_TEXT_LIMIT;
}

/** Values typed by respondents listed per question or cell (most often first); the rest are counted together. */
export const TYPED_LIMIT = 20;

export const EMPTY_TEXT: TextFigures = { total: 0, answers: [] };

/**
 * A question's (or cell's) counts per choice as figures. Values outside the listed choices are what respondents
 * typed when the question is open (allowCustomChoices, or choices taken from another question's answers); in any
 * other question there should be none, and any there is is shown rather than silently dropped.
 */
export function choiceFigures(
  choices: { value: string; text: string }[] | undefined,
  counts: Map<string, number> | undefined,
  respondents: number,
  open = false,
): ChoiceFigures {
  const share = (count: number) => (respondents ? count / respondents : 0);
  const listed = (choices ?? []).map((c): ChoiceCount => {
    const count = counts?.get(c.value) ?? 0;
    return { value: c.value, label: c.text, count, share: share(count) };
  });
  const known = new Set(listed.map((c) => c.value));
  const unlisted = [...(counts ?? [])].filter(([value]) => !known.has(value));
  if (!open) return { respondents, counts: [...listed, ...unlisted.map(([value, count]) => ({ value, label: value, count, share: share(count) }))] };
  unlisted.sort(([a, m], [b, n]) => n - m || (a < b ? -1 : a > b ? 1 : 0));
  const typed = unlisted.slice(0, TYPED_LIMIT).map(([value, count]): ChoiceCount => ({ value, label: value, count, share: share(count), typed: true }));
  const rest = unlisted.slice(TYPED_LIMIT);
  return {
    respondents,
    counts: [...listed, ...typed],
    ...(rest.length ? { typedLeftOut: { values: rest.length, answers: rest.reduce((n, [, count]) => n + count, 0) } } : {}),
  };
}
