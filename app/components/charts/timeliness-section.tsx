import type { TimelinessFigures } from '~/models/aggregation.server';
import { formatNumber, formatPercent } from '~/utils/format';
import { FigureTable } from './figure-table';

type Measure = TimelinessFigures['measures'][number];
type Area = NonNullable<TimelinessFigures['byArea']>[number];

/** "9 of 10" under a rate, so the reader sees what it rests on. */
const ofCounts = (within: number, completed: number) => `${formatNumber(within, 0)} of ${formatNumber(completed, 0)}`;

/**
 * Timeliness weighted by the work done (the topic of the counts matrix): for each measure, the share of the work
 * completed within the timescale over all the teams' counts, beside the plain mean of the teams' own rates.
 */
export function TimelinessSection({ t }: { t: TimelinessFigures }) {
  return (
    <section className="section" aria-labelledby="timeliness-weighted">
      <h2 id="timeliness-weighted">Work completed within the timescale</h2>
      <p>
        Each rate is the work completed within the timescale ÷ the work completed, added up over the teams that gave both counts (“{t.columns.within}” and “
        {t.columns.completed}”), so a team that completed 90 assessments weighs nine times one that completed 10. Teams that did not give both counts
        {t.columns.notRecorded ? ', or said the work is not recorded,' : ''} are left out. The mean of the teams’ own rates is shown for comparison: it counts a
        team that completed 10 as much as one that completed 90.
      </p>
      <FigureTable
        wide
        caption={`${t.question.title}: all teams in scope`}
        columns={[
          { header: 'Measure', cell: (m: Measure) => m.title },
          { header: 'Teams counted', num: true, cell: (m) => m.teams },
          { header: 'Completed', num: true, cell: (m) => formatNumber(m.completed, 0) },
          { header: 'Within the timescale', num: true, cell: (m) => formatNumber(m.within, 0) },
          { header: 'Rate (weighted by the work)', num: true, cell: (m) => formatPercent(m.rate), cellClassName: () => 'num num-strong' },
          { header: 'Mean of the teams’ rates', num: true, cell: (m) => formatPercent(m.meanOfTeamRates) },
          ...(t.columns.notRecorded ? [{ header: 'Teams not recording it', num: true, cell: (m: Measure) => m.notRecorded }] : []),
        ]}
        rows={t.measures}
        rowKey={(m) => m.key}
      />
      {t.byArea && t.byArea.length > 1 ? (
        <FigureTable
          wide
          caption="Rate weighted by the work, by area (within the timescale ÷ completed)"
          columns={[
            { header: 'Area', cell: (a: Area) => a.label },
            ...t.measures.map((m) => ({
              key: m.key,
              header: m.title,
              num: true,
              cell: (a: Area) => {
                const c = a.measures[m.key];
                return c && c.completed > 0 ? (
                  <>
                    {formatPercent(c.rate)}
                    <br />
                    <span className="muted">{ofCounts(c.within, c.completed)}</span>
                  </>
                ) : (
                  '–'
                );
              },
            })),
          ]}
          rows={t.byArea}
          rowKey={(a) => a.key}
        />
      ) : null}
    </section>
  );
}
