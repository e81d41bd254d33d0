/**
 * Result writers. csv, json and ndjson stream chunk by chunk, so a result of any size goes out
 * in bounded memory; table is for people and shows at most TABLE_ROW_LIMIT rows.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import type { DuckDBValue } from '@duckdb/node-api';
import { type JsonValue, toCellText, toJsonValue } from './json-value.js';

export const TEXT_FORMATS = ['table', 'csv', 'json', 'ndjson'] as const;
export type TextFormat = (typeof TEXT_FORMATS)[number];
/** Binary formats need --out FILE. */
export const BINARY_FORMATS = ['parquet', 'arrow'] as const;
export const OUTPUT_FORMATS = [...TEXT_FORMATS, ...BINARY_FORMATS] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export const TABLE_ROW_LIMIT = 10_000;
const TABLE_CELL_LIMIT = 100;

export interface ResultStream {
  readonly columns: readonly string[];
  readonly chunks: AsyncIterable<DuckDBValue[][]>;
}

async function write(out: Writable, text: string): Promise<void> {
  if (out.errored) throw out.errored;
  // events.once rejects on 'error': a failed output ends the query instead of waiting forever.
  if (!out.write(text)) await once(out, 'drain');
}

function rowObject(columns: readonly string[], row: DuckDBValue[]): Record<string, JsonValue> {
  const obj: Record<string, JsonValue> = {};
  columns.forEach((name, i) => {
    obj[name] = toJsonValue(row[i] ?? null);
  });
  return obj;
}

export function csvField(text: string | null): string {
  if (text === null) return '';
  return /[",\r\n]/.test(text) || text === '' ? `"${text.replaceAll('"', '""')}"` : text;
}

async function writeCsv(result: ResultStream, out: Writable): Promise<number> {
  await write(out, result.columns.map(csvField).join(',') + '\n');
  let rows = 0;
  for await (const chunk of result.chunks) {
    let text = '';
    for (const row of chunk) text += row.map((v) => csvField(toCellText(v))).join(',') + '\n';
    rows += chunk.length;
    await write(out, text);
  }
  return rows;
}

async function writeNdjson(result: ResultStream, out: Writable): Promise<number> {
  let rows = 0;
  for await (const chunk of result.chunks) {
    let text = '';
    for (const row of chunk) text += JSON.stringify(rowObject(result.columns, row)) + '\n';
    rows += chunk.length;
    await write(out, text);
  }
  return rows;
}

async function writeJson(result: ResultStream, out: Writable): Promise<number> {
  let rows = 0;
  await write(out, '[');
  for await (const chunk of result.chunks) {
    let text = '';
    for (const row of chunk) {
      text += (rows === 0 ? '\n' : ',\n') + JSON.stringify(rowObject(result.columns, row));
      rows++;
    }
    await write(out, text);
  }
  await write(out, rows === 0 ? ']\n' : '\n]\n');
  return rows;
}

function clip(text: string): string {
  const oneLine = text.replace(/[\r\n\t]/g, ' ');
  return oneLine.length > TABLE_CELL_LIMIT ? oneLine.slice(0, TABLE_CELL_LIMIT - 1) + '…' : oneLine;
}

async function writeTable(result: ResultStream, out: Writable): Promise<number> {
  const shown: string[][] = [];
  let rows = 0;
  for await (const chunk of result.chunks) {
    for (const row of chunk) {
      if (rows < TABLE_ROW_LIMIT) shown.push(row.map((v) => clip(toCellText(v) ?? 'NULL')));
      rows++;
    }
  }
  const widths = result.columns.map((name, i) =>
    Math.max(name.length, ...shown.map((r) => (r[i] ?? '').length)),
  );
  const line = (cells: readonly string[]): string =>
    '| ' + cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ') + ' |\n';
  const rule = '|' + widths.map((w) => '-'.repeat(w + 2)).join('|') + '|\n';
  let text = line(result.columns) + rule;
  for (const r of shown) text += line(r);
  const note =
    rows > TABLE_ROW_LIMIT ? `, first ${TABLE_ROW_LIMIT} shown; use --format csv for all` : '';
  text += `(${rows} row${rows === 1 ? '' : 's'}${note})\n`;
  await write(out, text);
  return rows;
}

/** Writes the whole result in `format`; returns the row count. */
export function writeResult(
  format: TextFormat,
  result: ResultStream,
  out: Writable,
): Promise<number> {
  switch (format) {
    case 'table':
      return writeTable(result, out);
    case 'csv':
      return writeCsv(result, out);
    case 'json':
      return writeJson(result, out);
    case 'ndjson':
      return writeNdjson(result, out);
    default:
      return format satisfies never;
  }
}
