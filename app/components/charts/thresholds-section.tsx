import { Link } from '@remix-run/react';
import type { ThresholdFigures } from '~/models/aggregation.server';
import { formatPercent } from '~/utils/format';
import { ChoiceBars } from './choice-bars';
import { ChoiceTable } from './question-figure';

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
    <div className="wide-table">
      <table className="figure-table">
        <caption>{caption}</caption>
        <thead>
          <tr>
            <th scope="col">{first}</th>
            {choices.map((c) => (
              <th key={c.value} scope="col" className="num">
                {c.text} ({Number(c.value) > 0 ? `+${c.value}` : c.value})
              </th>
            ))}
            <th scope="col" className="num">
              Teams
            </th>
            <th scope="col" className="num">
              Reporting a change
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((r) => {
            const changed = r.counts.reduce((n, count, i) => (Number(choices[i].value) !== 0 ? n + count : n), 0);
            return (
              <tr key={r.key}>
                <th scope="row">{r.label}</th>
                {r.counts.map((count, i) => (
                  <td key={choices[i].value} className="num">
                    {count}
                  </td>
                ))}
                <td className="num">{r.n}</td>
                <td className="num">
                  {changed} {r.n ? <span className="muted">({formatPercent(changed / r.n, 0)})</span> : null}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
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
          <div className="wide-table">
            <table className="figure-table">
              <caption className="visually-hidden">Teams reporting the largest changes</caption>
              <thead>
                <tr>
                  <th scope="col">Team</th>
                  <th scope="col">Area</th>
                  <th scope="col">Rating</th>
                  <th scope="col">Explanation</th>
                </tr>
              </thead>
              <tbody>
                {t.largest.map((l) => (
                  <tr key={l.teamId}>
                    <th scope="row">
                      {reportLinks.get(l.teamId) ? <Link to={`/review/responses/${reportLinks.get(l.teamId)}/report`}>{l.teamName}</Link> : l.teamName}
                    </th>
                    <td>{l.areaName}</td>
                    <td>
                      {l.label} ({l.value > 0 ? `+${l.value}` : l.value})
                    </td>
                    <td>{l.explanation ?? <span className="unanswered">No explanation given</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : (
        <p>No team reports a change.</p>
      )}

      <h3>Changed since the earlier phase</h3>
      {t.comparison ? (
        <>
          <p>
            Against <strong>{t.comparison.round.name}</strong>: {t.comparison.changes.length} of {t.comparison.compared} teams that answered in both rounds
            changed their rating.
            {compareLink ? (
              <>
                {' '}
                <Link to={compareLink}>Compare any question between the phases</Link>.
              </>
            ) : null}
          </p>
          {t.comparison.changes.length ? (
            <table className="figure-table">
              <caption className="visually-hidden">Teams whose rating changed</caption>
              <thead>
                <tr>
                  <th scope="col">Team</th>
                  <th scope="col">Area</th>
                  <th scope="col">Before</th>
                  <th scope="col">Now</th>
                </tr>
              </thead>
              <tbody>
                {t.comparison.changes.map((c) => (
                  <tr key={c.teamId}>
                    <th scope="row">{c.teamName}</th>
                    <td>{c.areaName}</td>
                    <td>
                      {c.beforeLabel} ({c.before > 0 ? `+${c.before}` : c.before})
                    </td>
                    <td>
                      {c.afterLabel} ({c.after > 0 ? `+${c.after}` : c.after}) {c.after > c.before ? '↑' : '↓'}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
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
