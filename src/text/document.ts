/**
 * A document a person reads — sections of facts, tables and charts — written once and rendered
 * as one self-contained HTML page or as Markdown, so that both say the same thing. Every string
 * is treated as attacker-controlled (it may come from a log): HTML escapes it, Markdown escapes
 * its markup and shows control characters as `\xNN`. Long tables are capped with a line saying
 * how many rows are left out and where they are.
 */
import { htmlPage, htmlText } from './html.js';
import { terminalSafe } from './terminal-safe.js';

export type Cell = string | number | null;

export interface Column {
  readonly title: string;
  /** Right-aligned. */
  readonly numeric?: boolean;
}

export interface TableBlock {
  readonly kind: 'table';
  readonly title?: string;
  readonly columns: readonly Column[];
  readonly rows: readonly (readonly Cell[])[];
  /** Rows shown at most (default TABLE_ROWS); the rest are counted in one line. */
  readonly limit?: number;
  /** How many rows there are in all, when `rows` holds only the first of them. */
  readonly total?: number;
  /** Where the rows left out are, said after their count. */
  readonly rest?: string;
}

export type Block =
  | { readonly kind: 'heading'; readonly text: string; readonly id?: string }
  | { readonly kind: 'text'; readonly text: string; readonly tone?: 'note' | 'warning' | 'ok' }
  | { readonly kind: 'facts'; readonly facts: readonly (readonly [string, Cell])[] }
  | TableBlock
  /** Text kept as written, in a monospace block (SQL, a command line). */
  | { readonly kind: 'code'; readonly text: string }
  /** An SVG drawn by svg-chart.ts (its text already escaped), and its numbers as a table. */
  | { readonly kind: 'chart'; readonly svg: string; readonly data: TableBlock };

export interface Section {
  readonly id: string;
  readonly title: string;
  readonly blocks: readonly Block[];
}

export interface Document {
  readonly title: string;
  /** A line under the title. */
  readonly subtitle: string;
  readonly sections: readonly Section[];
}

export const TABLE_ROWS = 50;

function shownRows(table: TableBlock): { rows: readonly (readonly Cell[])[]; more: string } {
  const limit = Math.min(table.limit ?? TABLE_ROWS, table.rows.length);
  const left = (table.total ?? table.rows.length) - limit;
  if (left <= 0) return { rows: table.rows.slice(0, limit), more: '' };
  return {
    rows: table.rows.slice(0, limit),
    more: `${left.toLocaleString('en-US')} more rows${table.rest === undefined ? '' : ` (${table.rest})`}`,
  };
}

function cellText(value: Cell): string {
  if (value === null) return '-';
  return typeof value === 'number' ? value.toLocaleString('en-US') : value;
}

// --- HTML --------------------------------------------------------------------------------------

const CSS = `body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em;color:#111}
h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.3em;border-bottom:2px solid #333;margin-top:2em}
h3{font-size:1.05em;margin:1.4em 0 .4em;word-break:break-all}
.sub{color:#444;margin-top:0}
nav ul{columns:2;list-style:none;padding-left:0}
table{border-collapse:collapse;margin:.4em 0 1em;font-size:13px}
th,td{border:1px solid #bbb;padding:2px 6px;text-align:left;vertical-align:top}
th{background:#eee}td.n{text-align:right;white-space:nowrap}td.w{white-space:nowrap}
td{overflow-wrap:anywhere;max-width:40em}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 1.2em;margin:.4em 0 1em}
dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
.more{color:#444;font-style:italic}
.note{color:#444}.warning{border-left:4px solid #b00;padding-left:.6em}.ok{border-left:4px solid #2a7;padding-left:.6em}
pre{background:#f4f4f4;padding:.5em;white-space:pre-wrap;overflow-wrap:anywhere;font-size:12px}
figure{margin:.6em 0 1.2em}figure svg{max-width:100%;height:auto}
details{margin:.2em 0 1em}
@media print{body{margin:0;max-width:none}nav{display:none}section{break-before:page}
h2,h3{break-after:avoid}tr,figure{break-inside:avoid}details>table{display:table}
a{color:inherit;text-decoration:none}}`;

/** A short token (a time, an ID, a region) kept on one line; long text may wrap anywhere. */
const WHOLE = /^\S{1,24}$/;

function htmlCell(value: Cell, numeric: boolean): string {
  if (value === null) return '<td class="note">-</td>';
  const text = cellText(value);
  const kind = numeric ? ' class="n"' : WHOLE.test(text) ? ' class="w"' : '';
  return `<td${kind}>${htmlText(text)}</td>`;
}

function htmlTable(table: TableBlock): string {
  const { rows, more } = shownRows(table);
  const head = table.columns.map((c) => `<th>${htmlText(c.title)}</th>`).join('');
  const body = rows
    .map(
      (r) =>
        `<tr>${r.map((v, i) => htmlCell(v, table.columns[i]?.numeric === true)).join('')}</tr>`,
    )
    .join('\n');
  return [
    table.title === undefined ? '' : `<h3>${htmlText(table.title)}</h3>`,
    `<table><thead><tr>${head}</tr></thead><tbody>\n${body}\n</tbody></table>`,
    more === '' ? '' : `<p class="more">${htmlText(more)}</p>`,
  ].join('');
}

function htmlBlock(block: Block): string {
  switch (block.kind) {
    case 'heading':
      return `<h3${block.id === undefined ? '' : ` id="${htmlText(block.id)}"`}>${htmlText(block.text)}</h3>`;
    case 'text':
      return `<p${block.tone === undefined ? '' : ` class="${block.tone}"`}>${htmlText(block.text)}</p>`;
    case 'facts':
      return `<dl>${block.facts.map(([k, v]) => `<dt>${htmlText(k)}</dt><dd>${htmlText(cellText(v))}</dd>`).join('')}</dl>`;
    case 'table':
      return block.rows.length === 0 ? '' : htmlTable(block);
    case 'code':
      return `<pre><code>${htmlText(block.text)}</code></pre>`;
    case 'chart':
      // The chart's figures, then its numbers (folded: they print, and read without the picture).
      return `<figure>${block.svg}<details><summary>the numbers</summary>${htmlTable({ ...block.data, title: undefined })}</details></figure>`;
    default:
      return block satisfies never;
  }
}

/** The blocks as HTML, for a page or a part of one. */
export function blocksHtml(blocks: readonly Block[]): string {
  return blocks.map(htmlBlock).join('\n');
}

export function documentHtml(doc: Document): string {
  const nav = `<nav><ul>${doc.sections.map((s) => `<li><a href="#${htmlText(s.id)}">${htmlText(s.title)}</a></li>`).join('')}</ul></nav>`;
  const sections = doc.sections
    .map(
      (s) =>
        `<section id="${htmlText(s.id)}"><h2>${htmlText(s.title)}</h2>\n${blocksHtml(s.blocks)}</section>`,
    )
    .join('\n');
  return htmlPage(
    doc.title,
    CSS,
    `<header><h1>${htmlText(doc.title)}</h1><p class="sub">${htmlText(doc.subtitle)}</p></header>\n${nav}\n${sections}`,
  );
}

// --- Markdown ----------------------------------------------------------------------------------

/**
 * Text that Markdown shows as itself: its inline markup characters backslash-escaped (and a
 * block marker at its start), `<`, `>` and `&` as entities (so no renderer sees a tag), and
 * control and invisible characters as visible escapes (terminal-safe.ts).
 */
export function markdownText(text: string): string {
  return terminalSafe(text)
    .replace(/[\\`*_[\]|~]/g, (c) => `\\${c}`)
    .replace(/^([#>+\-=])/, '\\$1')
    .replace(/^(\d+)([.)])/, '$1\\$2')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;');
}

function markdownTable(table: TableBlock): string[] {
  const { rows, more } = shownRows(table);
  const line = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
  return [
    ...(table.title === undefined ? [] : [`**${markdownText(table.title)}**`, '']),
    line(table.columns.map((c) => markdownText(c.title))),
    line(table.columns.map((c) => (c.numeric === true ? '---:' : '---'))),
    ...rows.map((r) => line(r.map((v) => markdownText(cellText(v))))),
    ...(more === '' ? [] : ['', `*${markdownText(more)}*`]),
    '',
  ];
}

function markdownBlock(block: Block): string[] {
  switch (block.kind) {
    case 'heading':
      return [`### ${markdownText(block.text)}`, ''];
    case 'text':
      return [
        block.tone === 'warning' ? `> ${markdownText(block.text)}` : markdownText(block.text),
        '',
      ];
    case 'facts':
      return [
        ...block.facts.map(([k, v]) => `- **${markdownText(k)}**: ${markdownText(cellText(v))}`),
        '',
      ];
    case 'table':
      return block.rows.length === 0 ? [] : markdownTable(block);
    case 'code': {
      // A fence longer than any run of backticks in the text, so the text cannot close it.
      const fence = '`'.repeat(
        Math.max(3, ...(block.text.match(/`+/g) ?? []).map((r) => r.length + 1)),
      );
      return [fence, ...block.text.split('\n').map(terminalSafe), fence, ''];
    }
    case 'chart':
      // A chart in Markdown is its numbers.
      return markdownTable(block.data);
    default:
      return block satisfies never;
  }
}

export function blocksMarkdown(blocks: readonly Block[]): string[] {
  return blocks.flatMap(markdownBlock);
}

export function documentMarkdown(doc: Document): string {
  return [
    `# ${markdownText(doc.title)}`,
    '',
    markdownText(doc.subtitle),
    '',
    ...doc.sections.flatMap((s) => [
      `## ${markdownText(s.title)}`,
      '',
      ...blocksMarkdown(s.blocks),
    ]),
  ].join('\n');
}

// --- Terminal text -----------------------------------------------------------------------------

function textTable(table: TableBlock): string[] {
  const { rows, more } = shownRows(table);
  const headers = table.columns.map((c) => c.title);
  const cells = rows.map((r) => r.map((v) => terminalSafe(cellText(v))));
  const widths = headers.map((h, i) =>
    Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)),
  );
  const line = (r: readonly string[]): string =>
    r
      .map((c, i) =>
        table.columns[i]?.numeric === true ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [
    '',
    ...(table.title === undefined ? [] : [terminalSafe(table.title)]),
    line(headers),
    line(widths.map((w) => '-'.repeat(w))),
    ...cells.map(line),
    ...(more === '' ? [] : [`… ${terminalSafe(more)}`]),
  ];
}

function textBlock(block: Block): string[] {
  switch (block.kind) {
    case 'heading':
      return ['', terminalSafe(block.text)];
    case 'text':
      // A paragraph, set apart like a table.
      return ['', terminalSafe(block.text)];
    case 'facts':
      return block.facts.map(([k, v]) => `${terminalSafe(k)} ${terminalSafe(cellText(v))}`);
    case 'table':
      return block.rows.length === 0 ? [] : textTable(block);
    case 'code':
      return ['', ...block.text.split('\n').map(terminalSafe)];
    case 'chart':
      return textTable(block.data);
    default:
      return block satisfies never;
  }
}

/** The blocks as plain lines for a terminal, every value made inert. */
export function blocksText(blocks: readonly Block[]): string {
  return blocks.flatMap(textBlock).join('\n') + '\n';
}
