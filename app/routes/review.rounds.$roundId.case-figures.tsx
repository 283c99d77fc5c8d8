import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, Link, useLoaderData } from '@remix-run/react';
import { getDb } from '../../db/index';
import {
  caseFigures,
  parseCaseFiguresQuery,
  selfAssessmentComparison,
  type CaseFigures,
  type CaseGroup,
  type SelfAssessmentComparison,
  type Standard,
  type StandardTally,
} from '~/models/case-figures.server';
import { CaseAuditNav } from '~/components/case-audit-nav';
import { ChoiceBars } from '~/components/charts/choice-bars';
import { FigureTable } from '~/components/charts/figure-table';
import { SelectField } from '~/components/select-field';
import { rethrowForPage } from '~/utils/errors.server';
import { formatDate, formatPercent } from '~/utils/format';
import { requireIdParam } from '~/utils/params.server';
import { requireUserWithPermission } from '~/utils/session.server';
import insightsCss from '~/styles/insights.css?url';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: insightsCss }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Case-file audit figures: ${data?.figures.round.name ?? 'round'} – Stocktake` }];

/** GET /review/rounds/{id}/case-figures — a case round's figures, with filters and one team's self-assessment beside its audits. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'aggregate:read');
  const roundId = requireIdParam(params, 'roundId', 'round');
  const url = new URL(request.url);
  const db = getDb();
  const load = async () => {
    const { filter, compare } = parseCaseFiguresQuery(url.searchParams);
    const figures = await caseFigures(db, user, roundId, filter);
    const comparison = compare === undefined ? null : await selfAssessmentComparison(db, user, roundId, compare);
    return { figures, comparison, search: url.search };
  };
  return load().catch(rethrowForPage);
}

/** The page's filters as a query string (`?area=…&kind=…`), for the CSV and for keeping them when a team is compared. */
function filterQuery(filter: CaseFigures['filter']): string {
  const params = new URLSearchParams();
  if (filter.areaId !== undefined) params.set('area', String(filter.areaId));
  if (filter.teamId !== undefined) params.set('team', String(filter.teamId));
  if (filter.kind !== undefined) params.set('kind', filter.kind);
  const text = params.toString();
  return text ? `?${text}` : '';
}

/** A share met with what it rests on ("67% (4 of 6)"); none counted is said in words, not only as a dash. */
function ShareMet({ tally }: { tally: StandardTally | null }) {
  if (!tally || tally.share === null) {
    return (
      <>
        <span aria-hidden="true">–</span>
        <span className="visually-hidden">no case counted</span>
      </>
    );
  }
  return (
    <>
      {formatPercent(tally.share, 0)} <span className="muted">({`${tally.met} of ${tally.counted}`})</span>
    </>
  );
}

/** Each standard's share met in each group of cases: a row per standard, a column per group. */
function BreakdownTable({ caption, standards, groups, wide = false }: { caption: string; standards: Standard[]; groups: CaseGroup[]; wide?: boolean }) {
  const rows = standards.map((standard, i) => ({ ...standard, cells: groups.map((g) => g.tallies[i]) }));
  return (
    <FigureTable
      wide={wide || groups.length > 4}
      caption={caption}
      columns={[
        { header: 'Standard', cell: (row) => row.title },
        ...groups.map((group, g) => ({
          key: `group-${group.key}`,
          header: (
            <>
              {group.label} <span className="muted">({group.audits === 1 ? '1 case' : `${group.audits} cases`})</span>
            </>
          ),
          num: true,
          cell: (row: (typeof rows)[number]) => <ShareMet tally={row.cells[g]} />,
        })),
      ]}
      rows={rows}
      rowKey={(row) => row.question}
    />
  );
}

function ScopeNote({ counts }: { counts: CaseFigures['counts'] }) {
  return (
    <div className="scope-note" role="note">
      <p>
        <strong>
          These figures count {counts.counted} completed {counts.counted === 1 ? 'audit' : 'audits'}
        </strong>{' '}
        (first audits that auditors have submitted, of the teams you review and within the filters). Where a reviewer moderated an answer, the moderated answer
        counts in place of the first auditor’s.
      </p>
      <p>
        Left out: {counts.waiting} {counts.waiting === 1 ? 'audit' : 'audits'} not yet submitted, and {counts.secondAudits} second{' '}
        {counts.secondAudits === 1 ? 'audit' : 'audits'} for moderation. Second audits are never counted: they check how far auditors agree; they are not more
        cases.
      </p>
    </div>
  );
}

function Filters({ figures, compare }: { figures: CaseFigures; compare: number | undefined }) {
  const { options, filter } = figures;
  return (
    <Form method="get" className="insights-filters" aria-label="Filter the figures">
      {compare !== undefined ? <input type="hidden" name="compare" value={compare} /> : null}
      <SelectField
        id="filter-area"
        name="area"
        label="Area"
        defaultValue={filter.areaId ?? ''}
        empty="All areas"
        options={options.areas.map((a) => ({ value: a.id, label: a.name }))}
      />
      <SelectField
        id="filter-team"
        name="team"
        label="Team"
        defaultValue={filter.teamId ?? ''}
        empty="All teams"
        options={options.teams.map((t) => ({ value: t.id, label: `${t.name} (${t.areaName})` }))}
      />
      <SelectField id="filter-kind" name="kind" label="Kind of case" defaultValue={filter.kind ?? ''} empty="All kinds of case" options={options.kinds} />
      <button type="submit" className="button">
        Apply
      </button>
    </Form>
  );
}

function StandardsFigure({ figures }: { figures: CaseFigures }) {
  const counted = figures.standards.filter((s) => s.overall.share !== null);
  return (
    // A standard is a long question, and there are many: the chart takes the width and its table follows it.
    <div className="figure-pair">
      <figure className="chart">
        <figcaption>Share of the cases each standard applies to that meet it (the count beside each bar is the cases meeting it)</figcaption>
        <ChoiceBars
          id="standards-met"
          title="Cases meeting each standard"
          bars={counted.map((s) => ({ value: s.question, label: s.title, count: s.overall.met, share: s.overall.share! }))}
          respondents={figures.counts.counted}
          unit="completed audits (each share is of the cases the standard applies to)"
        />
      </figure>
      <FigureTable
        caption="Cases per standard"
        columns={[
          { header: 'Standard', cell: (s) => s.title },
          { header: 'Share met (met of cases counted)', num: true, cell: (s) => <ShareMet tally={s.overall} /> },
          { header: 'Not applicable', num: true, cell: (s) => s.overall.notApplicable },
          { header: 'Not answered or not asked', num: true, cell: (s) => s.overall.unanswered },
        ]}
        rows={figures.standards}
        rowKey={(s) => s.question}
      />
    </div>
  );
}

function Exceptions({ exceptions }: { exceptions: CaseFigures['exceptions'] }) {
  if (!exceptions.length) return <p>Every case counted met every standard that applied to it.</p>;
  return (
    <FigureTable
      caption="Standards with cases not meeting them, the largest share not met first"
      columns={[
        { header: 'Standard', cell: (s) => s.title },
        { header: 'Topic', cell: (s) => s.topicTitle },
        { header: 'Cases not meeting it', num: true, cell: (s) => s.overall.notMet },
        { header: 'Of cases counted', num: true, cell: (s) => s.overall.counted },
        { header: 'Share not met', num: true, cell: (s) => formatPercent(s.shareNotMet, 0) },
      ]}
      rows={exceptions}
      rowKey={(s) => s.question}
    />
  );
}

function Grades({ grades }: { grades: NonNullable<CaseFigures['grades']> }) {
  const { overall, choices } = grades;
  const bars = choices.map((c, i) => ({
    value: c.value,
    label: c.text,
    count: overall.counts[i],
    share: overall.graded ? overall.counts[i] / overall.graded : 0,
  }));
  return (
    <>
      <p>{grades.title} Choices run from best to worst.</p>
      <div className="figure-pair figure-pair--side">
        <figure className="chart">
          <figcaption>Share of the graded cases given each grade</figcaption>
          <ChoiceBars id="grades" title="Grades given" bars={bars} respondents={overall.graded} unit="graded cases" />
        </figure>
        <FigureTable
          caption="Cases per grade"
          columns={[
            { header: 'Grade', cell: (b) => b.label },
            { header: 'Cases', num: true, cell: (b) => b.count },
            { header: 'Share of graded cases', num: true, cell: (b) => formatPercent(b.share, 0) },
          ]}
          rows={bars}
          rowKey={(b) => b.value}
          foot={
            <>
              <tr>
                <th scope="row">Graded</th>
                <td className="num">{overall.graded}</td>
                <td />
              </tr>
              <tr>
                <th scope="row">Not graded</th>
                <td className="num">{overall.ungraded}</td>
                <td />
              </tr>
            </>
          }
        />
      </div>
      <FigureTable
        wide
        caption="Cases per grade, by area (with the share of the area’s graded cases)"
        columns={[
          { header: 'Area', cell: (a: (typeof grades.byArea)[number]) => a.label },
          ...choices.map((c, i) => ({
            key: c.value,
            header: c.text,
            num: true,
            cell: (a: (typeof grades.byArea)[number]) =>
              `${a.grades.counts[i]} (${a.grades.graded ? formatPercent(a.grades.counts[i] / a.grades.graded, 0) : '–'})`,
          })),
          { key: 'ungraded', header: 'Not graded', num: true, cell: (a) => a.grades.ungraded },
        ]}
        rows={grades.byArea}
        rowKey={(a) => a.key}
      />
    </>
  );
}

function TeamPicker({ figures, compare }: { figures: CaseFigures; compare: number | undefined }) {
  const { filter } = figures;
  return (
    <Form method="get" className="insights-filters" aria-label="Compare a team’s audits with its self-assessment">
      {filter.areaId !== undefined ? <input type="hidden" name="area" value={filter.areaId} /> : null}
      {filter.teamId !== undefined ? <input type="hidden" name="team" value={filter.teamId} /> : null}
      {filter.kind !== undefined ? <input type="hidden" name="kind" value={filter.kind} /> : null}
      <SelectField
        id="compare-team"
        name="compare"
        label="Team"
        defaultValue={compare ?? ''}
        empty="Choose a team"
        options={figures.options.teams.map((t) => ({ value: t.id, label: `${t.name} (${t.areaName})` }))}
      />
      <button type="submit" className="button button--secondary">
        Compare
      </button>
    </Form>
  );
}

function Comparison({ comparison }: { comparison: SelfAssessmentComparison }) {
  const own = comparison.selfAssessment;
  return (
    <section aria-labelledby="comparison-title">
      <h3 id="comparison-title">
        {comparison.team.name} ({comparison.team.areaName})
      </h3>
      <p>
        {comparison.audits} completed {comparison.audits === 1 ? 'audit' : 'audits'} of the team’s cases in this round (all kinds of case), beside{' '}
        {own ? (
          <>
            its self-assessment in <Link to={`/review/responses/${own.responseId}/report`}>{own.roundName}</Link> ({own.questionnaire}, version {own.version}
            {own.submittedAt ? `, submitted ${formatDate(own.submittedAt)}` : ''}), its latest submitted return that asks about these topics.
          </>
        ) : (
          'no self-assessment: the team has no submitted return, in a round you can see, that asks about these topics.'
        )}
      </p>
      {comparison.topics.map((topic) => (
        <div key={topic.id} className="question">
          <h4>{topic.title}</h4>
          <p>
            The audits: <ShareMet tally={topic.audit} /> of the judgements on this topic’s {topic.standards.length}{' '}
            {topic.standards.length === 1 ? 'standard' : 'standards'} met.
          </p>
          <FigureTable
            caption={`${comparison.team.name}: cases meeting each standard on “${topic.title}”`}
            hideCaption
            columns={[
              { header: 'Standard', cell: (s) => s.title },
              { header: 'Share met', num: true, cell: (s) => <ShareMet tally={s.tally} /> },
            ]}
            rows={topic.standards}
            rowKey={(s) => s.question}
          />
          {own ? (
            topic.selfAssessment.length ? (
              <>
                <p>The team’s self-assessment on this topic:</p>
                <dl>
                  {topic.selfAssessment.map((answer) => (
                    <div key={answer.question}>
                      <dt>{answer.title}</dt>
                      {answer.lines.length ? answer.lines.map((line, i) => <dd key={i}>{line}</dd>) : <dd className="muted">Not answered</dd>}
                    </div>
                  ))}
                </dl>
              </>
            ) : (
              <p className="muted">The self-assessment asks nothing on this topic.</p>
            )
          ) : null}
        </div>
      ))}
    </section>
  );
}

export default function CaseFiguresPage() {
  const { figures, comparison, search } = useLoaderData<typeof loader>();
  const { round, breakdowns } = figures;
  const base = `/review/rounds/${round.id}`;
  const compare = comparison?.team.id;
  const filters = filterQuery(figures.filter);
  return (
    <>
      <CaseAuditNav round={round} current="figures" search={search} />
      <h1>Case-file audit figures: {round.name}</h1>
      <p className="muted">
        {round.questionnaire}, version {round.version}. Download the figures by team and standard as <a href={`${base}/case-figures.csv${filters}`}>CSV</a>.
      </p>
      <Filters figures={figures} compare={compare} />
      <ScopeNote counts={figures.counts} />

      <h2 id="standards">Cases meeting each standard</h2>
      <p>
        A standard’s share met is the cases whose answer meets it, out of the cases it applies to: a case answered “not applicable” is left out of the count,
        and so is a case where the question was not answered or not asked (the questionnaire hides a question that does not apply).
      </p>
      {figures.standards.some((s) => s.overall.share !== null) ? <StandardsFigure figures={figures} /> : <p>No completed audit answers any standard yet.</p>}

      <h2 id="exceptions">Exceptions</h2>
      <Exceptions exceptions={figures.exceptions} />

      {breakdowns.sources ? (
        <>
          <h2 id="sources">By the records the auditor read</h2>
          <p>
            Kent’s first review found that the electronic record (ICS) alone did not give a complete enough picture to rely on: compare the cases audited from
            the electronic record only with those audited from the full file. {breakdowns.sources.title}
          </p>
          <BreakdownTable caption="Share met by the records read" standards={figures.standards} groups={breakdowns.sources.groups} />
        </>
      ) : null}
      {breakdowns.recordLocation ? (
        <>
          <h2 id="record-location">By where the record was found</h2>
          <BreakdownTable
            caption={`Share met by the answer to “${breakdowns.recordLocation.title}”`}
            standards={figures.standards}
            groups={breakdowns.recordLocation.groups}
          />
        </>
      ) : null}

      {figures.grades ? (
        <>
          <h2 id="grades">Grades</h2>
          <Grades grades={figures.grades} />
        </>
      ) : null}

      <h2 id="by-area">By area</h2>
      <BreakdownTable caption="Share met by area" standards={figures.standards} groups={breakdowns.area} />
      <h2 id="by-kind">By kind of case</h2>
      <BreakdownTable caption="Share met by kind of case" standards={figures.standards} groups={breakdowns.kind} />
      <h2 id="by-team">By team</h2>
      <details className="more">
        <summary>Share met by team ({breakdowns.team.length} teams with completed audits)</summary>
        <BreakdownTable caption="Share met by team" standards={figures.standards} groups={breakdowns.team} wide />
      </details>

      <h2 id="self-assessment">A team’s audits beside its self-assessment</h2>
      <p>Choose a team to see, topic by topic, how its cases met the standards beside what the team said of itself in its latest self-assessment.</p>
      <TeamPicker figures={figures} compare={compare} />
      {comparison ? <Comparison comparison={comparison} /> : null}
    </>
  );
}
