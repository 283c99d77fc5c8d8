import { data, type LinksFunction, type LoaderFunctionArgs, type MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { z } from 'zod';
import { getDb } from '../../db/index';
import { TEAM_TYPE_LABELS } from '../../db/schema';
import { compareTeamAcrossRounds, requireReviewableTeam, type PhasesComparison } from '~/models/compare.server';
import { isDomainError } from '~/models/errors.server';
import { listTeamRounds } from '~/models/rounds.server';
import { rethrowForPage } from '~/utils/errors.server';
import { requireIdParam } from '~/utils/params.server';
import { requireUserWithPermission } from '~/utils/session.server';
import { formatDate, formatNumber } from '~/utils/format';
import reviewCss from '~/styles/review.css?url';
import { SelectField } from '~/components/select-field';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: reviewCss }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.team.name ?? 'Team'} across phases – Stocktake` }];

const PageQuery = z.object({
  round: z.array(z.string().regex(/^\d{1,9}$/, 'Choose rounds from the lists')).max(2),
  topic: z.string().max(100).optional(),
});

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'response:read-any');
  const teamId = requireIdParam(params, 'teamId', 'team');
  const db = getDb();
  const team = await requireReviewableTeam(db, user, teamId).catch(rethrowForPage);
  const rounds = await listTeamRounds(db, team.id);
  const url = new URL(request.url);
  const parsed = PageQuery.safeParse({ round: url.searchParams.getAll('round').filter(Boolean), topic: url.searchParams.get('topic') || undefined });
  const base = {
    team: { id: team.id, name: team.name, area: team.area_name, type: TEAM_TYPE_LABELS[team.team_type] },
    rounds: rounds.map((r) => ({
      id: r.id,
      name: r.name,
      questionnaire: r.questionnaire_title,
      slug: r.questionnaire_slug,
      version: r.version,
      responseId: r.response_id,
      dueDate: r.due_date,
    })),
  };
  if (!parsed.success)
    return data({ ...base, selected: [] as number[], topic: null, comparison: null, error: parsed.error.issues[0].message }, { status: 400 });
  let selected = parsed.data.round.map(Number);
  if (selected.length === 0) {
    // By default, the two latest rounds of the questionnaire of the team's latest round: the last two phases.
    const latest = rounds.at(-1);
    selected = latest
      ? rounds
          .filter((r) => r.questionnaire_slug === latest.questionnaire_slug)
          .slice(-2)
          .map((r) => r.id)
      : [];
  }
  if (selected.length < 2) {
    return { ...base, selected, topic: parsed.data.topic ?? null, comparison: null, error: null };
  }
  try {
    const comparison = await compareTeamAcrossRounds(db, user, team.id, selected, { topic: parsed.data.topic });
    return { ...base, selected: comparison.rounds.map((r) => r.id), topic: parsed.data.topic ?? null, comparison, error: null };
  } catch (error) {
    if (isDomainError(error, 404) || isDomainError(error, 422)) {
      return data({ ...base, selected, topic: parsed.data.topic ?? null, comparison: null, error: error.message }, { status: error.status });
    }
    throw error;
  }
}

type Row = PhasesComparison['rows'][number];

function Value({ side, kind }: { side: Row['before']; kind: Row['kind'] }) {
  if (!side.asked) return <span className="muted">Not asked in this version</span>;
  if (side.text === null) return <span className="empty-answer">No answer</span>;
  return <>{kind === 'numeric' && typeof side.value === 'number' ? formatNumber(side.value, 2) : side.text}</>;
}

function QuestionCell({ row }: { row: Row }) {
  return (
    <th scope="row">
      <span className="question-title">{row.title}</span>
      {row.row || row.column ? <span className="cell-path">{[row.row?.title, row.column?.title].filter(Boolean).join(' › ')}</span> : null}
      {row.before.asked && row.after.asked && row.before.question !== row.after.question ? (
        <span className="cell-path">
          Renamed from <code>{row.before.question}</code>
        </span>
      ) : null}
      {row.titleBefore ? <span className="cell-path">Earlier wording: “{row.titleBefore}”</span> : null}
    </th>
  );
}

function RowsTable({
  rows,
  caption,
  comparison,
  marker,
}: {
  rows: Row[];
  caption: string;
  comparison: PhasesComparison;
  marker?: (row: Row) => JSX.Element | null;
}) {
  const [before, after] = comparison.rounds;
  return (
    <div className="table-wrap">
      <table className="compare-table">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">Question</th>
            <th scope="col">
              {before.name} <span className="cell-path">version {before.questionnaireVersion}</span>
            </th>
            <th scope="col">
              {after.name} <span className="cell-path">version {after.questionnaireVersion}</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.key} className={row.status === 'changed' ? 'row--changed' : undefined}>
              <QuestionCell row={row} />
              <td className={row.status === 'changed' ? 'old-value' : undefined}>
                <Value side={row.before} kind={row.kind} />
              </td>
              <td>
                <Value side={row.after} kind={row.kind} />
                {marker?.(row)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export default function TeamAcrossPhases() {
  const { team, rounds, selected, topic, comparison, error } = useLoaderData<typeof loader>();
  const changed = comparison?.rows.filter((r) => r.status === 'changed') ?? [];
  const oneSided = comparison?.rows.filter((r) => (r.status === 'added' || r.status === 'removed') && (r.before.text !== null || r.after.text !== null)) ?? [];
  const oneSidedEmpty =
    comparison?.rows.filter((r) => (r.status === 'added' || r.status === 'removed') && r.before.text === null && r.after.text === null) ?? [];
  const unchanged = comparison?.rows.filter((r) => r.status === 'unchanged') ?? [];
  return (
    <>
      <p className="breadcrumbs">
        <Link to="/review">Review</Link> › {team.name} across phases
      </p>
      <h1>{team.name} across phases</h1>
      <p className="muted">
        {team.type} team, {team.area}
      </p>
      {rounds.length < 2 ? <p>This team has a response in {rounds.length === 1 ? 'one round only' : 'no round yet'}: there is nothing to compare.</p> : null}
      <form method="get" className="filters" aria-label="Choose the rounds to compare">
        {[0, 1].map((index) => (
          <SelectField
            key={index}
            id={`round-${index}`}
            name="round"
            label={index === 0 ? 'Earlier round' : 'Later round'}
            defaultValue={selected[index] ?? ''}
            empty="Choose a round"
            options={rounds.map((r) => ({ value: r.id, label: `${r.name} (${r.questionnaire}, version ${r.version})` }))}
          />
        ))}
        {comparison ? (
          <SelectField
            id="phase-topic"
            name="topic"
            label="Topic"
            defaultValue={topic ?? ''}
            empty="All topics"
            options={comparison.topics.map((t) => ({ value: t.id, label: t.title }))}
          />
        ) : null}
        <button type="submit" className="button">
          Compare
        </button>
      </form>
      {error ? (
        <div className="error-summary" role="alert">
          <h2>There is a problem</h2>
          <p>{error}</p>
        </div>
      ) : null}
      {comparison ? (
        <>
          <p>
            Answers are aligned through the questionnaire’s version mapping: a renamed question is one row, with its earlier name shown. Responses:{' '}
            {comparison.rounds.map((r, i) => (
              <span key={r.id}>
                {i ? ' and ' : ''}
                <Link to={`/review/responses/${r.responseId}`}>{r.name}</Link> ({r.status.replace('_', ' ')}
                {r.submittedAt ? `, submitted ${formatDate(r.submittedAt)}` : ''})
              </span>
            ))}
            .
          </p>
          <ul className="counts" aria-label="Summary">
            <li>
              <span className="figure">{comparison.counts.changed}</span> changed
            </li>
            <li>
              <span className="figure">{comparison.counts.unchanged}</span> unchanged
            </li>
            <li>
              <span className="figure">{comparison.counts.added}</span> new in the later version
            </li>
            <li>
              <span className="figure">{comparison.counts.removed}</span> no longer asked
            </li>
          </ul>
          <h2>Changed answers ({changed.length})</h2>
          {changed.length ? (
            <RowsTable
              rows={changed}
              comparison={comparison}
              caption="Answers that changed between the two rounds: earlier value, then later value"
              marker={() => <span className="marker marker--changed">Changed</span>}
            />
          ) : (
            <p>No answer changed.</p>
          )}
          <h2>Asked in one version only ({oneSided.length} answered)</h2>
          {oneSided.length ? (
            <RowsTable
              rows={oneSided}
              comparison={comparison}
              caption="Questions, rows and cells only one of the two versions asks, with an answer"
              marker={(row) =>
                row.status === 'added' ? <span className="marker marker--added">New</span> : <span className="marker marker--removed">No longer asked</span>
              }
            />
          ) : (
            <p>None answered.</p>
          )}
          {oneSidedEmpty.length ? (
            <details className="unchanged">
              <summary>Asked in one version only, not answered ({oneSidedEmpty.length})</summary>
              <RowsTable rows={oneSidedEmpty} comparison={comparison} caption="Questions, rows and cells only one version asks, without an answer" />
            </details>
          ) : null}
          <details className="unchanged">
            <summary>Unchanged answers ({unchanged.length})</summary>
            <RowsTable
              rows={unchanged}
              comparison={comparison}
              caption="Answers that are the same in both rounds (including questions left unanswered in both)"
            />
          </details>
          <p>
            <a
              href={`/api/v1/teams/${team.id}/compare?rounds=${comparison.rounds.map((r) => r.id).join(',')}${topic ? `&topic=${encodeURIComponent(topic)}` : ''}`}
            >
              The same comparison as JSON
            </a>
          </p>
        </>
      ) : null}
    </>
  );
}
