import type { LinksFunction, LoaderFunctionArgs, MetaFunction } from '@remix-run/node';
import { Link, useLoaderData } from '@remix-run/react';
import { getDb } from '../../db/index';
import { teamReport, type ReportValue, type TeamReport } from '~/models/aggregation.server';
import { StatusTag } from '~/components/status-tag';
import { notFound } from '~/models/errors.server';
import { pageResponse } from '~/utils/errors.server';
import { requireIdParam } from '~/utils/params.server';
import { requireUserWithPermission } from '~/utils/session.server';
import { formatDate, formatDateTime, formatNumber } from '~/utils/format';
import insightsCss from '~/styles/insights.css?url';

export const links: LinksFunction = () => [{ rel: 'stylesheet', href: insightsCss }];
export const meta: MetaFunction<typeof loader> = ({ data }) => [
  { title: `${data?.report.team.name ?? 'Team'}: ${data?.report.round.name ?? ''} – report – Stocktake` },
];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireUserWithPermission(request, 'aggregate:read');
  const report = await teamReport(getDb(), user, requireIdParam(params, 'responseId', 'response'));
  if (!report) throw pageResponse(notFound('response'));
  return { report, generatedAt: new Date().toISOString() };
}

function Value({ value }: { value: ReportValue | null }) {
  if (!value) return <span className="unanswered">Not answered</span>;
  if (value.kind === 'number') return <strong>{formatNumber(value.value, 2)}</strong>;
  if (value.kind === 'choices') return <>{value.values.join('; ')}</>;
  return <>{value.value}</>;
}

/** A matrix cell: the team's number with the round's median under it. */
function CellValue({ value }: { value: ReportValue | null }) {
  if (!value) return <span className="unanswered">–</span>;
  if (value.kind !== 'number') return <Value value={value} />;
  return (
    <>
      <strong>{formatNumber(value.value, 2)}</strong>
      {value.median !== null ? <span className="median cell-median">median {formatNumber(value.median, 2)}</span> : null}
    </>
  );
}

type Question = TeamReport['pages'][number]['questions'][number];

/** Consecutive whole questions share one table; each matrix gets its own. */
function groupQuestions(questions: Question[]) {
  const groups: ({ kind: 'table'; questions: Question[] } | { kind: 'matrix'; question: Question })[] = [];
  for (const q of questions) {
    if (q.matrix) groups.push({ kind: 'matrix', question: q });
    else {
      const last = groups[groups.length - 1];
      if (last && last.kind === 'table') last.questions.push(q);
      else groups.push({ kind: 'table', questions: [q] });
    }
  }
  return groups;
}

export default function TeamReportPage() {
  const { report, generatedAt } = useLoaderData<typeof loader>();
  return (
    <article>
      <p className="breadcrumbs no-print">
        <Link to="/review">Review</Link> › <Link to={`/review/rounds/${report.round.id}`}>{report.round.name}</Link> ›{' '}
        <Link to={`/review/rounds/${report.round.id}/insights`}>Insights</Link>
      </p>
      <div className="report-header">
        <div>
          <h1>{report.team.name}</h1>
          <p>
            {report.questionnaire.title} (version {report.questionnaire.version}) · {report.round.name}
          </p>
        </div>
        <button type="button" className="button button--secondary no-print" onClick={() => window.print()}>
          Print this report
        </button>
      </div>
      <dl className="report-meta">
        <dt>Area</dt>
        <dd>{report.team.area}</dd>
        <dt>Team type</dt>
        <dd>{report.team.teamType}</dd>
        <dt>Status</dt>
        <dd>
          <StatusTag status={report.response.status} />
          {report.response.submittedAt ? ` on ${formatDateTime(report.response.submittedAt)}` : ''}
        </dd>
        <dt>Round due</dt>
        <dd>{formatDate(report.round.dueDate)}</dd>
        <dt>Medians</dt>
        <dd>
          Beside each number: the median of the round’s {report.medianOf} submitted responses that you can see, with how many teams answered (quartiles as in
          docs/aggregation.md).
        </dd>
      </dl>
      {report.pages.map((page) => (
        <section key={page.name} className="report-page" aria-labelledby={`page-${page.name}`}>
          <h2 id={`page-${page.name}`}>{page.title}</h2>
          {groupQuestions(page.questions).map((group, i) =>
            group.kind === 'matrix' ? (
              <div key={group.question.name} className="report-question">
                <p className="q-title">{group.question.title}</p>
                <div className="wide-table">
                  <table className="report-matrix">
                    <caption className="visually-hidden">{group.question.title}: the team’s answers, with the round’s medians</caption>
                    <thead>
                      <tr>
                        <th scope="col">
                          <span className="visually-hidden">Row</span>
                        </th>
                        {group.question.matrix!.columns.map((c) => (
                          <th key={c.key} scope="col">
                            {c.title}
                          </th>
                        ))}
                      </tr>
                    </thead>
                    <tbody>
                      {group.question.matrix!.rows.map((r) => (
                        <tr key={r.key}>
                          <th scope="row">{r.title}</th>
                          {group.question.matrix!.columns.map((c) => (
                            <td key={c.key}>
                              <CellValue value={r.cells[c.key] ?? null} />
                            </td>
                          ))}
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              </div>
            ) : (
              <table key={i} className="report-table">
                <thead>
                  <tr>
                    <th scope="col">Question</th>
                    <th scope="col">{report.team.name}</th>
                    <th scope="col" className="num">
                      Round median (teams)
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {group.questions.map((q) => (
                    <tr key={q.name}>
                      <th scope="row">{q.title}</th>
                      {q.value?.kind === 'number' ? (
                        <>
                          <td className="num">
                            <Value value={q.value} />
                          </td>
                          <td className="num median">{q.value.median === null ? '–' : `${formatNumber(q.value.median, 2)} (${q.value.n})`}</td>
                        </>
                      ) : (
                        <td colSpan={2}>
                          <Value value={q.value} />
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            ),
          )}
        </section>
      ))}
      <p className="muted">Report made by Stocktake on {formatDateTime(generatedAt)}.</p>
    </article>
  );
}
