/** A small bar chart as inline SVG: no script, no library, readable without colour (the totals are printed). */

export function BarChart(props: { title: string; bars: number[]; slots: number; intervalLabel: string; tone?: 'bad' }) {
  const { bars, slots } = props;
  const width = 300;
  const height = 80;
  const max = Math.max(1, ...bars);
  const slot = width / slots;
  const offset = slots - bars.length; // newest bar on the right
  const total = bars.reduce((n, b) => n + b, 0);
  return (
    <div class="card chart">
      <div class="legend">
        <b>{props.title}</b>
        <span>
          {total} in {props.intervalLabel} · peak {max === 1 && total === 0 ? 0 : max}
        </span>
      </div>
      <svg viewBox={`0 0 ${width} ${height}`} preserveAspectRatio="none" role="img" aria-label={`${props.title}: ${bars.join(', ')}`}>
        <line x1="0" y1={String(height - 0.5)} x2={String(width)} y2={String(height - 0.5)} />
        {bars.map((b, i) => {
          const h = b === 0 ? 0 : Math.max(2, (b / max) * (height - 4));
          return (
            <rect
              class={props.tone === 'bad' ? 'bad' : 'bar'}
              x={((offset + i) * slot + slot * 0.15).toFixed(2)}
              y={(height - h).toFixed(2)}
              width={(slot * 0.7).toFixed(2)}
              height={h.toFixed(2)}
            >
              <title>{String(b)}</title>
            </rect>
          );
        })}
      </svg>
      <div class="legend">
        <span>{props.intervalLabel} ago</span>
        <span>now</span>
      </div>
    </div>
  );
}
