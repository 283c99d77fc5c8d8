import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { allocate, CASE_KINDS, drawSample, parseCaseList, sampleSize, type CaseRecord, type SampleRule } from '../app/models/case-sampling.server';

// Case-file audits (issue 12): reading a reviewer's case list and drawing the sample from it. Pure functions: no
// database is involved until the sample is stored.

const teams = [
  { id: 11, name: 'Ashford Duty and Initial Assessment', slug: 'ashford-duty' },
  { id: 12, name: 'Dover Child Protection', slug: 'dover-cp' },
];
const today = '2009-02-16';

describe('reading a case list', () => {
  it('reads every case, naming teams by name or short name, kinds in the usual words, dates in either order', () => {
    const csv = [
      '\uFEFFTeam,Case reference,Kind of case,Allocated worker,Date opened',
      'ashford-duty,CS-0001,Child protection plan,Worker A,2008-11-03',
      'Dover Child Protection,"CS-0002",LAC,,16/01/2009',
      'DOVER-CP,CS-0003,cin,Worker C,',
    ].join('\r\n');
    expect(parseCaseList(csv, { teams, today })).toEqual({
      ok: true,
      cases: [
        { teamId: 11, reference: 'CS-0001', kind: 'child-protection-plan', worker: 'Worker A', openedOn: '2008-11-03' },
        { teamId: 12, reference: 'CS-0002', kind: 'looked-after', worker: null, openedOn: '2009-01-16' },
        { teamId: 12, reference: 'CS-0003', kind: 'child-in-need', worker: 'Worker C', openedOn: null },
      ],
      lines: [2, 3, 4],
    });
  });

  it('names every bad line and what is wrong with it, and returns no case at all', () => {
    const csv = [
      'team,case_reference,kind',
      'ashford-duty,CS-0001,cp', // line 2: fine
      'Folkestone Duty,CS-0002,cp', // 3
      'ashford-duty,,cp', // 4
      'ashford-duty,CS-0005,emergency', // 5
      'ashford-duty,cs-0001,other', // 6: the same case as line 2 (references ignore case)
      'dover-cp,CS-0001,other', // 7: another team's CS-0001 is another case
    ].join('\n');
    const withDates = 'team,reference,kind,date opened\nashford-duty,CS-9,cp,31/02/2009\nashford-duty,CS-10,cp,2009-03-01\n';
    expect(parseCaseList(csv, { teams, today })).toEqual({
      ok: false,
      errors: [
        { line: 3, message: '"Folkestone Duty" is not a team of this round.' },
        { line: 4, message: 'The case reference is missing.' },
        { line: 5, message: '"emergency" is not a kind of case (child protection plan, looked after, child in need or other).' },
        { line: 6, message: 'Case cs-0001 of this team is already on line 2.' },
      ],
    });
    expect(parseCaseList(`team,reference,kind\nashford-duty,CS\u00071,cp\nashford-duty,${'X'.repeat(41)},cp\n`, { teams, today })).toEqual({
      ok: false,
      errors: [
        { line: 2, message: 'The case reference holds a control character.' },
        { line: 3, message: 'The case reference is longer than 40 characters.' },
      ],
    });
    expect(parseCaseList(withDates, { teams, today })).toEqual({
      ok: false,
      errors: [
        { line: 2, message: '"31/02/2009" is not a date (write 2009-02-16 or 16/02/2009).' },
        { line: 3, message: 'The date opened, 2009-03-01, is in the future.' },
      ],
    });
  });

  it('numbers lines as an editor does, counting blank lines and line breaks inside quotes', () => {
    const csv = 'team,reference,kind,worker\n\nashford-duty,CS-1,cp,"Worker A\n(acting)"\n\nashford-duty,CS-2,unknown,\n';
    expect(parseCaseList(csv, { teams, today })).toEqual({
      ok: false,
      errors: [{ line: 6, message: '"unknown" is not a kind of case (child protection plan, looked after, child in need or other).' }],
    });
  });

  it('refuses a file without the columns it needs, an empty one, and one that is not CSV', () => {
    expect(parseCaseList('team,worker\nashford-duty,A\n', { teams, today })).toEqual({
      ok: false,
      errors: [{ line: 1, message: 'The header line lacks "case reference", "kind of case".' }],
    });
    expect(parseCaseList('', { teams, today })).toMatchObject({ ok: false, errors: [{ line: 1 }] });
    expect(parseCaseList('team,reference,kind\n', { teams, today })).toEqual({
      ok: false,
      errors: [{ line: 2, message: 'The file has a header line but no cases.' }],
    });
    const broken = parseCaseList('team,reference,kind\nashford-duty,"CS-1,cp\n', { teams, today });
    expect(broken.ok).toBe(false);
    expect(!broken.ok && broken.errors[0].message).toMatch(/^This is not readable CSV/);
  });

  it("reads one team's list without a team column, and refuses another team's line in it", () => {
    expect(parseCaseList('reference,kind\nCS-1,other\n', { teams, today, onlyTeamId: 12 })).toEqual({
      ok: true,
      cases: [{ teamId: 12, reference: 'CS-1', kind: 'other', worker: null, openedOn: null }],
      lines: [2],
    });
    expect(parseCaseList('team,reference,kind\nashford-duty,CS-1,other\n', { teams, today, onlyTeamId: 12 })).toEqual({
      ok: false,
      errors: [{ line: 2, message: '"ashford-duty" is not the team this list is for.' }],
    });
  });
});

/** Cases of a team: `counts` of each kind, in CASE_KINDS order, with references R-<team>-<n>. */
function casesOf(teamId: number, counts: number[]): CaseRecord[] {
  let n = 0;
  return counts.flatMap((count, k) =>
    Array.from({ length: count }, () => ({
      teamId,
      reference: `R-${teamId}-${String(++n).padStart(3, '0')}`,
      kind: CASE_KINDS[k],
      worker: null,
      openedOn: null,
    })),
  );
}

const references = (sample: ReturnType<typeof drawSample>) => sample.map((t) => ({ team: t.teamId, cases: t.cases.map((c) => c.reference) }));

describe('drawing the sample', () => {
  const population = [...casesOf(11, [10, 6, 20, 4]), ...casesOf(12, [3, 0, 9, 0])];
  const rule: SampleRule = { seed: 'kent-2009-case-audit-1', size: { count: 6 }, stratifyByKind: false };

  it('is the same for the same seed, rule and cases, whatever order they were uploaded in, and another for another seed', () => {
    const first = drawSample(population, rule);
    expect(drawSample([...population].reverse(), rule)).toEqual(first);
    expect(first.map((t) => t.cases.length)).toEqual([6, 6]);
    expect(references(drawSample(population, { ...rule, seed: 'kent-2009-case-audit-2' }))).not.toEqual(references(first));
  });

  it("does not change a team's sample when another team or another team's case is added", () => {
    const alone = drawSample(casesOf(11, [10, 6, 20, 4]), rule);
    const withOthers = drawSample([...population, ...casesOf(13, [5, 5, 5, 5])], rule);
    expect(withOthers.find((t) => t.teamId === 11)).toEqual(alone[0]);
  });

  it('draws each kind of case in proportion when stratified, and records how many of each it drew from', () => {
    const [ashford, dover] = drawSample(population, { ...rule, size: { count: 8 }, stratifyByKind: true });
    // Ashford: 40 cases, 10/6/20/4 of each kind; 8 shared 2/1.2/4/0.8 → 2, 1, 4 and the remainder to the largest fraction.
    expect(ashford.byKind).toEqual({
      'child-protection-plan': { population: 10, drawn: 2 },
      'looked-after': { population: 6, drawn: 1 },
      'child-in-need': { population: 20, drawn: 4 },
      other: { population: 4, drawn: 1 },
    });
    expect(ashford.cases.filter((c) => c.kind === 'child-in-need')).toHaveLength(4);
    expect(dover.byKind).toEqual({ 'child-protection-plan': { population: 3, drawn: 2 }, 'child-in-need': { population: 9, drawn: 6 } });
  });

  it('takes a share of each team (at least one case of a team that has any) or all when the team has fewer', () => {
    expect(sampleSize({ share: 0.1 }, 5)).toBe(1);
    expect(sampleSize({ share: 0.1 }, 44)).toBe(4);
    expect(sampleSize({ share: 0.1 }, 0)).toBe(0);
    expect(sampleSize({ count: 6 }, 4)).toBe(4);
    expect(drawSample(population, { ...rule, size: { share: 0.25 } }).map((t) => t.cases.length)).toEqual([10, 3]);
  });

  it('shares a number out in proportion by the largest remainder, never beyond a group', () => {
    expect(allocate(3, [5, 3, 2])).toEqual([1, 1, 1]);
    expect(allocate(10, [2, 100])).toEqual([0, 10]);
    expect(allocate(7, [1, 1, 1])).toEqual([1, 1, 1]);
    expect(allocate(0, [4, 4])).toEqual([0, 0]);
  });

  it('never draws a case twice, nor one already sampled, and draws only from the cases given (property)', () => {
    const kinds = fc.array(fc.nat(12), { minLength: 4, maxLength: 4 });
    fc.assert(
      fc.property(
        fc.array(kinds, { minLength: 1, maxLength: 4 }),
        fc.string(),
        fc.oneof(fc.record({ count: fc.integer({ min: 1, max: 30 }) }), fc.record({ share: fc.double({ min: 0.01, max: 1, noNaN: true }) })),
        fc.boolean(),
        fc.nat(10),
        (teamCounts, seed, size, stratifyByKind, setAside) => {
          const cases = teamCounts.flatMap((counts, i) => casesOf(100 + i, counts));
          const already = cases.filter((_, i) => i % 7 === 0).slice(0, setAside);
          const sample = drawSample(cases, { seed, size, stratifyByKind }, already);
          const drawn = sample.flatMap((t) => t.cases.map((c) => `${c.teamId}/${c.reference}`));
          expect(new Set(drawn).size).toBe(drawn.length);
          for (const c of already) expect(drawn).not.toContain(`${c.teamId}/${c.reference}`);
          const given = new Set(cases.map((c) => `${c.teamId}/${c.reference}`));
          for (const key of drawn) expect(given.has(key)).toBe(true);
          for (const team of sample) expect(team.cases).toHaveLength(sampleSize(size, team.population));
        },
      ),
      { numRuns: 300 },
    );
  });
});
