import { CartesianGrid, Line, LineChart, XAxis, YAxis } from 'recharts';
import { formatNumber } from '~/utils/format';
import { FigureTable } from './figure-table';
import { Marker, monthLabel, SERIES_STYLES } from './series-chart';

/**
 * The months to draw: every month from the first to the last given, those without a row counted as 0 (a line shows
 * quiet months too), as long as they span at most `maxMonths`; over a longer span (years with nothing between), only
 * the months given, and `filled` says so.
 */
export function everyMonth<K extends string>(
  rows: Array<{ month: string } & Record<K, number>>,
  keys: readonly K[],
  maxMonths = 48,
): { rows: Array<{ month: string } & Record<K, number>>; filled: boolean } {
  const sorted = [...rows].sort((a, b) => a.month.localeCompare(b.month));
  if (!sorted.length) return { rows: [], filled: true };
  const index = (month: string) => {
    const [year, m] = month.split('-').map(Number);
    return year * 12 + (m - 1);
  };
  const first = index(sorted[0].month);
  const span = index(sorted[sorted.length - 1].month) - first + 1;
  if (span > maxMonths) return { rows: sorted, filled: false };
  const byMonth = new Map(sorted.map((r) => [r.month, r]));
  const out: Array<{ month: string } & Record<K, number>> = [];
  for (let i = first; i < first + span; i++) {
    const month = `${Math.floor(i / 12)}-${String((i % 12) + 1).padStart(2, '0')}`;
    out.push(byMonth.get(month) ?? ({ month, ...Object.fromEntries(keys.map((k) => [k, 0])) } as { month: string } & Record<K, number>));
  }
  return { rows: out, filled: true };
}

/** Whole-number ticks from 0 (counts have no halves). */
function countTicks(max: number): number[] {
  const step = [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000].find((s) => s * 4 >= max) ?? Math.ceil(max / 4);
  const ticks = [];
  for (let t = 0; t < max + step; t += step) ticks.push(t);
  return ticks.length > 1 ? ticks : [0, step];
}

/**
 * Monthly counts as lines (Recharts, fixed size: it renders on the server without measuring), each series with its own
 * dash pattern and marker so they differ without colour, a legend as a list, and the same figures in a table beside
 * the chart (below it on narrow screens). The chart's text alternative says what it shows and points to the table.
 */
export function MonthlyCountsFigure<K extends string>({
  id,
  title,
  rows,
  series,
  width = 520,
  height = 240,
}: {
  id: string;
  title: string;
  rows: Array<{ month: string } & Record<K, number>>;
  series: Array<{ key: K; title: string }>;
  width?: number;
  height?: number;
}) {
  const data = rows.map((r) => ({ ...r, label: monthLabel(r.month) }));
  const max = Math.max(1, ...rows.flatMap((r) => series.map((s) => r[s.key])));
  const ticks = countTicks(max);
  const totals = series.map((s) => `${s.title.toLowerCase()} ${rows.reduce((n, r) => n + r[s.key], 0)}`);
  const summary = rows.length
    ? `${title}, ${monthLabel(rows[0].month)} to ${monthLabel(rows[rows.length - 1].month)}: ${totals.join(', ')} in all. The figures are in the table.`
    : `${title}: none.`;
  return (
    <div className="figure-pair figure-pair--side">
      <figure className="chart">
        <figcaption>{title}</figcaption>
        <ul className="legend" aria-label="Key">
          {series.map((s, i) => {
            const style = SERIES_STYLES[i % SERIES_STYLES.length];
            return (
              <li key={s.key}>
                <svg width={34} height={14} aria-hidden="true">
                  <line x1={1} x2={33} y1={7} y2={7} stroke={style.color} strokeWidth={2.5} strokeDasharray={style.dash} />
                  <Marker shape={style.marker} x={17} y={7} color={style.color} />
                </svg>
                {s.title}
              </li>
            );
          })}
        </ul>
        <div role="img" aria-label={summary}>
          <LineChart id={id} width={width} height={height} data={data} margin={{ top: 12, right: 14, bottom: 4, left: 0 }}>
            <CartesianGrid stroke="#d8dadc" vertical={false} />
            <XAxis dataKey="label" interval={data.length > 12 ? Math.ceil(data.length / 12) - 1 : 0} fontSize={11} stroke="#4a4f54" tickMargin={4} />
            <YAxis
              fontSize={11}
              stroke="#4a4f54"
              width={40}
              domain={[0, ticks[ticks.length - 1]]}
              ticks={ticks}
              allowDecimals={false}
              tickFormatter={(v: number) => formatNumber(v, 0)}
            />
            {series.map((s, i) => {
              const style = SERIES_STYLES[i % SERIES_STYLES.length];
              return (
                <Line
                  key={s.key}
                  dataKey={s.key}
                  name={s.title}
                  stroke={style.color}
                  strokeWidth={2.5}
                  strokeDasharray={style.dash}
                  isAnimationActive={false}
                  dot={(props: { cx?: number; cy?: number; index?: number }) =>
                    props.cx === undefined || props.cy === undefined ? (
                      <g key={`${s.key}-${props.index}`} />
                    ) : (
                      <g key={`${s.key}-${props.index}`}>
                        <Marker shape={style.marker} x={props.cx} y={props.cy} color={style.color} size={3.5} />
                      </g>
                    )
                  }
                />
              );
            })}
          </LineChart>
        </div>
      </figure>
      <FigureTable
        caption={`${title}: the figures`}
        columns={[
          { header: 'Month', cell: (r: { month: string } & Record<K, number>) => monthLabel(r.month) },
          ...series.map((s) => ({ key: s.key, header: s.title, num: true, cell: (r: { month: string } & Record<K, number>) => formatNumber(r[s.key], 0) })),
        ]}
        rows={rows}
        rowKey={(r) => r.month}
      />
    </div>
  );
}
