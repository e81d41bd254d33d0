/**
 * Charts as standalone SVG written by code — no charting library, nothing fetched — for
 * bench/RESULTS.md and for reports opened on machines with no network. Text is sized from
 * character counts (there is no browser to measure it), generously, so that labels stay whole
 * and apart; a test renders the charts in headless Chromium and checks exactly that. Labels may
 * come from logs: they are escaped, and long ones shortened (the full text in a tooltip).
 */
import { htmlText } from './html.js';

export interface Bar {
  readonly label: string;
  readonly value: number;
  /** Drawn grey: a baseline rather than ctlake. */
  readonly muted?: boolean;
}

/**
 * A generous advance of one character at the charts' 13px sans-serif: the SVG is written without a
 * browser to measure text, so the margins are sized from character counts.
 */
const CHAR_WIDTH = 8;

const graphemes = new Intl.Segmenter('en', { granularity: 'grapheme' });

function graphemesOf(text: string): string[] {
  return Array.from(graphemes.segment(text), (s) => s.segment);
}

function textWidth(text: string): number {
  return graphemesOf(text).length * CHAR_WIDTH;
}

/**
 * `text` cut to `max` characters with an ellipsis in the middle (an ARN's account and its role or
 * session both stay readable), and its full form as a tooltip.
 */
function label(text: string, max: number): { shown: string; tooltip: string } {
  const chars = graphemesOf(text);
  const head = Math.floor((max - 1) / 3);
  const shown =
    chars.length <= max
      ? text
      : `${chars.slice(0, head).join('')}…${chars.slice(chars.length - (max - 1 - head)).join('')}`;
  return { shown, tooltip: shown === text ? '' : `<title>${htmlText(text)}</title>` };
}

const LABEL_CHARS = 48;

function rateText(value: number): string {
  return `${Math.round(value).toLocaleString('en-US')}/s`;
}

export function barChartSvg(
  title: string,
  bars: readonly Bar[],
  valueText: (value: number) => string = rateText,
): string {
  const plot = 380;
  const labels = bars.map((b) => label(b.label, LABEL_CHARS));
  const labelWidth = Math.max(230, ...labels.map((l) => textWidth(l.shown) + 16));
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
    const l = labels[i] ?? { shown: '', tooltip: '' };
    return [
      `<text x="${labelWidth - 8}" y="${y + barHeight * 0.68}" text-anchor="end">${htmlText(l.shown)}${l.tooltip}</text>`,
      `<rect x="${labelWidth}" y="${y}" width="${w.toFixed(1)}" height="${barHeight}" fill="${b.muted ? '#9aa5b1' : '#2f6fde'}"/>`,
      `<text x="${(labelWidth + w + 6).toFixed(1)}" y="${y + barHeight * 0.68}">${htmlText(valueText(b.value))}</text>`,
    ].join('');
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="13" role="img">
<rect width="100%" height="100%" fill="white"/>
<text x="${width / 2}" y="24" text-anchor="middle" font-size="15" font-weight="bold">${htmlText(title)}</text>
${rows.join('\n')}
</svg>
`;
}

/**
 * Fills that stay apart when printed in grey: each a different lightness (relative luminance
 * 0.03, 0.52, 0.16, 0.82, 0.38; "others" 0.69), neighbours in a stack far apart; stacked
 * segments are also outlined in white. A chart draws at most this many series and "others".
 */
export const SERIES_FILLS = ['#08306b', '#fdae6b', '#2171b5', '#fee6ce', '#6baed6'] as const;
export const OTHER_FILL = '#d9d9d9';

export interface Series {
  /** A legend label (may come from logs). */
  readonly name: string;
  /** One value per bucket. */
  readonly values: readonly number[];
  /** Drawn in the light grey kept for "everything else". */
  readonly other?: boolean;
}

export interface TimeChart {
  readonly title: string;
  /** The buckets' labels, oldest first (short: `11-28`, `11-28 14h`). */
  readonly buckets: readonly string[];
  /** Stacked, first at the bottom. */
  readonly series: readonly Series[];
  /** A horizontal dashed line (an alarm's threshold), named in the legend. */
  readonly threshold?: { readonly value: number; readonly label: string };
  readonly yLabel?: string;
}

/** 0 and the smallest 1, 2 or 5 × 10^k at or above `max`, for the axis. */
function niceMax(max: number): number {
  if (max <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(max));
  const step = [1, 2, 2.5, 5, 10].find((m) => m * power >= max) ?? 10;
  return step * power;
}

function numberText(value: number): string {
  return Number.isInteger(value) ? value.toLocaleString('en-US') : value.toFixed(1);
}

/** Stacked columns over time, with a legend below; every text placed so none overlaps another. */
export function timeChartSvg(chart: TimeChart): string {
  const n = Math.max(1, chart.buckets.length);
  const totals = Array.from({ length: n }, (_, i) =>
    chart.series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0),
  );
  const top = niceMax(Math.max(...totals, chart.threshold?.value ?? 0));
  const ticks = [0, top / 2, top];
  const tickTexts = ticks.map(numberText);
  const bucketWidest = Math.max(0, ...chart.buckets.map(textWidth));
  const left = Math.max(...tickTexts.map(textWidth)) + 16;
  const right = Math.max(16, bucketWidest / 2 + 8);
  const width = Math.max(760, textWidth(chart.title) + 40);
  const plotWidth = width - left - right;
  const titleY = 22;
  const plotTop = chart.yLabel === undefined ? 40 : 56;
  const plotHeight = 180;
  const base = plotTop + plotHeight;
  const column = plotWidth / n;
  const barWidth = Math.max(1, column * 0.8);
  const y = (v: number): number => base - (v / top) * plotHeight;
  const out: string[] = [];
  out.push(
    `<text x="${(width / 2).toFixed(1)}" y="${titleY}" text-anchor="middle" font-size="14" font-weight="bold">${htmlText(chart.title)}</text>`,
  );
  if (chart.yLabel !== undefined) {
    out.push(
      `<text x="${left}" y="${plotTop - 10}" font-size="12">${htmlText(chart.yLabel)}</text>`,
    );
  }
  ticks.forEach((t, i) => {
    const ty = y(t);
    out.push(
      `<line x1="${left}" x2="${width - right}" y1="${ty.toFixed(1)}" y2="${ty.toFixed(1)}" stroke="#ccc"/>`,
      `<text x="${left - 6}" y="${(ty + 4).toFixed(1)}" text-anchor="end" font-size="12">${tickTexts[i] ?? ''}</text>`,
    );
  });
  chart.series.forEach((s, k) => {
    const fill = s.other === true ? OTHER_FILL : (SERIES_FILLS[k % SERIES_FILLS.length] ?? '');
    for (let i = 0; i < n; i++) {
      const v = s.values[i] ?? 0;
      if (v <= 0) continue;
      const below = chart.series.slice(0, k).reduce((sum, p) => sum + (p.values[i] ?? 0), 0);
      const y0 = y(below);
      const y1 = y(below + v);
      out.push(
        `<rect x="${(left + i * column + (column - barWidth) / 2).toFixed(1)}" y="${y1.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${Math.max(0.5, y0 - y1).toFixed(1)}" fill="${fill}" stroke="white" stroke-width="${column > 4 ? 0.6 : 0}"><title>${htmlText(`${chart.buckets[i] ?? ''} ${s.name}: ${numberText(v)}`)}</title></rect>`,
      );
    }
  });
  if (chart.threshold !== undefined) {
    const ty = y(chart.threshold.value).toFixed(1);
    out.push(
      `<line x1="${left}" x2="${width - right}" y1="${ty}" y2="${ty}" stroke="#b00" stroke-width="2" stroke-dasharray="6 4"/>`,
    );
  }
  out.push(`<line x1="${left}" x2="${width - right}" y1="${base}" y2="${base}" stroke="#333"/>`);
  // Bucket labels: every k-th, so that no two touch.
  const every = Math.max(1, Math.ceil(((bucketWidest + 12) * n) / plotWidth));
  chart.buckets.forEach((b, i) => {
    if (i % every !== 0) return;
    const cx = left + (i + 0.5) * column;
    out.push(
      `<text x="${cx.toFixed(1)}" y="${base + 16}" text-anchor="middle" font-size="12">${htmlText(b)}</text>`,
    );
  });
  // The legend, wrapped to the width.
  const items = [
    ...chart.series.map((s, k) => ({
      text: label(s.name, LABEL_CHARS),
      swatch: `fill="${s.other === true ? OTHER_FILL : (SERIES_FILLS[k % SERIES_FILLS.length] ?? '')}"`,
      dashed: false,
    })),
    ...(chart.threshold === undefined
      ? []
      : [{ text: label(chart.threshold.label, LABEL_CHARS), swatch: '', dashed: true }]),
  ];
  let lx = left;
  let ly = base + 40;
  for (const item of items) {
    const itemWidth = 18 + textWidth(item.text.shown) + 18;
    if (lx + itemWidth > width - 8 && lx > left) {
      lx = left;
      ly += 20;
    }
    out.push(
      item.dashed
        ? `<line x1="${lx}" x2="${lx + 12}" y1="${ly - 4}" y2="${ly - 4}" stroke="#b00" stroke-width="2" stroke-dasharray="4 2"/>`
        : `<rect x="${lx}" y="${ly - 10}" width="12" height="12" ${item.swatch} stroke="#333" stroke-width="0.5"/>`,
      `<text x="${lx + 18}" y="${ly}" font-size="12">${htmlText(item.text.shown)}${item.text.tooltip}</text>`,
    );
    lx += itemWidth;
  }
  const height = ly + 12;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="13" role="img">
<rect width="100%" height="100%" fill="white"/>
${out.join('\n')}
</svg>
`;
}
