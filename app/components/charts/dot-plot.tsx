import { formatNumber } from '~/utils/format';
import { linearScale, niceTicks } from './scale';

export type Dot = { key: string; label: string; group: string; value: number };

/**
 * Each team's value as a dot, one row per group (area or team type), on one shared scale, with the overall median
 * as a line. Each dot names its team on hover (SVG title); the caller shows the table of values beside it.
 */
export function DotPlot({
  dots,
  label,
  median,
  width = 640,
  reference,
}: {
  dots: Dot[];
  label: string;
  median: number | null;
  width?: number;
  reference?: { value: number; label: string };
}) {
  if (!dots.length) return null;
  const groups = [...new Set(dots.map((d) => d.group))];
  const labelWidth = Math.min(220, Math.max(90, ...groups.map((g) => g.length * 7.6 + 16)));
  const maxChars = Math.floor((labelWidth - 12) / 7.6);
  const rowHeight = 34;
  const top = 22;
  const height = top + groups.length * rowHeight + 30;
  const values = dots.map((d) => d.value).concat(reference ? [reference.value] : []);
  const ticks = niceTicks(Math.min(...values), Math.max(...values));
  const x = linearScale([ticks[0], ticks[ticks.length - 1]], [labelWidth, width - 16]);
  const summary = `${label}: ${dots.length} teams from ${formatNumber(Math.min(...dots.map((d) => d.value)))} to ${formatNumber(Math.max(...dots.map((d) => d.value)))}${median !== null ? `, median ${formatNumber(median)}` : ''}. The values are in the table.`;
  return (
    <svg className="dot-plot" width={width} height={height} role="img" aria-label={summary} viewBox={`0 0 ${width} ${height}`}>
      <g className="axis">
        {ticks.map((t) => (
          <g key={t}>
            <line className="gridline" x1={x(t)} x2={x(t)} y1={top - 4} y2={top + groups.length * rowHeight} />
            <text x={x(t)} y={top + groups.length * rowHeight + 16} textAnchor="middle" fontSize={12}>
              {formatNumber(t)}
            </text>
          </g>
        ))}
      </g>
      {median !== null ? (
        <g>
          <line x1={x(median)} x2={x(median)} y1={top - 6} y2={top + groups.length * rowHeight} stroke="#0b0c0c" strokeWidth={2} />
          <text x={x(median)} y={top - 10} textAnchor="middle" fontSize={12} fontWeight={700}>
            median {formatNumber(median)}
          </text>
        </g>
      ) : null}
      {reference ? (
        <g>
          <line
            x1={x(reference.value)}
            x2={x(reference.value)}
            y1={top - 6}
            y2={top + groups.length * rowHeight}
            stroke="#8a1c12"
            strokeWidth={2}
            strokeDasharray="6 4"
          />
          <text x={x(reference.value)} y={top + groups.length * rowHeight + 28} textAnchor="middle" fontSize={12} fontWeight={700} style={{ fill: '#8a1c12' }}>
            {reference.label}
          </text>
        </g>
      ) : null}
      {groups.map((group, i) => {
        const cy = top + i * rowHeight + rowHeight / 2;
        const mine = dots.filter((d) => d.group === group);
        return (
          <g key={group}>
            <text x={labelWidth - 8} y={cy + 4} textAnchor="end" fontSize={13}>
              {group.length > maxChars ? `${group.slice(0, maxChars - 1)}…` : group}
            </text>
            <line x1={labelWidth} x2={width - 16} y1={cy} y2={cy} stroke="#d8dadc" />
            {mine.map((d, j) => (
              // Equal values are spread a little up and down so none hides another. Their colours are the stylesheet's
              // (.dot-plot circle): written once, not on each of up to 150 dots.
              <circle key={d.key} cx={x(d.value)} cy={cy + ((j % 3) - 1) * 6} r={5.5}>
                <title>{`${d.label}: ${formatNumber(d.value)}`}</title>
              </circle>
            ))}
          </g>
        );
      })}
    </svg>
  );
}
