/**
 * The benchmark's chart is something people look at: it is rendered in a real headless Chromium
 * and every piece of text must be whole inside the picture and clear of the bars and the other
 * text, whatever the labels and values.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Bar, barChartSvg } from '../../src/text/svg-chart.js';
import { tempDir } from '../util/temp-dir.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const NO_CHROMIUM_REASON = `no Chromium at ${CHROMIUM} (apt-get install chromium, or set CHROMIUM_PATH); CI installs it`;

interface Box {
  readonly kind: 'text' | 'rect';
  readonly content: string;
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

interface Rendered {
  readonly width: number;
  readonly height: number;
  readonly boxes: Box[];
}

/** The rendered boxes of the chart's texts and bars (the white background left out). */
const MEASURE = `(() => {
  const svg = document.querySelector('svg');
  const boxes = [...svg.querySelectorAll('text, rect')]
    .filter((e) => e.getAttribute('width') !== '100%')
    .map((e) => {
      const b = e.getBBox();
      return { kind: e.tagName, content: e.textContent, x: b.x, y: b.y, width: b.width, height: b.height };
    });
  return { width: svg.viewBox.baseVal.width, height: svg.viewBox.baseVal.height, boxes };
})()`;

function overlaps(a: Box, b: Box): boolean {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

const BENCH_BARS: Bar[] = [
  { label: '1 worker', value: 44_355 },
  { label: '2 workers', value: 80_511 },
  { label: 'DuckDB auto-detect', value: 33_141, muted: true },
  { label: 'DuckDB explicit columns', value: 109_308, muted: true },
];

const CASES: Record<string, Bar[]> = {
  'the benchmark as run on 2 cores': BENCH_BARS,
  'a 16-core machine': [
    ...Array.from({ length: 16 }, (_, i) => ({
      label: `${String(i + 1)} worker${i === 0 ? '' : 's'}`,
      value: 45_000 * (i + 1) ** 0.8,
    })),
    { label: 'DuckDB explicit columns', value: 900_000, muted: true },
  ],
  'long labels, a zero and a huge value': [
    { label: 'DuckDB read_json explicit columns → Parquet (hand-tuned)', value: 12_345_678 },
    { label: 'floor: read + gunzip + JSON.parse <2 workers> & more', value: 0, muted: true },
    { label: 'x', value: 1 },
  ],
};

describe.skipIf(!existsSync(CHROMIUM))('benchmark chart in headless Chromium', () => {
  let browser: Browser;
  const shots = tempDir('chart');

  beforeAll(async () => {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });

  afterAll(async () => {
    await browser.close();
  });

  for (const [name, bars] of Object.entries(CASES)) {
    it(`${name}: every text whole inside the picture, clear of the bars and of each other`, async () => {
      const page = await browser.newPage();
      await page.setContent(barChartSvg('ctlake ingest: events/s by worker count', bars));
      const rendered = await page.evaluate<Rendered>(MEASURE);
      await page.screenshot({ path: path.join(shots, `${name.replaceAll(/\W+/g, '-')}.png`) });
      await page.close();

      const texts = rendered.boxes.filter((b) => b.kind === 'text');
      const rects = rendered.boxes.filter((b) => b.kind === 'rect');
      expect(texts).toHaveLength(1 + 2 * bars.length);
      expect(rects).toHaveLength(bars.length);
      for (const box of rendered.boxes) {
        expect(box.width, box.content).toBeGreaterThan(0);
        expect(box.x, box.content).toBeGreaterThanOrEqual(0);
        expect(box.y, box.content).toBeGreaterThanOrEqual(0);
        expect(box.x + box.width, box.content).toBeLessThanOrEqual(rendered.width);
        expect(box.y + box.height, box.content).toBeLessThanOrEqual(rendered.height);
      }
      for (const [i, a] of rendered.boxes.entries()) {
        for (const b of rendered.boxes.slice(i + 1)) {
          if (a.kind === 'rect' && b.kind === 'rect') continue;
          expect(overlaps(a, b), `"${a.content}" overlaps "${b.content}"`).toBe(false);
        }
      }
      // The longest bar is the largest value's, and the values are printed as given.
      const widest = rects.reduce((w, r) => Math.max(w, r.width), 0);
      const largest = bars.reduce((m, b) => Math.max(m, b.value), 0);
      expect(rects[bars.findIndex((b) => b.value === largest)]?.width).toBe(widest);
      expect(texts.map((t) => t.content)).toContain(
        `${Math.round(largest).toLocaleString('en-US')}/s`,
      );
    });
  }
});

describe.skipIf(existsSync(CHROMIUM))('benchmark chart', () => {
  it.skip(NO_CHROMIUM_REASON, () => undefined);
});
