import { Link } from '@remix-run/react';
import type { ReactNode } from 'react';
import type { StaffingFigures } from '~/models/aggregation.server';
import { formatNumber, formatPercent } from '~/utils/format';
import { DotPlot } from './dot-plot';

type Team = StaffingFigures['highVacancyTeams'][number];

function TeamName({ team, reportLinks }: { team: Team; reportLinks: Map<number, number> }) {
  const id = reportLinks.get(team.teamId);
  return id ? <Link to={`/review/responses/${id}/report`}>{team.teamName}</Link> : <>{team.teamName}</>;
}

/** Vacancies and agency staff (the staffing topic's page). */
export function VacanciesSection({ s, reportLinks }: { s: StaffingFigures; reportLinks: Map<number, number> }) {
  const o = s.overall;
  return (
    <section className="section" aria-labelledby="vacancies">
      <h2 id="vacancies">Vacancies and agency staff</h2>
      <p>
        Vacancy rate = vacant FTE ÷ establishment FTE, summed over the teams that gave both (large teams weigh more). Agency share = agency FTE ÷ filled FTE
        (permanent + agency).
      </p>
      <ul className="headline-cards">
        <li>
          <span className="label">Vacancy rate</span>
          <span className="figure">{formatPercent(o.vacancyRate)}</span>
          <p>
            {formatNumber(o.vacant)} of {formatNumber(o.establishment)} FTE qualified posts vacant.
          </p>
        </li>
        <li>
          <span className="label">Teams above {formatPercent(s.highVacancyRate, 0)} vacancy</span>
          <span className="figure">
            {o.teamsAboveHighVacancy} of {o.teams}
          </span>
        </li>
        <li>
          <span className="label">Agency share of filled posts</span>
          <span className="figure">{formatPercent(o.agencyShare)}</span>
          <p>
            {formatNumber(o.agency)} of {formatNumber(o.filled)} filled FTE.
          </p>
        </li>
      </ul>
      <div className="wide-table">
        <table className="figure-table">
          <caption>By area</caption>
          <thead>
            <tr>
              <th scope="col">Area</th>
              <th scope="col" className="num">
                Teams
              </th>
              <th scope="col" className="num">
                Establishment (FTE)
              </th>
              <th scope="col" className="num">
                Vacant (FTE)
              </th>
              <th scope="col" className="num">
                Vacancy rate
              </th>
              <th scope="col" className="num">
                Teams above {formatPercent(s.highVacancyRate, 0)}
              </th>
              <th scope="col" className="num">
                Agency share
              </th>
            </tr>
          </thead>
          <tbody>
            {[...s.byArea, { ...o, label: 'All areas in scope', key: 'all' }].map((a) => (
              <tr key={a.key}>
                <th scope="row">{a.label}</th>
                <td className="num">{a.teams}</td>
                <td className="num">{formatNumber(a.establishment)}</td>
                <td className="num">{formatNumber(a.vacant)}</td>
                <td className="num">{formatPercent(a.vacancyRate)}</td>
                <td className="num">{a.teamsAboveHighVacancy}</td>
                <td className="num">{formatPercent(a.agencyShare)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3>Teams above {formatPercent(s.highVacancyRate, 0)} vacancy</h3>
      {s.highVacancyTeams.length ? (
        <table className="figure-table">
          <caption className="visually-hidden">Teams above the high vacancy rate</caption>
          <thead>
            <tr>
              <th scope="col">Team</th>
              <th scope="col">Area</th>
              <th scope="col" className="num">
                Establishment
              </th>
              <th scope="col" className="num">
                Vacant
              </th>
              <th scope="col" className="num">
                Vacancy rate
              </th>
              <th scope="col" className="num">
                Agency share
              </th>
            </tr>
          </thead>
          <tbody>
            {s.highVacancyTeams.map((t) => (
              <tr key={t.teamId}>
                <th scope="row">
                  <TeamName team={t} reportLinks={reportLinks} />
                </th>
                <td>{t.areaName}</td>
                <td className="num">{formatNumber(t.establishment)}</td>
                <td className="num">{formatNumber(t.vacant)}</td>
                <td className="num num-strong">{formatPercent(t.vacancyRate)}</td>
                <td className="num">{formatPercent(t.agencyShare)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>None.</p>
      )}
      {s.teams ? (
        <>
          <figure className="chart">
            <figcaption>Each team’s vacancy rate in per cent, by area (dashed line: {formatPercent(s.highVacancyRate, 0)})</figcaption>
            <DotPlot
              dots={s.teams
                .filter((t) => t.vacancyRate !== null)
                .map((t) => ({ key: String(t.teamId), label: t.teamName, group: t.areaName, value: Math.round(t.vacancyRate! * 1000) / 10 }))}
              label="Vacancy rate (%)"
              median={null}
              reference={{ value: s.highVacancyRate * 100, label: `${formatPercent(s.highVacancyRate, 0)}` }}
            />
          </figure>
          <details className="more">
            <summary>Every team ({s.teams.length})</summary>
            <table className="figure-table">
              <caption className="visually-hidden">Every team’s staffing</caption>
              <thead>
                <tr>
                  <th scope="col">Team</th>
                  <th scope="col">Area</th>
                  <th scope="col" className="num">
                    Establishment
                  </th>
                  <th scope="col" className="num">
                    Vacant
                  </th>
                  <th scope="col" className="num">
                    Vacancy rate
                  </th>
                  <th scope="col" className="num">
                    Agency (FTE)
                  </th>
                  <th scope="col" className="num">
                    Agency share
                  </th>
                </tr>
              </thead>
              <tbody>
                {s.teams.map((t) => (
                  <tr key={t.teamId}>
                    <th scope="row">
                      <TeamName team={t} reportLinks={reportLinks} />
                    </th>
                    <td>{t.areaName}</td>
                    <td className="num">{formatNumber(t.establishment)}</td>
                    <td className="num">{formatNumber(t.vacant)}</td>
                    <td className="num">{formatPercent(t.vacancyRate)}</td>
                    <td className="num">{formatNumber(t.agency)}</td>
                    <td className="num">{formatPercent(t.agencyShare)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </details>
        </>
      ) : null}
    </section>
  );
}

/** Caseloads against the reference, and newly qualified workers (the caseloads topic's page). */
export function CaseloadsSection({ s, reportLinks, referenceForm }: { s: StaffingFigures; reportLinks: Map<number, number>; referenceForm: ReactNode }) {
  const o = s.overall;
  const areaRows = s.byArea.filter((a) => a.medianCaseload !== null);
  return (
    <section className="section" aria-labelledby="caseloads">
      <h2 id="caseloads">Caseloads against a reference of {formatNumber(s.reference)}</h2>
      <p>
        The reference is {formatNumber(s.reference)}: by default the caseload of the social worker in the Baby P case, which the Haringey review called high.
        Kent’s own estimate in January 2009 was an average of about {s.kentAverage} per qualified social worker. Change the reference here:
      </p>
      {referenceForm}
      <ul className="headline-cards">
        <li>
          <span className="label">Average caseload per case-holding worker</span>
          <span className="figure">{formatNumber(o.weightedCaseload)}</span>
          <p>Each team’s average weighted by its case-holding workers: the caseload of the average worker.</p>
        </li>
        <li>
          <span className="label">Teams averaging more than {formatNumber(s.reference)}</span>
          <span className="figure">
            {o.teamsAverageAboveReference} of {o.teamsWithCaseload}
          </span>
          <p>
            Mean of the teams’ averages {formatNumber(o.meanCaseload)}; median team {formatNumber(o.medianCaseload)}.
          </p>
        </li>
        <li>
          <span className="label">Highest caseload held by one worker</span>
          <span className="figure">{formatNumber(o.highestCaseload, 0)}</span>
          <p>
            Median of the teams’ highest caseloads {formatNumber(o.medianHighestCaseload)}; {o.teamsHighestAboveReference} teams have a worker above{' '}
            {formatNumber(s.reference)}.
          </p>
        </li>
        <li>
          <span className="label">Newly qualified workers’ caseloads</span>
          <span className="figure">{o.teamsWithNqsw} teams</span>
          <p>
            {formatNumber(o.nqsw, 0)} newly qualified workers. Protected in {o.nqswProtectedYes} teams, not in {o.nqswProtectedNo}. Their average caseload{' '}
            {formatNumber(o.nqswMeanCaseload)} against {formatNumber(o.meanCaseloadOfNqswTeams)} for their teams as a whole.
          </p>
        </li>
      </ul>
      {areaRows.length ? (
        <div className="figure-pair">
          <div className="wide-table">
            <table className="figure-table">
              <caption>By area</caption>
              <thead>
                <tr>
                  <th scope="col">Area</th>
                  <th scope="col" className="num">
                    Teams
                  </th>
                  <th scope="col" className="num">
                    Average per worker (weighted)
                  </th>
                  <th scope="col" className="num">
                    Mean of team averages
                  </th>
                  <th scope="col" className="num">
                    Median team
                  </th>
                  <th scope="col" className="num">
                    Teams above {formatNumber(s.reference)}
                  </th>
                  <th scope="col" className="num">
                    Highest
                  </th>
                  <th scope="col" className="num">
                    NQSW protected (yes / no)
                  </th>
                </tr>
              </thead>
              <tbody>
                {[...s.byArea, { ...o, key: 'all', label: 'All areas in scope' }].map((a) => (
                  <tr key={a.key}>
                    <th scope="row">{a.label}</th>
                    <td className="num">{a.teamsWithCaseload}</td>
                    <td className="num">{formatNumber(a.weightedCaseload)}</td>
                    <td className="num">{formatNumber(a.meanCaseload)}</td>
                    <td className="num">{formatNumber(a.medianCaseload)}</td>
                    <td className="num">{a.teamsAverageAboveReference}</td>
                    <td className="num">{formatNumber(a.highestCaseload, 0)}</td>
                    <td className="num">
                      {a.nqswProtectedYes} / {a.nqswProtectedNo}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </div>
      ) : null}
      {s.teams ? (
        <figure className="chart">
          <figcaption>Each team’s average caseload, by area (dashed line: the reference {formatNumber(s.reference)})</figcaption>
          <DotPlot
            dots={s.teams.filter((t) => t.average !== null).map((t) => ({ key: String(t.teamId), label: t.teamName, group: t.areaName, value: t.average! }))}
            label="Average caseload"
            median={o.medianCaseload}
            reference={{ value: s.reference, label: `reference ${formatNumber(s.reference)}` }}
          />
        </figure>
      ) : null}
      <h3>Teams with the highest caseloads</h3>
      <table className="figure-table">
        <caption className="visually-hidden">Teams with the highest caseloads</caption>
        <thead>
          <tr>
            <th scope="col">Team</th>
            <th scope="col">Area</th>
            <th scope="col" className="num">
              Highest caseload
            </th>
            <th scope="col" className="num">
              Team average
            </th>
            <th scope="col" className="num">
              Newly qualified workers
            </th>
            <th scope="col">Their caseloads protected?</th>
          </tr>
        </thead>
        <tbody>
          {s.highestCaseloadTeams.map((t) => (
            <tr key={t.teamId}>
              <th scope="row">
                <TeamName team={t} reportLinks={reportLinks} />
              </th>
              <td>{t.areaName}</td>
              <td className={`num${(t.highest ?? 0) > s.reference ? ' num-strong' : ''}`}>{formatNumber(t.highest, 0)}</td>
              <td className="num">{formatNumber(t.average)}</td>
              <td className="num">{formatNumber(t.nqsw, 0)}</td>
              <td>{t.nqsw ? t.nqswProtected === null ? '–' : t.nqswProtected ? 'Yes' : <span className="bad">No</span> : '–'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
