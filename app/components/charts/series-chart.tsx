import { CartesianGrid, Line, LineChart, ReferenceLine, XAxis, YAxis } from 'recharts';
import { formatNumber } from '~/utils/format';
import { niceTicks } from './scale';

export type ChartSeries = {
  key: string;
  title: string;
  points: { period: string; value: number | null }[];
  spikes: { period: string; spike: boolean }[];
};

/** Distinct line styles and markers, so the series differ without colour. Colours have 3:1 or more on white. */
export const SERIES_STYLES = [
  { color: '#1d3f6e', dash: '', marker: 'circle' },
  { color: '#a14b00', dash: '8 4', marker: 'square' },
  { color: '#1b6b35', dash: '2 3', marker: 'triangle' },
  { color: '#6a2a7a', dash: '12 4 2 4', marker: 'diamond' },
  { color: '#8a1c12', dash: '5 5', marker: 'cross' },
  { color: '#4a4f54', dash: '1 5', marker: 'circle-open' },
] as const;

export function Marker({ shape, x, y, color, size = 4 }: { shape: string; x: number; y: number; color: string; size?: number }) {
  switch (shape) {
    case 'square':
      return <rect x={x - size} y={y - size} width={size * 2} height={size * 2} fill={color} />;
    case 'triangle':
      return <path d={`M${x},${y - size - 1} L${x + size + 1},${y + size} L${x - size - 1},${y + size} Z`} fill={color} />;
    case 'diamond':
      return <path d={`M${x},${y - size - 1} L${x + size + 1},${y} L${x},${y + size + 1} L${x - size - 1},${y} Z`} fill={color} />;
    case 'cross':
      return (
        <path d={`M${x - size},${y - size} L${x + size},${y + size} M${x + size},${y - size} L${x - size},${y + size}`} stroke={color} strokeWidth={2.5} />
      );
    case 'circle-open':
      return <circle cx={x} cy={y} r={size} fill="#fff" stroke={color} strokeWidth={2} />;
    default:
      return <circle cx={x} cy={y} r={size} fill={color} />;
  }
}

/** A legend as a list: each line's style and marker with its name, and what a ring means. */
export function SeriesLegend({ series, joint = false }: { series: { key: string; title: string }[]; joint?: boolean }) {
  return (
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
      <li>
        <svg width={22} height={22} aria-hidden="true">
          <circle cx={11} cy={11} r={8} fill="none" stroke="#0b0c0c" strokeWidth={2.5} />
        </svg>
        Spike (see the rule)
      </li>
      {joint ? (
        <li>
          <svg width={14} height={22} aria-hidden="true">
            <line x1={7} x2={7} y1={1} y2={21} stroke="#8a1c12" strokeWidth={1.5} strokeDasharray="4 3" />
          </svg>
          Joint spike (three or more series)
        </li>
      ) : null}
    </ul>
  );
}

const monthLabel = (period: string) => {
  const [year, month] = period.split('-').map(Number);
  return `${['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'][month - 1]} ${String(year).slice(2)}`;
};

/** The label of a joint-spike line, as plain SVG text (no measuring, so the server and the browser agree). */
function JointLabel(props: { viewBox?: { x?: number; y?: number } }) {
  const { x = 0, y = 0 } = props.viewBox ?? {};
  return (
    <text x={x} y={y - 6} textAnchor="middle" fontSize={11} fontWeight={700} fill="#6b0f0a">
      Joint spike
    </text>
  );
}

/**
 * Monthly lines (Recharts, fixed size: it renders on the server without measuring), each with its own dash pattern
 * and marker; a spike is ringed; months where several series spike together get a dashed line and a label. Used as
 * small multiples: one chart per activity series, on its own scale, with one line per area (or one in all).
 */
export function SeriesChart({
  id,
  series,
  joint,
  title,
  width = 400,
  height = 230,
}: {
  id: string;
  series: ChartSeries[];
  joint: { period: string }[];
  title: string;
  width?: number;
  height?: number;
}) {
  const periods = series[0]?.points.map((p) => p.period) ?? [];
  const data = periods.map((period) => ({
    period,
    label: monthLabel(period),
    ...Object.fromEntries(series.map((s) => [s.key, s.points.find((p) => p.period === period)?.value ?? null])),
  }));
  const max = Math.max(0, ...series.flatMap((s) => s.points.map((p) => p.value ?? 0)));
  const ticks = niceTicks(0, max || 1, 4);
  const spikeSet = new Set(series.flatMap((s) => s.spikes.filter((p) => p.spike).map((p) => `${s.key}\u0000${p.period}`)));
  const spikesText = series
    .map((s) => ({ title: s.title, months: s.spikes.filter((p) => p.spike).map((p) => monthLabel(p.period)) }))
    .filter((s) => s.months.length)
    .map((s) => (series.length > 1 ? `${s.title} spiked in ${s.months.join(', ')}` : `spike in ${s.months.join(', ')}`));
  const summary = `${title}, ${periods.length ? monthLabel(periods[0]) : ''} to ${periods.length ? monthLabel(periods[periods.length - 1]) : ''}: ${
    spikesText.length ? `${spikesText.join('; ')}.` : 'no spike.'
  }${joint.length ? ` Joint spike in ${joint.map((j) => monthLabel(j.period)).join(', ')}.` : ''} The figures are in the table.`;
  return (
    <div role="img" aria-label={summary}>
      <LineChart id={id} width={width} height={height} data={data} margin={{ top: 20, right: 14, bottom: 4, left: 0 }}>
        <CartesianGrid stroke="#d8dadc" vertical={false} />
        <XAxis dataKey="label" interval={periods.length > 8 ? 1 : 0} fontSize={11} stroke="#4a4f54" tickMargin={4} />
        <YAxis
          fontSize={11}
          stroke="#4a4f54"
          width={46}
          domain={[0, ticks[ticks.length - 1]]}
          ticks={ticks}
          tickFormatter={(v: number) => formatNumber(v, 0)}
        />
        {joint.map((j) => (
          <ReferenceLine key={j.period} x={monthLabel(j.period)} stroke="#8a1c12" strokeWidth={1.5} strokeDasharray="4 3" label={JointLabel} />
        ))}
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
              connectNulls={false}
              dot={(props: { cx?: number; cy?: number; payload?: { period: string }; index?: number }) => {
                const { cx, cy, payload } = props;
                if (cx === undefined || cy === undefined || cy === null || !payload) return <g key={`${s.key}-${props.index}`} />;
                const spike = spikeSet.has(`${s.key}\u0000${payload.period}`);
                return (
                  <g key={`${s.key}-${payload.period}`}>
                    <Marker shape={style.marker} x={cx} y={cy} color={style.color} size={3.5} />
                    {spike ? <circle cx={cx} cy={cy} r={8} fill="none" stroke="#0b0c0c" strokeWidth={2.5} /> : null}
                  </g>
                );
              }}
            />
          );
        })}
      </LineChart>
    </div>
  );
}

export { monthLabel };
