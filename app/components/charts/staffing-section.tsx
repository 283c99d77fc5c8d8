import type { ReactNode } from 'react';
import { Link } from '@remix-run/react';
import type { StaffingFigures } from '~/models/aggregation.server';
import { formatNumber, formatPercent } from '~/utils/format';
import { type Column } from '../data-table';
import { FigureTable } from './figure-table';
import { DotPlot } from './dot-plot';
import { TeamReportLink } from './team-report-link';

type Team = StaffingFigures['highVacancyTeams'][number];
type Group = StaffingFigures['overall'];

/** What each section's table by area shows of an area: a page sends these figures of its areas (up to 150), not all of them. */
export const VACANCY_AREA_FIELDS = [
  'key',
  'label',
  'teams',
  'establishment',
  'vacant',
  'vacancyRate',
  'vacancyOrAgencyRate',
  'teamsAboveHighVacancy',
  'agencyShare',
] as const;
export const CASELOAD_AREA_FIELDS = [
  'key',
  'label',
  'teamsWithCaseload',
  'weightedCaseload',
  'meanCaseload',
  'medianCaseload',
  'teamsAverageAboveReference',
  'highestCaseload',
  'nqswProtectedYes',
  'nqswProtectedNo',
] as const;
type VacancyArea = Pick<Group, (typeof VACANCY_AREA_FIELDS)[number]>;
type CaseloadArea = Pick<Group, (typeof CASELOAD_AREA_FIELDS)[number]>;

/** The areas' rows with only the given figures. */
export function areaRows<F extends keyof Group>(groups: Group[], fields: readonly F[]): Pick<Group, F>[] {
  return groups.map((g) => Object.fromEntries(fields.map((f) => [f, g[f]])) as Pick<Group, F>);
}

/** The first two columns of every team table: the team (linked to its report) and its area. */
function teamColumns(reportLinks: Map<number, number>): Column<Team>[] {
  return [
    { header: 'Team', cell: (t) => <TeamReportLink teamId={t.teamId} teamName={t.teamName} reportLinks={reportLinks} /> },
    { header: 'Area', cell: (t) => t.areaName },
  ];
}

/**
 * Where an area's row leads: the same page for that area alone, which lists every one of its teams (the drill-down
 * from a national summary). Without areaLink (a scope of one area) the names are plain.
 */
export type AreaLink = ((areaKey: string) => string) | undefined;

function areaCell(areaLink: AreaLink) {
  return function AreaName(a: Pick<Group, 'key' | 'label'>) {
    return areaLink && a.key !== 'all' ? <Link to={areaLink(a.key)}>{a.label}</Link> : a.label;
  };
}

function vacancyAreaColumns(s: Pick<StaffingFigures, 'highVacancyRate'>, areaLink: AreaLink): Column<VacancyArea>[] {
  return [
    { header: 'Area', cell: areaCell(areaLink) },
    { header: 'Teams', num: true, cell: (a) => a.teams },
    { header: 'Establishment (FTE)', num: true, cell: (a) => formatNumber(a.establishment) },
    { header: 'Vacant (FTE)', num: true, cell: (a) => formatNumber(a.vacant) },
    { header: 'Vacancy rate', num: true, cell: (a) => formatPercent(a.vacancyRate) },
    { header: 'Vacant or agency-covered', num: true, cell: (a) => formatPercent(a.vacancyOrAgencyRate) },
    { header: <>Teams above {formatPercent(s.highVacancyRate, 0)}</>, num: true, cell: (a) => a.teamsAboveHighVacancy },
    { header: 'Agency share', num: true, cell: (a) => formatPercent(a.agencyShare) },
  ];
}

function caseloadAreaColumns(s: Pick<StaffingFigures, 'reference'>, areaLink: AreaLink): Column<CaseloadArea>[] {
  return [
    { header: 'Area', cell: areaCell(areaLink) },
    { header: 'Teams', num: true, cell: (a) => a.teamsWithCaseload },
    { header: 'Average per worker (weighted)', num: true, cell: (a) => formatNumber(a.weightedCaseload) },
    { header: 'Mean of team averages', num: true, cell: (a) => formatNumber(a.meanCaseload) },
    { header: 'Median team', num: true, cell: (a) => formatNumber(a.medianCaseload) },
    { header: <>Teams above {formatNumber(s.reference)}</>, num: true, cell: (a) => a.teamsAverageAboveReference },
    { header: 'Highest', num: true, cell: (a) => formatNumber(a.highestCaseload, 0) },
    {
      header: 'NQSW protected (yes / no)',
      num: true,
      cell: (a) => (
        <>
          {a.nqswProtectedYes} / {a.nqswProtectedNo}
        </>
      ),
    },
  ];
}

/** Vacancies and agency staff (the staffing topic's page). */
export function VacanciesSection({
  s,
  areas,
  reportLinks,
  areaLink,
}: {
  s: Omit<StaffingFigures, 'byArea'>;
  areas: VacancyArea[];
  reportLinks: Map<number, number>;
  areaLink?: AreaLink;
}) {
  const o = s.overall;
  return (
    <section className="section" aria-labelledby="vacancies">
      <h2 id="vacancies">Vacancies and agency staff</h2>
      <p>
        Vacancies are counted two ways. <strong>Vacancy rate</strong> = vacant FTE ÷ establishment FTE: posts covered by agency or locum staff count as filled.{' '}
        <strong>Vacant or agency-covered</strong> = (vacant + agency FTE) ÷ establishment FTE: posts without a permanent worker, agency cover counted as vacant.
        Both are summed over the teams that gave the figures (large teams weigh more). Agency share = agency FTE ÷ filled FTE (permanent + agency).
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
          <span className="label">Vacant or covered by agency staff</span>
          <span className="figure">{formatPercent(o.vacancyOrAgencyRate)}</span>
          <p>
            {formatNumber(o.vacantOrAgency)} of {formatNumber(o.establishmentWithAgency)} FTE qualified posts have no permanent worker.
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
      <FigureTable
        wide
        caption="By area"
        columns={vacancyAreaColumns(s, areaLink)}
        rows={[...areas, { ...o, label: 'All areas in scope', key: 'all' }]}
        rowKey={(a) => a.key}
      />
      <h3>Teams above {formatPercent(s.highVacancyRate, 0)} vacancy</h3>
      {s.highVacancyTeams.length < o.teamsAboveHighVacancy ? (
        <p>
          The {s.highVacancyTeams.length} highest vacancy rates of {o.teamsAboveHighVacancy} teams above {formatPercent(s.highVacancyRate, 0)}. Choose an area
          in the table above to see all of its teams, or download the export for every team.
        </p>
      ) : null}
      {s.highVacancyTeams.length ? (
        <FigureTable
          caption="Teams above the high vacancy rate"
          hideCaption
          columns={[
            ...teamColumns(reportLinks),
            { header: 'Establishment', num: true, cell: (t) => formatNumber(t.establishment) },
            { header: 'Vacant', num: true, cell: (t) => formatNumber(t.vacant) },
            { header: 'Vacancy rate', num: true, cell: (t) => formatPercent(t.vacancyRate), cellClassName: () => 'num num-strong' },
            { header: 'Vacant or agency-covered', num: true, cell: (t) => formatPercent(t.vacancyOrAgencyRate) },
            { header: 'Agency share', num: true, cell: (t) => formatPercent(t.agencyShare) },
          ]}
          rows={s.highVacancyTeams}
          rowKey={(t) => t.teamId}
        />
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
            <FigureTable
              caption="Every team’s staffing"
              hideCaption
              columns={[
                ...teamColumns(reportLinks),
                { header: 'Establishment', num: true, cell: (t) => formatNumber(t.establishment) },
                { header: 'Vacant', num: true, cell: (t) => formatNumber(t.vacant) },
                { header: 'Vacancy rate', num: true, cell: (t) => formatPercent(t.vacancyRate) },
                { header: 'Vacant or agency-covered', num: true, cell: (t) => formatPercent(t.vacancyOrAgencyRate) },
                { header: 'Agency (FTE)', num: true, cell: (t) => formatNumber(t.agency) },
                { header: 'Agency share', num: true, cell: (t) => formatPercent(t.agencyShare) },
              ]}
              rows={s.teams}
              rowKey={(t) => t.teamId}
            />
          </details>
        </>
      ) : null}
    </section>
  );
}

/** Caseloads against the reference, and newly qualified workers (the caseloads topic's page). */
export function CaseloadsSection({
  s,
  areas,
  reportLinks,
  referenceForm,
  areaLink,
}: {
  s: Omit<StaffingFigures, 'byArea'>;
  areas: CaseloadArea[];
  reportLinks: Map<number, number>;
  referenceForm: ReactNode;
  areaLink?: AreaLink;
}) {
  const o = s.overall;
  const withCaseloads = areas.filter((a) => a.medianCaseload !== null);
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
      {withCaseloads.length ? (
        <div className="figure-pair">
          <FigureTable
            wide
            caption="By area"
            columns={caseloadAreaColumns(s, areaLink)}
            rows={[...areas, { ...o, key: 'all', label: 'All areas in scope' }]}
            rowKey={(a) => a.key}
          />
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
      <FigureTable
        caption="Teams with the highest caseloads"
        hideCaption
        columns={[
          ...teamColumns(reportLinks),
          {
            header: 'Highest caseload',
            num: true,
            cell: (t) => formatNumber(t.highest, 0),
            cellClassName: (t) => `num${(t.highest ?? 0) > s.reference ? ' num-strong' : ''}`,
          },
          { header: 'Team average', num: true, cell: (t) => formatNumber(t.average) },
          { header: 'Newly qualified workers', num: true, cell: (t) => formatNumber(t.nqsw, 0) },
          {
            header: 'Their caseloads protected?',
            cell: (t) => (t.nqsw ? t.nqswProtected === null ? '–' : t.nqswProtected ? 'Yes' : <span className="bad">No</span> : '–'),
          },
        ]}
        rows={s.highestCaseloadTeams}
        rowKey={(t) => t.teamId}
      />
    </section>
  );
}
