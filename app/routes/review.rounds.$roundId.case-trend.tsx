import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Form, useLoaderData } from '@remix-run/react';
import { CaseAuditNav } from '~/components/case-audit-nav';
import { getDb } from '../../db/index';
import { caseTrend, type CaseTrend, type StandardTally } from '~/models/case-figures.server';
import { ChoiceBars } from '~/components/charts/choice-bars';
import { FigureTable } from '~/components/charts/figure-table';
import { SelectField } from '~/components/select-field';
import { rethrowForPage } from '~/utils/errors.server';
import { formatPercent } from '~/utils/format';
import { requireIdParam } from '~/utils/params.server';
import { requireUserWithPermission } from '~/utils/session.server';
import insightsCss from '~/styles/insights.css?url';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: insightsCss }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Year on year: ${data?.trend.round.name ?? 'round'} – Stocktake` }];

/**
 * GET /review/rounds/{id}/case-trend — the round and the earlier case rounds it repeats, standard by standard and
 * grade by grade; `slice` picks all teams, an area (`area-{id}`) or a team type (`type-{type}`).
 */
export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'aggregate:read');
  const roundId = requireIdParam(params, 'roundId', 'round');
  const trend = await caseTrend(getDb(), user, roundId).catch(rethrowForPage);
  const slice = new URL(request.url).searchParams.get('slice') || 'all';
  if (!trend.slices.some((s) => s.key === slice)) throw new Response('slice: not an area or team type of these rounds that you review.', { status: 400 });
  return { trend, slice };
}

type Slice = CaseTrend['slices'][number];

function ShareMet({ tally }: { tally: StandardTally | null }) {
  if (!tally || tally.share === null) {
    return (
      <>
        <span aria-hidden="true">–</span>
        <span className="visually-hidden">{tally ? 'no case counted' : 'not asked in this round'}</span>
      </>
    );
  }
  return (
    <>
      {formatPercent(tally.share, 0)} <span className="muted">({`${tally.met} of ${tally.counted}`})</span>
    </>
  );
}

const roundHeader = (round: CaseTrend['rounds'][number]) => (
  <>
    {round.name} <span className="muted">({round.audits === 1 ? '1 case' : `${round.audits} cases`})</span>
  </>
);

function StandardsByRound({ trend, slice }: { trend: CaseTrend; slice: Slice }) {
  const rows = trend.standards.map((standard, i) => ({ ...standard, cells: slice.rounds.map((r) => r.standards[i]) }));
  const allRow = { key: 'all-standards', title: 'All standards together', cells: slice.rounds.map((r) => r.allStandards) };
  return (
    <FigureTable
      wide
      caption={`Share of cases meeting each standard, round by round: ${slice.label}`}
      columns={[
        { header: 'Standard', cell: (row: (typeof rows)[number] | typeof allRow) => row.title },
        ...trend.rounds.map((round, r) => ({
          key: `round-${round.id}`,
          header: roundHeader({ ...round, audits: slice.rounds[r].audits }),
          num: true,
          cell: (row: (typeof rows)[number] | typeof allRow) => <ShareMet tally={row.cells[r]} />,
        })),
      ]}
      rows={[...rows, allRow]}
      rowKey={(row) => row.key}
    />
  );
}

function GradesByRound({ trend, slice }: { trend: CaseTrend; slice: Slice }) {
  const rows = trend.rounds.map((round, r) => ({ ...round, grades: slice.rounds[r].grades }));
  return (
    <FigureTable
      wide
      caption={`Cases per grade, round by round (with the share of the round’s graded cases): ${slice.label}`}
      columns={[
        { header: 'Round', cell: (row: (typeof rows)[number]) => row.name },
        ...trend.grades.map((grade, g) => ({
          key: grade.value,
          header: grade.text,
          num: true,
          cell: (row: (typeof rows)[number]) =>
            row.grades ? `${row.grades.counts[g]} (${row.grades.graded ? formatPercent(row.grades.counts[g] / row.grades.graded, 0) : '–'})` : '–',
        })),
        { key: 'ungraded', header: 'Not graded', num: true, cell: (row) => row.grades?.ungraded ?? '–' },
      ]}
      rows={rows}
      rowKey={(row) => row.id}
    />
  );
}

/** Every slice's share of all standards together, round by round: the areas and team types side by side. */
function SlicesByRound({ trend }: { trend: CaseTrend }) {
  return (
    <FigureTable
      wide
      caption="Share of all the standards’ judgements met, by area and team type, round by round"
      columns={[
        { header: 'Teams', cell: (slice: Slice) => (slice.kind === 'teamType' ? `${slice.label} teams` : slice.label) },
        ...trend.rounds.map((round, r) => ({
          key: `round-${round.id}`,
          header: round.name,
          num: true,
          cell: (slice: Slice) => <ShareMet tally={slice.rounds[r].allStandards} />,
        })),
      ]}
      rows={trend.slices}
      rowKey={(slice) => slice.key}
    />
  );
}

export default function CaseTrendPage() {
  const { trend, slice: sliceKey } = useLoaderData<typeof loader>();
  const { round, rounds } = trend;
  const slice = trend.slices.find((s) => s.key === sliceKey) ?? trend.slices[0];
  const bars = rounds.map((r, i) => ({
    value: String(r.id),
    label: r.name,
    count: slice.rounds[i].allStandards.met,
    share: slice.rounds[i].allStandards.share ?? 0,
  }));
  return (
    <>
      <CaseAuditNav round={round} current="trend" />
      <h1>Year on year: {round.name}</h1>
      <p>
        {rounds.length === 1
          ? 'This round follows no earlier case-file audit that you can see, so there is one year to show.'
          : `This round and the ${rounds.length === 2 ? 'earlier round' : `${rounds.length - 1} earlier rounds`} it repeats, oldest first.`}{' '}
        Each year audits newly sampled cases. Only completed first audits count, with moderated answers in place of the first auditor’s; second audits never
        count.
      </p>
      <Form method="get" className="insights-filters" aria-label="Choose the teams">
        <SelectField
          id="trend-slice"
          name="slice"
          label="Teams"
          defaultValue={slice.key}
          options={trend.slices.map((s) => ({ value: s.key, label: s.kind === 'all' ? s.label : `${s.kind === 'area' ? 'Area' : 'Team type'}: ${s.label}` }))}
        />
        <button type="submit" className="button">
          Show
        </button>
      </Form>

      <h2 id="standards">Cases meeting each standard</h2>
      <div className="figure-pair figure-pair--side">
        <figure className="chart">
          <figcaption>Share of all the standards’ judgements met, round by round ({slice.label})</figcaption>
          <ChoiceBars id="trend-all-standards" title="All standards together, round by round" bars={bars} respondents={rounds.length} unit="rounds" />
        </figure>
        <p>
          “All standards together” adds up every case’s judgement against every standard that applied to it: the cases meeting a standard, out of the cases each
          standard applied to. A dash means no case was counted, or that round’s questionnaire did not ask the standard.
        </p>
      </div>
      <StandardsByRound trend={trend} slice={slice} />

      {trend.grades.length ? (
        <>
          <h2 id="grades">Grades</h2>
          <GradesByRound trend={trend} slice={slice} />
        </>
      ) : null}

      <h2 id="by-area-and-type">By area and team type</h2>
      <p>Choose an area or a team type above to see its standards and grades round by round.</p>
      <SlicesByRound trend={trend} />
    </>
  );
}
