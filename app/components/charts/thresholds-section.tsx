import { Link } from '@remix-run/react';
import type { ThresholdFigures } from '~/models/aggregation.server';
import { formatPercent } from '~/utils/format';
import { FigureTable } from './figure-table';
import { ChoiceBars } from './choice-bars';
import { ChoiceTable } from './question-figure';
import { TeamReportLink } from './team-report-link';

type Row = ThresholdFigures['byArea'][number];

/** A rating with its sign, as the questionnaire shows it: +2, 0, -1. */
const signed = (value: number) => (value > 0 ? `+${value}` : String(value));

function DistributionTable({
  rows,
  choices,
  caption,
  first,
}: {
  rows: ThresholdFigures['byArea'];
  choices: ThresholdFigures['choices'];
  caption: string;
  first: string;
}) {
  return (
    <FigureTable
      wide
      caption={caption}
      columns={[
        { header: first, cell: (r) => r.label },
        ...choices.map((c, i) => ({
          key: c.value,
          header: `${c.text} (${Number(c.value) > 0 ? `+${c.value}` : c.value})`,
          num: true,
          cell: (r: Row) => r.counts[i],
        })),
        { header: 'Teams', num: true, cell: (r) => r.n },
        {
          header: 'Reporting a change',
          num: true,
          cell: (r) => {
            const changed = r.counts.reduce((n, count, i) => (Number(choices[i].value) !== 0 ? n + count : n), 0);
            return (
              <>
                {changed} {r.n ? <span className="muted">({formatPercent(changed / r.n, 0)})</span> : null}
              </>
            );
          },
        },
      ]}
      rows={rows}
      rowKey={(r) => r.key}
    />
  );
}

/** Thresholds: how teams rate the change in the level of concern at which they act, and who changed most. */
export function ThresholdsSection({ t, reportLinks, compareLink }: { t: ThresholdFigures; reportLinks: Map<number, number>; compareLink: string | null }) {
  const overallBars = t.choices.map((c, i) => ({
    value: c.value,
    label: c.text,
    count: t.overall.counts[i],
    share: t.overall.n ? t.overall.counts[i] / t.overall.n : 0,
  }));
  return (
    <section className="section" aria-labelledby="thresholds">
      <h2 id="thresholds">Changes in thresholds</h2>
      <p>
        {t.question.title} <code className="muted">{t.question.name}</code>
      </p>
      <p>
        <strong>
          {t.changed} of {t.overall.n} teams
        </strong>{' '}
        report a change.
      </p>
      <div className="figure-pair figure-pair--side">
        <figure className="chart">
          <figcaption>All teams in scope</figcaption>
          <ChoiceBars id="threshold-bars" bars={overallBars} respondents={t.overall.n} title={t.question.title} />
        </figure>
        <ChoiceTable choices={{ respondents: t.overall.n, counts: overallBars }} caption="All teams in scope" />
      </div>
      <DistributionTable rows={t.byArea} choices={t.choices} caption="By area" first="Area" />
      <DistributionTable rows={t.byTeamType} choices={t.choices} caption="By team type" first="Team type" />

      <h3>The largest changes, with the teams’ explanations</h3>
      {t.largest.length ? (
        <>
          {t.changed > t.largest.length ? (
            <p>
              The {t.largest.length} largest of {t.changed} changes.
            </p>
          ) : null}
          <FigureTable
            wide
            caption="Teams reporting the largest changes"
            hideCaption
            columns={[
              { header: 'Team', cell: (l) => <TeamReportLink teamId={l.teamId} teamName={l.teamName} reportLinks={reportLinks} /> },
              { header: 'Area', cell: (l) => l.areaName },
              { header: 'Rating', cell: (l) => `${l.label} (${signed(l.value)})` },
              { header: 'Explanation', cell: (l) => l.explanation ?? <span className="unanswered">No explanation given</span> },
            ]}
            rows={t.largest}
            rowKey={(l) => l.teamId}
          />
        </>
      ) : (
        <p>No team reports a change.</p>
      )}

      <h3>Changed since the earlier phase</h3>
      {t.comparison ? (
        <>
          <p>
            Against <strong>{t.comparison.round.name}</strong>: {t.comparison.changed} of {t.comparison.compared} teams that answered in both rounds changed
            their rating
            {t.comparison.changed > t.comparison.changes.length
              ? `; the ${t.comparison.changes.length} largest changes are listed (choose an area to see all of its teams)`
              : ''}
            .
            {compareLink ? (
              <>
                {' '}
                <Link to={compareLink}>Compare any question between the phases</Link>.
              </>
            ) : null}
          </p>
          {t.comparison.changes.length ? (
            <FigureTable
              caption="Teams whose rating changed"
              hideCaption
              columns={[
                { header: 'Team', cell: (c) => c.teamName },
                { header: 'Area', cell: (c) => c.areaName },
                { header: 'Before', cell: (c) => `${c.beforeLabel} (${signed(c.before)})` },
                { header: 'Now', cell: (c) => `${c.afterLabel} (${signed(c.after)}) ${c.after > c.before ? '↑' : '↓'}` },
              ]}
              rows={t.comparison.changes}
              rowKey={(c) => c.teamId}
            />
          ) : null}
        </>
      ) : (
        <p className="muted">
          This round does not follow an earlier round of the same questionnaire, so there is nothing to compare with (choose one on the phase comparison page).
        </p>
      )}
    </section>
  );
}
