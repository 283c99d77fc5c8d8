import { formatNumber } from '~/utils/format';
import { linearScale, niceTicks } from './scale';

export type BoxRow = { key: string; label: string; n: number; min: number; q1: number; median: number; q3: number; max: number };

/**
 * Horizontal box plots on one shared scale: whiskers from minimum to maximum, the box from the lower to the upper
 * quartile, a thick line at the median. An SVG drawn here (no chart library needed for boxes); its table is the
 * caller's. `reference` draws a labelled dashed line (for example the caseload reference).
 */
export function BoxPlot({
  rows,
  label,
  width = 640,
  reference,
}: {
  rows: BoxRow[];
  label: string;
  width?: number;
  reference?: { value: number; label: string };
}) {
  if (!rows.length) return null;
  const labelWidth = Math.min(240, Math.max(90, ...rows.map((r) => r.label.length * 7.6 + 16)));
  const maxChars = Math.floor((labelWidth - 12) / 7.6);
  const rowHeight = 30;
  const top = reference ? 22 : 8;
  const height = top + rows.length * rowHeight + 30;
  const values = rows.flatMap((r) => [r.min, r.max]).concat(reference ? [reference.value] : []);
  const ticks = niceTicks(Math.min(...values), Math.max(...values));
  const x = linearScale([ticks[0], ticks[ticks.length - 1]], [labelWidth, width - 16]);
  const summary = `${label}. ${rows.map((r) => `${r.label}: median ${formatNumber(r.median)}, quartiles ${formatNumber(r.q1)} to ${formatNumber(r.q3)}, range ${formatNumber(r.min)} to ${formatNumber(r.max)} (${r.n} teams)`).join('; ')}.`;
  return (
    <svg width={width} height={height} role="img" aria-label={summary} viewBox={`0 0 ${width} ${height}`}>
      <g className="axis">
        {ticks.map((t) => (
          <g key={t}>
            <line className="gridline" x1={x(t)} x2={x(t)} y1={top - 4} y2={top + rows.length * rowHeight} />
            <text x={x(t)} y={top + rows.length * rowHeight + 16} textAnchor="middle" fontSize={12}>
              {formatNumber(t)}
            </text>
          </g>
        ))}
      </g>
      {reference ? (
        <g>
          <line
            x1={x(reference.value)}
            x2={x(reference.value)}
            y1={top - 6}
            y2={top + rows.length * rowHeight}
            stroke="#8a1c12"
            strokeWidth={2}
            strokeDasharray="6 4"
          />
          <text x={x(reference.value)} y={top - 10} textAnchor="middle" fontSize={12} fontWeight={700} style={{ fill: '#8a1c12' }}>
            {reference.label}
          </text>
        </g>
      ) : null}
      {rows.map((r, i) => {
        const cy = top + i * rowHeight + rowHeight / 2;
        return (
          <g key={r.key}>
            <text x={labelWidth - 8} y={cy + 4} textAnchor="end" fontSize={13}>
              {r.label.length > maxChars ? `${r.label.slice(0, maxChars - 1)}…` : r.label}
            </text>
            <line x1={x(r.min)} x2={x(r.max)} y1={cy} y2={cy} stroke="#0b0c0c" strokeWidth={1.5} />
            <line x1={x(r.min)} x2={x(r.min)} y1={cy - 6} y2={cy + 6} stroke="#0b0c0c" strokeWidth={1.5} />
            <line x1={x(r.max)} x2={x(r.max)} y1={cy - 6} y2={cy + 6} stroke="#0b0c0c" strokeWidth={1.5} />
            <rect x={x(r.q1)} y={cy - 9} width={Math.max(1, x(r.q3) - x(r.q1))} height={18} fill="#bbd4ea" stroke="#0b0c0c" strokeWidth={1.5} />
            <line x1={x(r.median)} x2={x(r.median)} y1={cy - 9} y2={cy + 9} stroke="#0b0c0c" strokeWidth={4} />
          </g>
        );
      })}
    </svg>
  );
}
