/**
 * A horizontal bar chart as a standalone SVG: enough for RESULTS.md, no charting library.
 */

export interface Bar {
  readonly label: string;
  readonly value: number;
  /** Drawn grey: a baseline rather than ctlake. */
  readonly muted?: boolean;
}

function escape(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}

export function barChartSvg(title: string, bars: readonly Bar[]): string {
  const width = 720;
  const labelWidth = 230;
  const barHeight = 26;
  const gap = 10;
  const top = 44;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const plot = width - labelWidth - 110;
  const height = top + bars.length * (barHeight + gap) + 10;
  const rows = bars.map((b, i) => {
    const y = top + i * (barHeight + gap);
    const w = Math.max(1, (b.value / max) * plot);
    return [
      `<text x="${labelWidth - 8}" y="${y + barHeight * 0.68}" text-anchor="end">${escape(b.label)}</text>`,
      `<rect x="${labelWidth}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${b.muted ? '#9aa5b1' : '#2f6fde'}"/>`,
      `<text x="${(labelWidth + w + 6).toFixed(1)}" y="${y + barHeight * 0.68}">${Math.round(b.value).toLocaleString('en-US')}/s</text>`,
    ].join('');
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="13">
<rect width="100%" height="100%" fill="white"/>
<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escape(title)}</text>
${rows.join('\n')}
</svg>
`;
}
