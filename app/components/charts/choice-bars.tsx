import { Bar, BarChart, CartesianGrid, LabelList, XAxis, YAxis } from 'recharts';
import { formatPercent } from '~/utils/format';

export type ChoiceBar = { value: string; label: string; count: number; share: number };

/** Splits a label into at most two lines of about `width` characters (no measuring: the same on server and client). */
export function wrapLabel(text: string, width = 30): string[] {
  const words = text.split(/\s+/);
  const lines: string[] = [''];
  for (const word of words) {
    const line = lines[lines.length - 1];
    if ((line + ' ' + word).trim().length > width && line) {
      if (lines.length === 2) {
        lines[1] = `${lines[1].slice(0, width - 1)}…`;
        return lines;
      }
      lines.push(word);
    } else lines[lines.length - 1] = (line + ' ' + word).trim();
  }
  return lines;
}

function CategoryTick({ x, y, payload }: { x?: number; y?: number; payload?: { value: string } }) {
  const lines = wrapLabel(payload?.value ?? '');
  return (
    <text x={x} y={(y ?? 0) - (lines.length - 1) * 7} textAnchor="end" fontSize={13} dominantBaseline="middle">
      {lines.map((line, i) => (
        <tspan key={i} x={(x ?? 0) - 6} dy={i ? 15 : 0}>
          {line}
        </tspan>
      ))}
    </text>
  );
}

/** The count and share beside a bar, as plain SVG text (Recharts' own labels wrap by measuring, which differs on the server). */
function BarLabel(props: { x?: number | string; y?: number | string; width?: number | string; height?: number | string; value?: number | string }) {
  const x = Number(props.x ?? 0) + Number(props.width ?? 0) + 6;
  const y = Number(props.y ?? 0) + Number(props.height ?? 0) / 2;
  return (
    <text x={x} y={y} fontSize={12} dominantBaseline="middle" fill="#0b0c0c">
      {props.value}
    </text>
  );
}

/**
 * Counts and shares of a choice question as horizontal bars (Recharts, fixed size so it renders on the server
 * without measuring). Each bar is labelled with its count and share, so the chart reads without colour.
 */
export function ChoiceBars({
  id,
  bars,
  respondents,
  title,
  width = 620,
  unit = 'teams',
}: {
  id: string;
  bars: ChoiceBar[];
  respondents: number;
  title: string;
  width?: number;
  /** What the counts count (teams, or the rows of a dynamic question). */
  unit?: string;
}) {
  if (!bars.length) return null;
  const data = bars.map((b) => ({ ...b, percent: Math.round(b.share * 1000) / 10, text: `${b.count} (${formatPercent(b.share, 0)})` }));
  const height = 36 + bars.length * 34;
  const summary = `${title}: ${bars.map((b) => `${b.label} ${b.count} (${formatPercent(b.share, 0)})`).join('; ')}, of ${respondents} ${unit} answering.`;
  return (
    <div role="img" aria-label={summary}>
      <BarChart id={id} width={width} height={height} data={data} layout="vertical" margin={{ top: 4, right: 70, bottom: 4, left: 8 }}>
        <CartesianGrid horizontal={false} stroke="#d8dadc" />
        <XAxis type="number" domain={[0, 100]} ticks={[0, 25, 50, 75, 100]} tickFormatter={(v: number) => `${v}%`} fontSize={12} stroke="#4a4f54" />
        <YAxis type="category" dataKey="label" width={230} interval={0} tick={<CategoryTick />} stroke="#4a4f54" />
        <Bar dataKey="percent" fill="#1d3f6e" isAnimationActive={false} barSize={20}>
          <LabelList dataKey="text" content={BarLabel} />
        </Bar>
      </BarChart>
    </div>
  );
}
