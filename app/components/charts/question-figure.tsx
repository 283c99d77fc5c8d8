import { LazyDetails } from '~/components/lazy-details';
import type { ChoiceFigures, NumericStats, QuestionFigures, TextFigures } from '~/models/aggregation.server';
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

/** A table of number figures; `counted` names what n counts (teams, or rows of a dynamic question). */
export function StatsTable({ rows, caption, firstHeader = 'Group', counted }: { rows: StatsRow[]; caption: string; firstHeader?: string; counted?: string }) {
  return (
    <FigureTable
      wide
      caption={caption}
      columns={[
        { header: firstHeader || <span className="visually-hidden">Group</span>, cell: (r) => r.label },
        ...STATS.map((stat) => ({
          key: stat.key,
          header: stat.key === 'n' && counted ? counted : stat.label,
          num: true,
          cell: (r: StatsRow) => formatNumber(r[stat.key], 2),
        })),
      ]}
      rows={rows}
      rowKey={(r) => r.key}
    />
  );
}

/** A choice's label as the pages show it: a value a respondent typed is marked so. */
function choiceLabel(c: { label: string; typed?: boolean }): string {
  return c.typed ? `Typed: ${c.label}` : c.label;
}

/** The bars of a choice chart, typed values marked as in the table. */
function bars(choices: ChoiceFigures) {
  return choices.counts.map((c) => ({ ...c, label: choiceLabel(c) }));
}

/** What the rows of a choice table count: teams (one answer each), or the rows or panels of a dynamic question. */
export function ChoiceTable({ choices, caption, counted = 'Teams' }: { choices: ChoiceFigures; caption: string; counted?: string }) {
  const table = (
    <FigureTable
      caption={caption}
      columns={[
        { header: 'Answer', cell: (c) => choiceLabel(c) },
        { header: counted, num: true, cell: (c) => c.count },
        { header: 'Share', num: true, cell: (c) => formatPercent(c.share) },
      ]}
      rows={choices.counts}
      rowKey={(c) => `${c.typed ? 'typed' : 'listed'}:${c.value}`}
      foot={
        <tr>
          <th scope="row">{counted} answering</th>
          <td className="num">{choices.respondents}</td>
          <td />
        </tr>
      }
    />
  );
  if (!choices.counts.some((c) => c.typed)) return table;
  return (
    <div>
      {table}
      <p className="muted">“Typed:” answers are not among the listed choices: respondents typed them.</p>
      {choices.typedLeftOut ? (
        <p className="muted">
          And {choices.typedLeftOut.values} more values typed by respondents ({choices.typedLeftOut.answers} answers), not listed here; the export has them all.
        </p>
      ) : null}
    </div>
  );
}

/** A choice question's (or field's) chart of shares with its table beside it. */
function ChoiceFigure({ id, choices, title, counted = 'Teams' }: { id: string; choices: ChoiceFigures; title: string; counted?: string }) {
  return (
    <div className="figure-pair figure-pair--side">
      <figure className="chart">
        <figcaption>Share of the {counted.toLowerCase()} answering that chose each answer</figcaption>
        <ChoiceBars id={id} bars={bars(choices)} respondents={choices.respondents} title={title} unit={counted.toLowerCase()} />
      </figure>
      <ChoiceTable choices={choices} caption={`${counted} per answer`} counted={counted} />
    </div>
  );
}

function TextList({ text, reportLinks, unit = 'row' }: { text: TextFigures; reportLinks?: Map<number, number>; unit?: string }) {
  if (!text.total) return <p className="unanswered">No written answers.</p>;
  return (
    <>
      {text.answers.length < text.total ? (
        <p>
          Showing {text.answers.length} of {text.total} answers (the first by team). Choose an area to see the rest, or download the export.
        </p>
      ) : null}
      <ul className="text-answers">
        {text.answers.map((a, i) => (
          <li key={`${a.teamId}-${i}`}>
            <span className="who">
              <TeamReportLink teamId={a.teamId} teamName={a.teamName} reportLinks={reportLinks} />
              <span className="muted">{` · ${a.areaName}${a.row !== undefined ? ` · ${unit} ${a.row}` : ''}`}</span>
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
            <ChoiceBars id={`bars-${q.name}`} bars={bars(q.rating)} respondents={q.rating.respondents} title={q.title} />
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
          {/* Made when opened: up to 150 rows a question, a dozen questions a topic. */}
          <LazyDetails className="more" summary={`Each team’s answer (${q.teams.length})`}>
            {() => (
              <FigureTable
                caption="Each team’s answer"
                hideCaption
                columns={[
                  { header: 'Team', cell: (t) => <TeamReportLink teamId={t.teamId} teamName={t.teamName} reportLinks={reportLinks} /> },
                  // An area's page names its area once, above, not on every row.
                  ...(new Set(q.teams!.map((t) => t.areaName)).size > 1
                    ? [{ header: 'Area', cell: (t: NonNullable<typeof q.teams>[number]) => t.areaName }]
                    : []),
                  { header: 'Answer', num: true, cell: (t) => formatNumber(t.value, 2) },
                ]}
                rows={q.teams!}
                rowKey={(t) => t.teamId}
              />
            )}
          </LazyDetails>
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

type ChoiceRow = { key: string; title: string; choices: ChoiceFigures; other?: TextFigures };

/** Texts written with "Other" in a matrix column, row by row. */
function MatrixOtherTexts({ title, rows, reportLinks }: { title: string; rows: ChoiceRow[]; reportLinks?: Map<number, number> }) {
  const written = rows.filter((r) => r.other?.total);
  return (
    <>
      <h4>{title}: written with “Other”</h4>
      {written.length ? (
        written.map((r) => (
          <div key={r.key}>
            <p className="row-title">{r.title}</p>
            <TextList text={r.other!} reportLinks={reportLinks} />
          </div>
        ))
      ) : (
        <p className="unanswered">No written answers.</p>
      )}
    </>
  );
}

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
            return cell && cell.kind === 'choice'
              ? [{ key: row.key, title: row.title, choices: cell.choices, ...(cell.other ? { other: cell.other } : {}) }]
              : [];
          });
          const typed = choiceRows.some((r) => r.choices.counts.some((c) => c.typed));
          const table = (
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
                ...(typed
                  ? [
                      {
                        key: 'typed',
                        header: 'Typed by respondents',
                        cell: (r: ChoiceRow) =>
                          r.choices.counts
                            .filter((c) => c.typed)
                            .map((c) => `${c.label} (${c.count})`)
                            .join('; ') + (r.choices.typedLeftOut ? `; and ${r.choices.typedLeftOut.values} more` : ''),
                      },
                    ]
                  : []),
                { header: 'Teams answering', num: true, cell: (r) => r.choices.respondents },
              ]}
              rows={choiceRows}
              rowKey={(r) => r.key}
            />
          );
          if (!choiceRows.some((r) => r.other)) return table;
          return (
            <div key={column.key}>
              {table}
              <MatrixOtherTexts title={columnTitle} rows={choiceRows} reportLinks={reportLinks} />
            </div>
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

/** A ranking: each item's rank over the teams (1 is first), items in order of their mean rank. */
function RankingFigure({ q }: { q: Extract<QuestionFigures, { kind: 'ranking' }> }) {
  const ranked = q.items
    .filter((i) => i.stats)
    .map((i) => ({ key: i.key, label: i.title, ...i.stats! }))
    .sort((a, b) => a.mean - b.mean || a.median - b.median);
  if (!ranked.length) return <p className="unanswered">No team in scope ranked these items.</p>;
  const unranked = q.items.filter((i) => !i.stats);
  const rank = (value: number) => formatNumber(value, 2);
  return (
    <>
      <p>1 is the first place: a lower rank is a higher priority. Items in order of their mean rank.</p>
      <div className="figure-pair">
        <figure className="chart">
          <figcaption>Rank of each item: box from lower to upper quartile, thick line at the median, whiskers to the best and worst rank given</figcaption>
          <BoxPlot rows={ranked} label={`${q.title}: rank of each item, 1 is first`} />
        </figure>
        <FigureTable
          wide
          caption="Rank of each item (1 is first; lower is higher priority)"
          columns={[
            { header: 'Item', cell: (r) => `Rank of ${r.label}` },
            { header: 'Teams ranking it', num: true, cell: (r) => r.n },
            { header: 'Mean rank', num: true, cell: (r) => rank(r.mean) },
            { header: 'Median rank', num: true, cell: (r) => rank(r.median) },
            { header: 'Lower quartile', num: true, cell: (r) => rank(r.q1) },
            { header: 'Upper quartile', num: true, cell: (r) => rank(r.q3) },
            { header: 'Best rank', num: true, cell: (r) => rank(r.min) },
            { header: 'Worst rank', num: true, cell: (r) => rank(r.max) },
          ]}
          rows={ranked}
          rowKey={(r) => r.key}
        />
      </div>
      {unranked.length ? <p className="muted">Not ranked by any team in scope: {unranked.map((i) => i.title).join('; ')}.</p> : null}
    </>
  );
}

const capital = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);

/**
 * Dynamic rows or panels: how many each team gave, each number field's total per team (and over every row), each
 * choice field's counts across all rows, and the written answers with their row.
 */
function DynamicFigure({ q, reportLinks }: { q: Extract<QuestionFigures, { kind: 'dynamic' }>; reportLinks?: Map<number, number> }) {
  const { unit, count, fields } = q.dynamic;
  const one = unit === 'rows' ? 'row' : 'panel';
  const Unit = capital(unit);
  const teamsInScope = count.distribution.reduce((n, d) => n + d.teams, 0);
  const numbers = fields.filter((f) => f.kind === 'numeric');
  const perTeam = numbers.flatMap((f) => (f.perTeam ? [{ key: f.key, label: f.title, ...f.perTeam }] : []));
  const perRow = numbers.flatMap((f) => (f.perRow ? [{ key: f.key, label: f.title, ...f.perRow }] : []));
  return (
    <>
      <h4>
        {Unit} per team <span className="muted">(teams with none count as 0)</span>
      </h4>
      {teamsInScope ? (
        <div className="figure-pair figure-pair--side">
          <figure className="chart">
            <figcaption>Share of the teams in scope that gave each number of {unit}</figcaption>
            <ChoiceBars
              id={`count-${q.name}`}
              bars={count.distribution.map((d) => ({ value: String(d.rows), label: `${d.rows} ${d.rows === 1 ? one : unit}`, count: d.teams, share: d.share }))}
              respondents={teamsInScope}
              title={`${q.title}: ${unit} per team`}
            />
          </figure>
          <FigureTable
            caption={`Teams by number of ${unit}`}
            columns={[
              { header: Unit, cell: (d) => d.rows },
              { header: 'Teams', num: true, cell: (d) => d.teams },
              { header: 'Share', num: true, cell: (d) => formatPercent(d.share) },
            ]}
            rows={count.distribution}
            rowKey={(d) => d.rows}
          />
        </div>
      ) : (
        <p className="unanswered">No team in scope.</p>
      )}
      {count.stats ? (
        <StatsTable caption="Figures over the teams in scope" firstHeader="" rows={[{ key: 'count', label: `${Unit} per team`, ...count.stats }]} />
      ) : null}
      {numbers.length ? (
        <>
          <h4>Number fields</h4>
          {perTeam.length ? (
            <>
              <StatsTable caption={`Each team’s total across its ${unit}`} firstHeader="Field" rows={perTeam} />
              <StatsTable caption={`Each ${one} on its own`} firstHeader="Field" counted={Unit} rows={perRow} />
            </>
          ) : (
            <p className="unanswered">No numbers given.</p>
          )}
        </>
      ) : null}
      {fields.map((f, i) => {
        if (f.kind === 'numeric') return null;
        if (f.kind === 'text')
          return (
            <div key={f.key}>
              <h4>{f.title}</h4>
              <TextList text={f.text!} reportLinks={reportLinks} unit={one} />
            </div>
          );
        const choices = f.choiceFigures!;
        return (
          <div key={f.key}>
            <h4>{f.title}</h4>
            <p className="answered">
              Answered in {choices.respondents} {choices.respondents === 1 ? one : unit} of {choices.teams} {choices.teams === 1 ? 'team' : 'teams'}
              {f.multiple ? `; several answers could be chosen in a ${one}, so shares can add up to more than 100%` : ''}.
            </p>
            {choices.respondents ? <ChoiceFigure id={`bars-${q.name}-${i}`} choices={choices} title={f.title} counted={Unit} /> : null}
            {f.otherTexts ? (
              <>
                <h5>Written with “Other”</h5>
                <TextList text={f.otherTexts} reportLinks={reportLinks} unit={one} />
              </>
            ) : null}
          </div>
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
          <ChoiceFigure id={`bars-${q.name}`} choices={q.choices} title={q.title} />
        ) : (
          <p className="unanswered">No team in scope answered this question.</p>
        )
      ) : null}
      {q.kind === 'text' ? <TextList text={q.text} reportLinks={reportLinks} /> : null}
      {q.kind === 'matrix' ? <MatrixFigure q={q} reportLinks={reportLinks} /> : null}
      {q.kind === 'ranking' ? <RankingFigure q={q} /> : null}
      {q.kind === 'dynamic' ? <DynamicFigure q={q} reportLinks={reportLinks} /> : null}
      {q.otherTexts ? (
        <>
          <h4>Written with “Other”</h4>
          <TextList text={q.otherTexts} reportLinks={reportLinks} />
        </>
      ) : null}
      {q.comments ? (
        <>
          <h4>Comments</h4>
          <TextList text={q.comments} reportLinks={reportLinks} />
        </>
      ) : null}
    </section>
  );
}
