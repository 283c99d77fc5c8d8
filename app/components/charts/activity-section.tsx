import { Form } from '@remix-run/react';
import { formatNumber, formatPercent } from '~/utils/format';
import { FigureTable } from './figure-table';
import { SelectField } from '../select-field';
import { monthLabel, SERIES_STYLES, SeriesChart, SeriesLegend } from './series-chart';

type Point = { period: string; value: number | null; teams: number };
type Assessment = { period: string; value: number | null; baseline: number | null; threshold: number | null; rise: number | null; spike: boolean };
export type ActivityGroupView = {
  key: string;
  label: string;
  area?: string;
  series: { key: string; title: string; points: Point[]; spikes: Assessment[] }[];
  joint: { period: string; series: string[] }[];
};
export type SpikeRow = {
  where: string;
  level: 'all' | 'area' | 'team';
  series: string;
  period: string;
  value: number;
  baseline: number;
  rise: number | null;
  threshold: number;
};

export type ActivityView = {
  question: { name: string; title: string };
  columns: { key: string; title: string }[];
  overall: ActivityGroupView;
  byArea: ActivityGroupView[] | null;
  team: ActivityGroupView | null;
  teams: { id: string; label: string; area: string }[] | null;
  spikes: SpikeRow[];
  joint: { where: string; level: 'all' | 'area' | 'team'; period: string; series: string[] }[];
  rule: string;
};

/** A month of the series, by its position in each series' points. */
type Month = { period: string; i: number };

function SeriesTable({ group, caption }: { group: ActivityGroupView; caption: string }) {
  const months: Month[] = group.series[0]?.points.map((p, i) => ({ period: p.period, i })) ?? [];
  const jointPeriods = new Set(group.joint.map((j) => j.period));
  return (
    <FigureTable
      wide
      caption={caption}
      columns={[
        {
          header: 'Month',
          cell: ({ period }) => (
            <>
              {monthLabel(period)}
              {jointPeriods.has(period) ? (
                <>
                  {' '}
                  <span className="spike-flag">joint spike</span>
                </>
              ) : null}
            </>
          ),
        },
        ...group.series.map((s) => ({
          key: s.key,
          header: s.title,
          num: true,
          cell: ({ i }: Month) => (
            <>
              {formatNumber(s.points[i]?.value, 0)}
              {s.spikes[i]?.spike ? (
                <>
                  {' '}
                  <span
                    className="spike-flag"
                    title={`Above ${formatNumber(s.spikes[i].threshold, 1)} (median of the six months before: ${formatNumber(s.spikes[i].baseline, 1)})`}
                  >
                    spike
                  </span>
                </>
              ) : null}
            </>
          ),
        })),
        { header: 'Teams reporting', num: true, cell: ({ i }) => Math.max(0, ...group.series.map((s) => s.points[i]?.teams ?? 0)) },
      ]}
      rows={months}
      rowKey={(m) => m.period}
      rowClassName={({ i }) => (group.series.some((s) => s.spikes[i]?.spike) ? 'is-spike' : undefined)}
    />
  );
}

/** Small multiples: a chart per activity series, each on its own scale, with a line per group (all teams, or areas). */
function SmallMultiples({
  lines,
  columns,
  joint,
  idPrefix,
  heading,
}: {
  lines: { key: string; label: string; group: ActivityGroupView }[];
  columns: { key: string; title: string }[];
  joint: { period: string }[];
  idPrefix: string;
  heading: string;
}) {
  return (
    <figure className="chart">
      <figcaption>
        <strong>{heading}</strong>
      </figcaption>
      <SeriesLegend series={lines.map((l) => ({ key: l.key, title: l.label }))} joint={joint.length > 0} />
      <div className="multiples">
        {columns.map((column) => {
          const series = lines.flatMap((l) => {
            const s = l.group.series.find((x) => x.key === column.key);
            return s ? [{ key: l.key, title: l.label, points: s.points, spikes: s.spikes }] : [];
          });
          return (
            <div key={column.key} className="multiple">
              <p className="multiple-title">{column.title}</p>
              <SeriesChart id={`${idPrefix}-${column.key}`} series={series} joint={joint} title={`${heading}: ${column.title}`} width={330} height={210} />
            </div>
          );
        })}
      </div>
    </figure>
  );
}

export function ActivitySection({ activity, selectedTeam, hidden }: { activity: ActivityView; selectedTeam: string | null; hidden: Record<string, string> }) {
  const titleOf = (key: string) => activity.columns.find((c) => c.key === key)?.title ?? key;
  return (
    <section className="section" aria-labelledby="activity">
      <h2 id="activity">{activity.question.title}: month by month</h2>
      <p className="rule">
        <strong>The spike rule.</strong> {activity.rule}
      </p>

      <SmallMultiples
        lines={[{ key: 'all', label: 'All teams in scope', group: activity.overall }]}
        columns={activity.columns}
        joint={activity.overall.joint}
        idPrefix="activity-all"
        heading="All teams in scope: totals per month"
      />
      <SeriesTable group={activity.overall} caption="All teams in scope: totals per month" />

      <h3 id="spikes">Spikes</h3>
      {activity.joint.length ? (
        <ul>
          {activity.joint.map((j) => (
            <li key={`${j.where}-${j.period}`}>
              <strong>
                {j.where}, {monthLabel(j.period)}:
              </strong>{' '}
              joint spike in {j.series.map(titleOf).join(', ').toLowerCase()}.
            </li>
          ))}
        </ul>
      ) : (
        <p>No month in which three or more series spike together.</p>
      )}
      {activity.spikes.length ? (
        <details className="more" open={activity.spikes.length <= 40}>
          <summary>Every spike ({activity.spikes.length})</summary>
          <FigureTable
            wide
            caption="Months above the spike threshold"
            columns={[
              { header: 'Where', cell: (s) => s.where },
              { header: 'Series', cell: (s) => titleOf(s.series) },
              { header: 'Month', cell: (s) => monthLabel(s.period) },
              { header: 'Value', num: true, cell: (s) => formatNumber(s.value, 0) },
              { header: 'Median of the 6 months before', num: true, cell: (s) => formatNumber(s.baseline, 1) },
              { header: 'Threshold', num: true, cell: (s) => formatNumber(s.threshold, 1) },
              { header: 'Rise', num: true, cell: (s) => (s.rise === null ? '–' : `+${formatPercent(s.rise, 0)}`) },
            ]}
            rows={activity.spikes}
            rowKey={(_, i) => i}
          />
        </details>
      ) : (
        <p>No month is a spike.</p>
      )}

      {activity.byArea?.length === 1 ? (
        // One area's series are the scope's, drawn above: not drawn twice.
        <p className="muted">The figures cover one area: its series are those above.</p>
      ) : activity.byArea ? (
        <>
          <h3>By area</h3>
          {activity.byArea.length <= SERIES_STYLES.length ? (
            <SmallMultiples
              lines={activity.byArea.map((area) => ({ key: area.key, label: area.label, group: area }))}
              columns={activity.columns}
              joint={[]}
              idPrefix="activity-area"
              heading="Totals per month, one line per area (joint spikes by area are listed under Spikes)"
            />
          ) : null}
          {activity.byArea.map((area) => (
            <details key={area.key} className="more">
              <summary>{area.label}: the figures</summary>
              <SeriesTable group={area} caption={`${area.label}: totals per month`} />
            </details>
          ))}
        </>
      ) : (
        <p className="muted">Per-area series are drawn when the figures cover 20 areas or fewer: choose an area above, or use the export.</p>
      )}

      {activity.teams ? (
        <>
          <h3 id="one-team">One team’s series</h3>
          <Form method="get" className="insights-filters no-print" preventScrollReset>
            {Object.entries(hidden).map(([name, value]) => (
              <input key={name} type="hidden" name={name} value={value} />
            ))}
            <SelectField
              id="activity-team"
              name="team"
              label="Team"
              defaultValue={selectedTeam ?? ''}
              empty="Choose a team"
              options={activity.teams.map((t) => ({ value: t.id, label: `${t.label} (${t.area})` }))}
            />
            <button type="submit" className="button button--secondary">
              Show the team
            </button>
          </Form>
          {activity.team ? (
            <>
              <SmallMultiples
                lines={[{ key: activity.team.key, label: activity.team.label, group: activity.team }]}
                columns={activity.columns}
                joint={activity.team.joint}
                idPrefix="activity-team"
                heading={`${activity.team.label}: per month`}
              />
              <SeriesTable group={activity.team} caption={`${activity.team.label}: per month`} />
            </>
          ) : null}
        </>
      ) : (
        <p className="muted">Each team’s own series can be drawn when the figures cover 150 teams or fewer: choose an area above.</p>
      )}
    </section>
  );
}
