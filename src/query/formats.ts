/**
 * Result writers. csv, json and ndjson stream chunk by chunk, so a result of any size goes out
 * in bounded memory; table is for people and shows at most TABLE_ROW_LIMIT rows.
 */
import type { Writable } from 'node:stream';
import { terminalSafe } from '../text/terminal-safe.js';
import { cellText, type JsonValue } from './json-value.js';
import { writeText } from './out-stream.js';

export { OUTPUT_FORMATS, type OutputFormat, TEXT_FORMATS, type TextFormat } from '../defaults.js';
import type { TextFormat } from '../defaults.js';

export const TABLE_ROW_LIMIT = 10_000;
const TABLE_CELL_LIMIT = 100;

export interface ResultStream {
  readonly columns: readonly string[];
  /** Rows of JSON values (json-value.ts: jsonValueConverter), chunk by chunk. */
  readonly chunks: AsyncIterable<readonly (readonly JsonValue[])[]>;
}

/** One row as an object of plain JSON values, keyed by column name. */
export function rowObject(
  columns: readonly string[],
  row: readonly JsonValue[],
): Record<string, JsonValue> {
  const obj: Record<string, JsonValue> = {};
  columns.forEach((name, i) => {
    obj[name] = row[i] ?? null;
  });
  return obj;
}

export function csvField(text: string | null): string {
  if (text === null) return '';
  return /[",\r\n]/.test(text) || text === '' ? `"${text.replaceAll('"', '""')}"` : text;
}

/**
 * A spreadsheet runs a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage return
 * before one) as a formula, and a log's values are chosen by whoever made the calls: with
 * `--csv-safe` such a value is written with a leading `'`, which spreadsheets show as text (the
 * OWASP advice for CSV injection). Off by default: it changes the values.
 */
export function csvSafeText(text: string | null): string | null {
  return text !== null && /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
}

export interface WriteOptions {
  /** CSV only: neutralise formula-like values (csvSafeText). */
  readonly csvSafe: boolean;
}

async function writeCsv(result: ResultStream, out: Writable, csvSafe: boolean): Promise<number> {
  const field = csvSafe ? (text: string | null): string => csvField(csvSafeText(text)) : csvField;
  await writeText(out, result.columns.map(field).join(',') + '\n');
  let rows = 0;
  for await (const chunk of result.chunks) {
    let text = '';
    for (const row of chunk) text += row.map((v) => field(cellText(v))).join(',') + '\n';
    rows += chunk.length;
    await writeText(out, text);
  }
  return rows;
}

async function writeNdjson(result: ResultStream, out: Writable): Promise<number> {
  let rows = 0;
  for await (const chunk of result.chunks) {
    let text = '';
    for (const row of chunk) text += JSON.stringify(rowObject(result.columns, row)) + '\n';
    rows += chunk.length;
    await writeText(out, text);
  }
  return rows;
}

async function writeJson(result: ResultStream, out: Writable): Promise<number> {
  let rows = 0;
  await writeText(out, '[');
  for await (const chunk of result.chunks) {
    let text = '';
    for (const row of chunk) {
      text += (rows === 0 ? '\n' : ',\n') + JSON.stringify(rowObject(result.columns, row));
      rows++;
    }
    await writeText(out, text);
  }
  await writeText(out, rows === 0 ? ']\n' : '\n]\n');
  return rows;
}

/**
 * A table cell as shown: control and formatting characters escaped (terminal-safe.ts), `|`
 * escaped so a value cannot draw a column of its own, and clipped.
 */
function cell(text: string): string {
  const shown = terminalSafe(text).replaceAll('|', '\\|');
  return shown.length > TABLE_CELL_LIMIT ? shown.slice(0, TABLE_CELL_LIMIT - 1) + '…' : shown;
}

async function writeTable(result: ResultStream, out: Writable): Promise<number> {
  const shown: string[][] = [];
  let rows = 0;
  for await (const chunk of result.chunks) {
    for (const row of chunk) {
      if (rows < TABLE_ROW_LIMIT) shown.push(row.map((v) => cell(cellText(v) ?? 'NULL')));
      rows++;
    }
  }
  const header = result.columns.map(cell);
  const widths = header.map((name, i) =>
    Math.max(name.length, ...shown.map((r) => (r[i] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    '| ' + cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ') + ' |\n';
  const rule = '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|\n';
  let text = line(header) + rule;
  for (const r of shown) text += line(r);
  const note =
    rows > TABLE_ROW_LIMIT ? `, first ${TABLE_ROW_LIMIT} shown; use --format csv for all` : '';
  text += `(${rows} row${rows === 1 ? '' : 's'}${note})\n`;
  await writeText(out, text);
  return rows;
}

/** Writes the whole result in `format`; returns the row count. */
export function writeResult(
  format: TextFormat,
  result: ResultStream,
  out: Writable,
  options: WriteOptions = { csvSafe: false },
): Promise<number> {
  switch (format) {
    case 'table':
      return writeTable(result, out);
    case 'csv':
      return writeCsv(result, out, options.csvSafe);
    case 'json':
      return writeJson(result, out);
    case 'ndjson':
      return writeNdjson(result, out);
    default:
      return format satisfies never;
  }
}
