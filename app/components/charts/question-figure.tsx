import type { ChoiceFigures, NumericStats, QuestionFigures } from '~/models/aggregation.server';
import { TEAM_TYPE_LABELS, type TeamType } from '../../../db/schema';
import { formatNumber, formatPercent } from '~/utils/format';
import { FigureTable } from './figure-table';
import { BoxPlot } from './box-plot';
import { ChoiceBars } from './choice-bars';
import { DotPlot } from './dot-plot';
import { TeamReportLink } from './team-report-link';

const STATS: { key: keyof NumericStats; label: string }[] = [
  { key: 'n', label: 'Teams' },
  { key: 'sum', label: 'Sum' },
  { key: 'mean', label: 'Mean' },
  { key: 'min', label: 'Minimum' },
  { key: 'q1', label: 'Lower quartile' },
  { key: 'median', label: 'Median' },
  { key: 'q3', label: 'Upper quartile' },
  { key: 'max', label: 'Maximum' },
];

type StatsRow = { key: string; label: string } & NumericStats;

export function StatsTable({ rows, caption, firstHeader = 'Group' }: { rows: StatsRow[]; caption: string; firstHeader?: string }) {
  return (
    <FigureTable
      wide
      caption={caption}
      columns={[
        { header: firstHeader || <span className="visually-hidden">Group</span>, cell: (r) => r.label },
        ...STATS.map((stat) => ({ key: stat.key, header: stat.label, num: true, cell: (r: StatsRow) => formatNumber(r[stat.key], 2) })),
      ]}
      rows={rows}
      rowKey={(r) => r.key}
    />
  );
}

export function ChoiceTable({ choices, caption }: { choices: ChoiceFigures; caption: string }) {
  return (
    <FigureTable
      caption={caption}
      columns={[
        { header: 'Answer', cell: (c) => c.label },
        { header: 'Teams', num: true, cell: (c) => c.count },
        { header: 'Share', num: true, cell: (c) => formatPercent(c.share) },
      ]}
      rows={choices.counts}
      rowKey={(c) => c.value}
      foot={
        <tr>
          <th scope="row">Teams answering</th>
          <td className="num">{choices.respondents}</td>
          <td />
        </tr>
      }
    />
  );
}

function TextList({
  text,
  reportLinks,
}: {
  text: { total: number; answers: { teamId: number; teamName: string; areaName: string; text: string }[] };
  reportLinks?: Map<number, number>;
}) {
  if (!text.total) return <p className="unanswered">No written answers.</p>;
  return (
    <>
      {text.answers.length < text.total ? (
        <p>
          Showing {text.answers.length} of {text.total} answers (the first by team). Choose an area to see the rest, or download the export.
        </p>
      ) : null}
      <ul className="text-answers">
        {text.answers.map((a) => (
          <li key={a.teamId}>
            <span className="who">
              <TeamReportLink teamId={a.teamId} teamName={a.teamName} reportLinks={reportLinks} />
              <span className="muted"> · {a.areaName}</span>
            </span>
            {a.text}
          </li>
        ))}
      </ul>
    </>
  );
}

function NumericFigure({ q, reportLinks }: { q: Extract<QuestionFigures, { kind: 'numeric' }>; reportLinks?: Map<number, number> }) {
  if (!q.stats) return <p className="unanswered">No team in scope answered this question.</p>;
  const typeRows = q.byTeamType.map((g) => ({ ...g, label: TEAM_TYPE_LABELS[g.key as TeamType] ?? g.label }));
  return (
    <>
      {q.rating ? (
        <div className="figure-pair figure-pair--side">
          <figure className="chart">
            <figcaption>How many teams chose each rating</figcaption>
            <ChoiceBars id={`bars-${q.name}`} bars={q.rating.counts} respondents={q.rating.respondents} title={q.title} />
          </figure>
          <ChoiceTable choices={q.rating} caption="Ratings" />
        </div>
      ) : null}
      <StatsTable caption="Figures over the teams in scope" firstHeader="" rows={[{ key: 'all', label: 'All teams in scope', ...q.stats }]} />
      {q.teams ? (
        <div className="figure-pair figure-pair--side">
          <figure className="chart">
            <figcaption>Each team’s answer, by area (the line is the median)</figcaption>
            <DotPlot
              dots={q.teams.map((t) => ({ key: String(t.teamId), label: t.teamName, group: t.areaName, value: t.value }))}
              label={q.title}
              median={q.stats.median}
            />
          </figure>
          <details className="more">
            <summary>Each team’s answer ({q.teams.length})</summary>
            <FigureTable
              caption="Each team’s answer"
              hideCaption
              columns={[
                { header: 'Team', cell: (t) => <TeamReportLink teamId={t.teamId} teamName={t.teamName} reportLinks={reportLinks} /> },
                { header: 'Area', cell: (t) => t.areaName },
                { header: 'Answer', num: true, cell: (t) => formatNumber(t.value, 2) },
              ]}
              rows={q.teams}
              rowKey={(t) => t.teamId}
            />
          </details>
        </div>
      ) : null}
      {typeRows.length > 1 ? (
        <div className="figure-pair">
          <figure className="chart">
            <figcaption>By team type: box from lower to upper quartile, thick line at the median, whiskers to the lowest and highest</figcaption>
            <BoxPlot rows={typeRows} label={`${q.title}, by team type`} />
          </figure>
          <StatsTable caption="By team type" firstHeader="Team type" rows={typeRows} />
        </div>
      ) : null}
      {q.byArea.length > 1 ? (
        <details className="more">
          <summary>By area ({q.byArea.length})</summary>
          <StatsTable caption="By area" firstHeader="Area" rows={q.byArea} />
        </details>
      ) : null}
    </>
  );
}

type ChoiceRow = { key: string; title: string; choices: ChoiceFigures };

function MatrixFigure({ q, reportLinks }: { q: Extract<QuestionFigures, { kind: 'matrix' }>; reportLinks?: Map<number, number> }) {
  const { rows, columns, cells } = q.matrix;
  return (
    <>
      {columns.map((column) => {
        const columnTitle = column.title || 'Answer';
        if (column.kind === 'choice') {
          const choiceValues = column.choices ?? [];
          const choiceRows: ChoiceRow[] = rows.flatMap((row) => {
            const cell = cells[row.key]?.[column.key];
            return cell && cell.kind === 'choice' ? [{ key: row.key, title: row.title, choices: cell.choices }] : [];
          });
          return (
            <FigureTable
              key={column.key}
              wide
              caption={columns.length > 1 ? `${columnTitle}: teams per answer, row by row` : 'Teams per answer, row by row'}
              columns={[
                { header: 'Row', cell: (r) => r.title },
                ...choiceValues.map((c) => ({
                  key: c.value,
                  header: c.text,
                  num: true,
                  cell: (r: ChoiceRow) => {
                    const found = r.choices.counts.find((count) => count.value === c.value);
                    return (
                      <>
                        {found?.count ?? 0}
                        {r.choices.respondents ? <span className="muted"> ({formatPercent(found?.share ?? 0, 0)})</span> : null}
                      </>
                    );
                  },
                })),
                { header: 'Teams answering', num: true, cell: (r) => r.choices.respondents },
              ]}
              rows={choiceRows}
              rowKey={(r) => r.key}
            />
          );
        }
        if (column.kind === 'numeric') {
          const statRows = rows.flatMap((row) => {
            const cell = cells[row.key]?.[column.key];
            return cell && cell.kind === 'numeric' && cell.stats ? [{ key: row.key, label: row.title, ...cell.stats }] : [];
          });
          return (
            <details key={column.key} className="more" open={columns.length === 1}>
              <summary>
                {columnTitle}: figures row by row ({statRows.length} of {rows.length} rows answered)
              </summary>
              {statRows.length ? <StatsTable caption={columnTitle} firstHeader="Row" rows={statRows} /> : <p className="unanswered">No answers.</p>}
            </details>
          );
        }
        const answered = rows.filter((row) => {
          const cell = cells[row.key]?.[column.key];
          return cell && cell.kind === 'text' && cell.text.total > 0;
        });
        return (
          <details key={column.key} className="more">
            <summary>
              {columnTitle}: written answers (
              {answered.reduce((n, row) => n + ((cells[row.key][column.key] as { text: { total: number } }).text.total ?? 0), 0)})
            </summary>
            {answered.length ? (
              answered.map((row) => {
                const cell = cells[row.key][column.key];
                return cell.kind === 'text' ? (
                  <div key={row.key}>
                    <h4>{row.title}</h4>
                    <TextList text={cell.text} reportLinks={reportLinks} />
                  </div>
                ) : null;
              })
            ) : (
              <p className="unanswered">No written answers.</p>
            )}
          </details>
        );
      })}
    </>
  );
}

/** One question of a topic: its figures as charts with their tables, in the question's own terms. */
export function QuestionFigure({ q, reportLinks }: { q: QuestionFigures; reportLinks?: Map<number, number> }) {
  return (
    <section className="question" aria-labelledby={`q-${q.name}`}>
      <h3 id={`q-${q.name}`}>
        {q.title}
        <code className="question-name">{q.name}</code>
      </h3>
      <p className="answered">
        Answered by {q.answered} {q.answered === 1 ? 'team' : 'teams'}
        {q.kind === 'choice' && q.multiple ? '; teams could choose several answers, so shares can add up to more than 100%' : ''}.
      </p>
      {q.kind === 'numeric' ? <NumericFigure q={q} reportLinks={reportLinks} /> : null}
      {q.kind === 'choice' ? (
        q.answered ? (
          <div className="figure-pair figure-pair--side">
            <figure className="chart">
              <figcaption>Share of the teams answering that chose each answer</figcaption>
              <ChoiceBars id={`bars-${q.name}`} bars={q.choices.counts} respondents={q.choices.respondents} title={q.title} />
            </figure>
            <ChoiceTable choices={q.choices} caption="Teams per answer" />
          </div>
        ) : (
          <p className="unanswered">No team in scope answered this question.</p>
        )
      ) : null}
      {q.kind === 'text' ? <TextList text={q.text} reportLinks={reportLinks} /> : null}
      {q.kind === 'matrix' ? <MatrixFigure q={q} reportLinks={reportLinks} /> : null}
    </section>
  );
}
