import { createHash } from 'node:crypto';
import { parse } from 'csv-parse/sync';

/**
 * Case-file audits (issue 12), the sample: the cases a reviewer uploads for each team (one CSV for the whole round, or
 * one per team), read line by line with every bad line named, and the reproducible random draw from them.
 *
 * The draw depends only on the stated seed, the rule and the set of cases, never on the order of the upload: each team's
 * cases are put in the order of their references first, and each team (and each kind of case, when stratified) draws
 * from a stream of its own, derived from the seed and the team. Adding a team or a case to another team does not
 * change a team's sample; the same seed, rule and cases always give the same sample. A case is never drawn twice.
 */

import { CASE_KINDS, CASE_KIND_LABELS, type CaseKind } from '../../db/schema';

export { CASE_KINDS, CASE_KIND_LABELS, type CaseKind };

/** A case the team's records hold, as uploaded: its reference is the authority's case system's own. */
export type CaseRecord = {
  teamId: number;
  reference: string;
  kind: CaseKind;
  worker: string | null;
  openedOn: string | null; // yyyy-mm-dd
};

export type SampleRule = {
  /** Any text the reviewer states (e.g. "2009-audit-1"); recorded with the sample so anyone can draw it again. */
  seed: string;
  /** Per team: a number of cases, or a share of the team's cases (at least one of a team that has any). */
  size: { count: number } | { share: number };
  /** Draw from each kind of case in proportion to the team's cases of that kind. */
  stratifyByKind: boolean;
};

export type SampledCase = CaseRecord & { position: number };

export type TeamSample = {
  teamId: number;
  /** How many cases the team had to draw from (after any already sampled were set aside). */
  population: number;
  byKind: Partial<Record<CaseKind, { population: number; drawn: number }>>;
  cases: SampledCase[];
};

export const MAX_CASE_REFERENCE_LENGTH = 40;
export const MAX_CASE_LINES = 20_000;

const KIND_WORDS: Record<string, CaseKind> = {
  'child protection plan': 'child-protection-plan',
  'child-protection-plan': 'child-protection-plan',
  'child protection': 'child-protection-plan',
  cp: 'child-protection-plan',
  cpp: 'child-protection-plan',
  'looked after': 'looked-after',
  'looked-after': 'looked-after',
  'looked after child': 'looked-after',
  lac: 'looked-after',
  cla: 'looked-after',
  'child in need': 'child-in-need',
  'child-in-need': 'child-in-need',
  cin: 'child-in-need',
  other: 'other',
};

const COLUMNS = {
  team: ['team'],
  reference: ['case reference', 'case ref', 'reference', 'case'],
  kind: ['kind of case', 'kind', 'case kind', 'category'],
  worker: ['allocated worker', 'worker', 'social worker'],
  openedOn: ['date opened', 'opened', 'opened on', 'date'],
} as const;

type Column = keyof typeof COLUMNS;

export type CaseListError = { line: number; message: string };
/** The cases read, with the line each is on (as an editor numbers them), or every bad line. */
export type CaseListResult = { ok: true; cases: CaseRecord[]; lines: number[] } | { ok: false; errors: CaseListError[] };

/**
 * Reads a case list: a header line naming the columns (team, case reference, kind of case, allocated worker, date
 * opened; the last two may be left out), then one case a line. Teams are named as the round knows them (name or
 * short name, any case). Nothing is returned unless every line is valid: otherwise every bad line, with its number
 * and what is wrong.
 */
export function parseCaseList(
  text: string,
  options: { teams: ReadonlyArray<{ id: number; name: string; slug: string }>; today: string; onlyTeamId?: number },
): CaseListResult {
  let parsed: Array<{ record: string[]; info: { lines: number } }>;
  try {
    parsed = parse(text.replace(/^\uFEFF/, ''), { relax_column_count: true, skip_empty_lines: true, trim: true, bom: true, info: true });
  } catch (error) {
    const line = (error as { lines?: number }).lines ?? 1;
    return { ok: false, errors: [{ line, message: `This is not readable CSV: ${(error as Error).message.replace(/^Invalid[^:]*: /, '')}` }] };
  }
  // Each record with the line it starts on, as an editor numbers them (blank lines and quoted line breaks counted).
  const rows = parsed.map(({ record, info }) => ({ cells: record, line: info.lines - record.join('').split('\n').length + 1 }));
  if (!rows.length) return { ok: false, errors: [{ line: 1, message: 'The file is empty: give a header line, then one case a line.' }] };
  const header = rows[0].cells.map((cell) =>
    cell
      .toLowerCase()
      .replace(/[_\s]+/g, ' ')
      .trim(),
  );
  const at: Partial<Record<Column, number>> = {};
  for (const [column, names] of Object.entries(COLUMNS) as Array<[Column, readonly string[]]>) {
    const index = header.findIndex((cell) => names.includes(cell));
    if (index >= 0) at[column] = index;
  }
  const missing = (['team', 'reference', 'kind'] as const).filter((column) => at[column] === undefined && !(column === 'team' && options.onlyTeamId));
  if (missing.length) {
    const names = { team: '"team"', reference: '"case reference"', kind: '"kind of case"' };
    return { ok: false, errors: [{ line: 1, message: `The header line lacks ${missing.map((m) => names[m]).join(', ')}.` }] };
  }
  if (rows.length - 1 > MAX_CASE_LINES) {
    return { ok: false, errors: [{ line: MAX_CASE_LINES + 2, message: `At most ${MAX_CASE_LINES.toLocaleString('en-GB')} cases in one file.` }] };
  }

  const teamByWord = new Map<string, number>();
  for (const team of options.teams) {
    teamByWord.set(team.name.toLowerCase(), team.id);
    teamByWord.set(team.slug.toLowerCase(), team.id);
  }
  const errors: CaseListError[] = [];
  const cases: CaseRecord[] = [];
  const lines: number[] = [];
  const firstLine = new Map<string, number>();
  rows.slice(1).forEach(({ cells, line }) => {
    const cell = (column: Column) => (at[column] === undefined ? '' : (cells[at[column]!] ?? '').trim());
    const problems: string[] = [];

    let teamId = options.onlyTeamId ?? null;
    if (at.team !== undefined) {
      const named = cell('team');
      const found = teamByWord.get(named.toLowerCase());
      if (!named) problems.push('the team is missing');
      else if (found === undefined) problems.push(`"${named}" is not a team of this round`);
      else if (options.onlyTeamId !== undefined && found !== options.onlyTeamId) problems.push(`"${named}" is not the team this list is for`);
      else teamId = found;
    }

    const reference = cell('reference');
    if (!reference) problems.push('the case reference is missing');
    else if (reference.length > MAX_CASE_REFERENCE_LENGTH) problems.push(`the case reference is longer than ${MAX_CASE_REFERENCE_LENGTH} characters`);
    else if ([...reference].some((ch) => ch.charCodeAt(0) < 0x20 || ch.charCodeAt(0) === 0x7f)) problems.push('the case reference holds a control character');

    const kindText = cell('kind');
    const kind = KIND_WORDS[kindText.toLowerCase().replace(/\s+/g, ' ')];
    if (!kindText) problems.push('the kind of case is missing');
    else if (!kind) problems.push(`"${kindText}" is not a kind of case (child protection plan, looked after, child in need or other)`);

    const worker = cell('worker') || null;
    if (worker && worker.length > 120) problems.push('the allocated worker is longer than 120 characters');

    const openedText = cell('openedOn');
    const openedOn = openedText ? isoDate(openedText) : null;
    if (openedText && !openedOn) problems.push(`"${openedText}" is not a date (write 2009-02-16 or 16/02/2009)`);
    else if (openedOn && openedOn > options.today) problems.push(`the date opened, ${openedOn}, is in the future`);

    if (teamId !== null && reference) {
      const key = `${teamId}\u0000${reference.toLowerCase()}`;
      const earlier = firstLine.get(key);
      if (earlier !== undefined) problems.push(`case ${reference} of this team is already on line ${earlier}`);
      else firstLine.set(key, line);
    }

    if (problems.length) errors.push({ line, message: capitalise(problems.join('; ')) + '.' });
    else {
      cases.push({ teamId: teamId!, reference, kind: kind!, worker, openedOn });
      lines.push(line);
    }
  });
  if (!cases.length && !errors.length) errors.push({ line: 2, message: 'The file has a header line but no cases.' });
  return errors.length ? { ok: false, errors } : { ok: true, cases, lines };
}

/** yyyy-mm-dd or dd/mm/yyyy (the UK order) to yyyy-mm-dd, if it is a real date. */
function isoDate(text: string): string | null {
  const iso = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const uk = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/.exec(text);
  const [year, month, day] = iso ? [iso[1], iso[2], iso[3]] : uk ? [uk[3], uk[2], uk[1]] : [];
  if (!year) return null;
  const date = new Date(Date.UTC(Number(year), Number(month) - 1, Number(day)));
  if (date.getUTCFullYear() !== Number(year) || date.getUTCMonth() !== Number(month) - 1 || date.getUTCDate() !== Number(day)) return null;
  return date.toISOString().slice(0, 10);
}

function capitalise(text: string) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** How many of a team's `population` cases the rule draws. */
export function sampleSize(size: SampleRule['size'], population: number): number {
  if (population <= 0) return 0;
  if ('count' in size) return Math.min(size.count, population);
  return Math.min(population, Math.max(1, Math.round(size.share * population)));
}

/**
 * Draws each team's sample. `alreadySampled` (team id and reference) are set aside first: adding to a sample, or a
 * second draw for the same round, never draws a case twice.
 */
export function drawSample(
  cases: readonly CaseRecord[],
  rule: SampleRule,
  alreadySampled: ReadonlyArray<{ teamId: number; reference: string }> = [],
): TeamSample[] {
  const taken = new Set(alreadySampled.map((c) => caseKey(c.teamId, c.reference)));
  const byTeam = new Map<number, CaseRecord[]>();
  const seen = new Set<string>();
  for (const c of cases) {
    const key = caseKey(c.teamId, c.reference);
    if (seen.has(key)) throw new Error(`Case ${c.reference} of team ${c.teamId} is given twice`);
    seen.add(key);
    if (taken.has(key)) continue;
    byTeam.set(c.teamId, [...(byTeam.get(c.teamId) ?? []), c]);
  }
  return [...byTeam.keys()]
    .sort((a, b) => a - b)
    .map((teamId) => {
      const population = byTeam.get(teamId)!.sort((a, b) => compareReferences(a.reference, b.reference));
      const wanted = sampleSize(rule.size, population.length);
      const strata = rule.stratifyByKind
        ? CASE_KINDS.map((kind) => ({ kind, cases: population.filter((c) => c.kind === kind) })).filter((s) => s.cases.length)
        : null;
      const byKind: TeamSample['byKind'] = {};
      const drawn: CaseRecord[] = [];
      if (strata) {
        const shares = allocate(
          wanted,
          strata.map((s) => s.cases.length),
        );
        strata.forEach((stratum, i) => {
          const picked = pick(stratum.cases, shares[i], streamFor(rule.seed, teamId, stratum.kind));
          byKind[stratum.kind] = { population: stratum.cases.length, drawn: picked.length };
          drawn.push(...picked);
        });
      } else {
        drawn.push(...pick(population, wanted, streamFor(rule.seed, teamId, 'all')));
        for (const c of population) {
          const entry = (byKind[c.kind] ??= { population: 0, drawn: 0 });
          entry.population++;
        }
        for (const c of drawn) byKind[c.kind]!.drawn++;
      }
      return { teamId, population: population.length, byKind, cases: drawn.map((c, i) => ({ ...c, position: i + 1 })) };
    });
}

function caseKey(teamId: number, reference: string) {
  return `${teamId}\u0000${reference.toLowerCase()}`;
}

/** A fixed order that depends on nothing but the references (not the locale, not the upload). */
function compareReferences(a: string, b: string) {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : a < b ? -1 : a > b ? 1 : 0;
}

/** `total` shared out in proportion to `sizes` (largest remainder; ties to the earlier), never more than a size. */
export function allocate(total: number, sizes: readonly number[]): number[] {
  const sum = sizes.reduce((a, b) => a + b, 0);
  if (!sum || total <= 0) return sizes.map(() => 0);
  const exact = sizes.map((n) => (total * n) / sum);
  const shares = exact.map((x, i) => Math.min(sizes[i], Math.floor(x)));
  let left = Math.min(total, sum) - shares.reduce((a, b) => a + b, 0);
  const order = exact.map((x, i) => ({ i, remainder: x - Math.floor(x) })).sort((a, b) => b.remainder - a.remainder || a.i - b.i);
  while (left > 0) {
    let given = false;
    for (const { i } of order) {
      if (left === 0) break;
      if (shares[i] < sizes[i]) {
        shares[i]++;
        left--;
        given = true;
      }
    }
    if (!given) break;
  }
  return shares;
}

/** `count` of `items` drawn without replacement (a partial Fisher–Yates shuffle), in the order drawn. */
function pick<T>(items: readonly T[], count: number, next: () => number): T[] {
  const pool = [...items];
  const n = Math.min(count, pool.length);
  for (let i = 0; i < n; i++) {
    const j = i + below(pool.length - i, next);
    [pool[i], pool[j]] = [pool[j], pool[i]];
  }
  return pool.slice(0, n);
}

/** A whole number in [0, n) from 32-bit draws, without modulo bias (rejection). */
function below(n: number, next: () => number): number {
  const limit = Math.floor(0x1_0000_0000 / n) * n;
  for (;;) {
    const x = next();
    if (x < limit) return x % n;
  }
}

/** A stream of 32-bit numbers for one team and stratum: sfc32 seeded from SHA-256 of the seed, team and stratum. */
function streamFor(seed: string, teamId: number, stratum: string): () => number {
  const digest = createHash('sha256').update(`stocktake-sample\u0000${seed}\u0000${teamId}\u0000${stratum}`).digest();
  let a = digest.readUInt32LE(0);
  let b = digest.readUInt32LE(4);
  let c = digest.readUInt32LE(8);
  let d = digest.readUInt32LE(12);
  const next = () => {
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) next(); // as sfc32 is meant to be started
  return next;
}
