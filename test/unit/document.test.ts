import { describe, expect, it } from 'vitest';
import {
  blocksText,
  type Document,
  documentHtml,
  documentMarkdown,
  markdownText,
} from '../../src/text/document.js';
import { OTHER_FILL, SERIES_FILLS, timeChartSvg } from '../../src/text/svg-chart.js';

/** WCAG relative luminance: what a fill becomes in grey. */
function luminance(hex: string): number {
  const [r = 0, g = 0, b = 0] = [1, 3, 5].map((i) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}

const HOSTILE = '<b>x</b> | *y* `z` [l](http://e) \u001b[31m\u202e\nline';

describe('document rendering', () => {
  const doc: Document = {
    title: 'T <1>',
    subtitle: HOSTILE,
    sections: [
      {
        id: 's',
        title: 'S',
        blocks: [
          { kind: 'facts', facts: [['k', HOSTILE]] },
          {
            kind: 'table',
            title: 'rows',
            columns: [{ title: 'v' }, { title: 'n', numeric: true }],
            rows: Array.from({ length: 7 }, (_, i) => [`${HOSTILE}${String(i)}`, i]),
            limit: 3,
            total: 10,
            rest: 'see the JSON',
          },
          { kind: 'code', text: 'SELECT 1\n-- ```' },
        ],
      },
    ],
  };

  it('caps a table and says how many rows are left and where', () => {
    expect(documentHtml(doc)).toContain('7 more rows (see the JSON)');
    expect(documentMarkdown(doc)).toContain('7 more rows (see the JSON)');
    expect(blocksText(doc.sections[0]?.blocks ?? [])).toContain('… 7 more rows (see the JSON)');
    expect(documentHtml(doc).match(/<tr><td/g)).toHaveLength(3);
  });

  it('keeps log text inert in HTML, Markdown and on a terminal', () => {
    const html = documentHtml(doc);
    expect(html).not.toContain('<b>');
    // eslint-disable-next-line no-control-regex -- no control character may reach the page
    expect(html).not.toMatch(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/);
    const md = documentMarkdown(doc);
    expect(md).not.toContain('<b>');
    // eslint-disable-next-line no-control-regex -- nor the Markdown
    expect(md).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/);
    expect(markdownText(HOSTILE)).toBe(
      '&lt;b&gt;x&lt;/b&gt; \\| \\*y\\* \\`z\\` \\[l\\](http://e) \\\\x1b\\[31m\\\\u202e\\\\nline',
    );
    // A leading block marker cannot start a heading, a quote or a list.
    expect(markdownText('# not a heading')).toBe('\\# not a heading');
    expect(markdownText('1. not a list')).toBe('1\\. not a list');
    expect(markdownText('0.1.0')).toBe('0\\.1.0');
    // eslint-disable-next-line no-control-regex -- nor the terminal
    expect(blocksText(doc.sections[0]?.blocks ?? [])).not.toMatch(/[\u001b\u202e]/);
  });

  it('fences code with more backticks than the code holds', () => {
    expect(documentMarkdown(doc)).toContain('````\nSELECT 1\n-- ```\n````');
  });
});

describe('chart fills', () => {
  it('stay apart in grey: every two differ in luminance by at least 0.1', () => {
    const fills = [...SERIES_FILLS, OTHER_FILL];
    fills.forEach((a, i) => {
      for (const b of fills.slice(i + 1)) {
        expect(Math.abs(luminance(a) - luminance(b)), `${a} vs ${b}`).toBeGreaterThanOrEqual(0.1);
      }
    });
  });

  it('escape labels from logs and shorten long ones in the middle', () => {
    const svg = timeChartSvg({
      title: 'calls',
      buckets: ['11-28', '11-29'],
      series: [
        {
          name: `arn:aws:sts::111122223333:assumed-role/${'x'.repeat(60)}/<script>`,
          values: [1, 2],
        },
      ],
    });
    expect(svg).not.toContain('<script>');
    expect(svg).toMatch(/>arn:aws:sts::11…x+\/&lt;script&gt;<title>/);
    expect(svg).toContain('&lt;script&gt;');
  });
});
