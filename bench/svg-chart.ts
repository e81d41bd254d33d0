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

/**
 * A generous advance of one character at the chart's 13px sans-serif: the SVG is written without a
 * browser to measure text, so the margins are sized from character counts.
 */
const CHAR_WIDTH = 8;

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

function textWidth(text: string): number {
  return Array.from(graphemes.segment(text)).length * CHAR_WIDTH;
}

function valueText(value: number): string {
  return `${Math.round(value).toLocaleString('en-US')}/s`;
}

export function barChartSvg(title: string, bars: readonly Bar[]): string {
  const plot = 380;
  const labelWidth = Math.max(230, ...bars.map((b) => textWidth(b.label) + 16));
  const valueWidth = Math.max(110, ...bars.map((b) => textWidth(valueText(b.value)) + 12));
  const width = Math.max(labelWidth + plot + valueWidth, textWidth(title) + 40);
  const barHeight = 26;
  const gap = 10;
  const top = 44;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const height = top + bars.length * (barHeight + gap) + 10;
  const rows = bars.map((b, i) => {
    const y = top + i * (barHeight + gap);
    const w = Math.max(1, (b.value / max) * plot);
    return [
      `<text x="${labelWidth - 8}" y="${y + barHeight * 0.68}" text-anchor="end">${escape(b.label)}</text>`,
      `<rect x="${labelWidth}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${b.muted ? '#9aa5b1' : '#2f6fde'}"/>`,
      `<text x="${(labelWidth + w + 6).toFixed(1)}" y="${y + barHeight * 0.68}">${valueText(b.value)}</text>`,
    ].join('');
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="13">
<rect width="100%" height="100%" fill="white"/>
<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${escape(title)}</text>
${rows.join('\n')}
</svg>
`;
}
